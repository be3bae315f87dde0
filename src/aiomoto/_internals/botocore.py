"""botocore's internals that aiomoto uses, and the checks that they exist.

Correctness needs the client creator (each new client is bound to its
context), the case-insensitive headers class and two helpers the C core and
the request-body reader call.  The fast path's memos need the endpoint rule
set's structure, the timestamp parser and the user-agent sanitizer.
"""

from __future__ import annotations

import botocore.endpoint_provider as endpoint_provider
import botocore.useragent as useragent
import botocore.utils as utils
from botocore.awsrequest import AWSPreparedRequest, HeadersDict
from botocore.client import BaseClient, ClientCreator

from aiomoto._internals import Required, first_missing

LIBRARY = "botocore"

__all__ = [
    "AWSPreparedRequest",
    "BaseClient",
    "ClientCreator",
    "HeadersDict",
    "endpoint_provider",
    "useragent",
    "utils",
]

REQUIRED = tuple(
    Required(LIBRARY, name)
    for name in (
        "botocore.client:ClientCreator.create_client",
        "botocore.awsrequest:HeadersDict",
        "botocore.utils:get_encoding_from_headers",
        "botocore.utils:determine_content_length",
    )
)


def missing_for_endpoint_memo() -> str | None:
    return first_missing(
        [
            "botocore.endpoint_provider:EndpointProvider.resolve_endpoint",
            "botocore.endpoint_provider:RuleSet.process_input_parameters",
            "botocore.endpoint_provider:EndpointRule",
            "botocore.endpoint_provider:ErrorRule",
            "botocore.endpoint_provider:TreeRule",
            "botocore.endpoint_provider:STRING_FORMATTER",
            "botocore.endpoint_provider:TEMPLATE_STRING_RE",
        ]
    )


def missing_for_timestamp_memo() -> str | None:
    return first_missing(["botocore.utils:_parse_timestamp_with_tzinfo"])


def missing_for_user_agent_memo() -> str | None:
    return first_missing(["botocore.useragent:sanitize_user_agent_string_component"])
