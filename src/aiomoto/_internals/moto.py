"""Moto's internals that aiomoto uses, and the checks that they exist.

Correctness needs Moto's mock object and its counters, the global
``BotocoreStubber`` (whose ``__call__`` the dispatcher wraps and whose
``process_request`` it calls), the backend registry ``aiomoto.reset``
empties, and SQS's long-poll wait.  The fast path needs, besides, Moto's
routing tables and helpers (``_routing``), the ``responses`` registrations
of ``MockAWS._enable_patching`` and two functions of its serializer and
response classes (``_memo``).

Moto changed shape across 5.1 and 5.2: ``moto.core.request`` first appears in
5.1.9, ``BotocoreStubber.process_prepared_request`` in 5.2.5, and in between
``process_request`` takes a request Moto has normalized itself rather than
botocore's prepared request.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

import moto.backend_index as backend_index
import moto.backends as backends
import moto.core.base_backend as base_backend
import moto.core.config as config
import moto.core.custom_responses_mock as custom_responses_mock
import moto.core.exceptions as exceptions
import moto.core.model_instances as model_instances
import moto.core.models as models
import moto.core.responses as core_responses
import moto.core.utils as utils
import moto.moto_api as moto_api
from botocore.awsrequest import AWSPreparedRequest
from moto import settings
from moto.core.botocore_stubber import BotocoreStubber
from werkzeug.exceptions import HTTPException

from aiomoto._internals import Required, first_missing

LIBRARY = "moto"


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# Modules that some supported releases lack; None there.
core_request: Any = _optional_module("moto.core.request")
serialize: Any = _optional_module("moto.core.serialize")
responses_custom_registry: Any = _optional_module("moto.core.responses_custom_registry")

__all__ = [
    "BotocoreStubber",
    "HTTPException",
    "backend_index",
    "backends",
    "base_backend",
    "config",
    "core_request",
    "core_responses",
    "custom_responses_mock",
    "exceptions",
    "model_instances",
    "models",
    "moto_api",
    "responses_custom_registry",
    "serialize",
    "settings",
    "utils",
]

REQUIRED = tuple(
    Required(LIBRARY, name)
    for name in (
        "moto.core.models:MockAWS._nested_count",
        "moto.core.models:MockAWS.start",
        "moto.core.models:MockAWS.stop",
        "moto.core.models:botocore_stubber.enabled",
        "moto.core.botocore_stubber:BotocoreStubber.__call__",
        "moto.core.botocore_stubber:BotocoreStubber.process_request",
        "moto.settings:TEST_SERVER_MODE",
        "moto.settings:is_test_proxy_mode",
        "moto.backends:get_backend",
        "moto.backends:SERVICE_NAMES",
        "moto.core.base_backend:BackendDict._instances",
        "moto.core.base_backend:backend_lock",
        "moto.core.model_instances:reset_model_data",
        "moto.sqs.responses:SQSResponse.setup_class",
        "moto.sqs.models:Queue.wait_for_messages",
    )
)


def nested_count() -> int:
    """How many Moto mocks are started (aiomoto's and any raw ones)."""
    count: int = models.MockAWS._nested_count
    return count


def reset_model_data() -> None:
    model_instances.reset_model_data()


def sqs_queue_of(request: AWSPreparedRequest) -> Any:
    """The SQS queue a request names, found as Moto's SQS handler finds it.

    Moto's handlers take its normalized request where Moto has one, else
    botocore's prepared request.
    """
    from moto.sqs.responses import SQSResponse

    handler = SQSResponse()
    handler.setup_class(normalized(request))
    return handler.sqs_backend.get_queue(handler._get_queue_name())


def normalized(request: AWSPreparedRequest) -> Any:
    """The request as Moto's handlers take it in this release."""
    normalize = getattr(core_request, "normalize_request", None)
    return request if normalize is None else normalize(request)


def sqs_queue_class() -> type:
    from moto.sqs.models import Queue

    queue: type = Queue
    return queue


# A URL no Moto service matches, for asking the stubber what it accepts.
_PROBE_URL = "https://aiomoto-probe.invalid/"


@functools.cache
def _takes_prepared_requests(process_request: Callable[..., Any]) -> bool:
    probe = AWSPreparedRequest("GET", _PROBE_URL, {}, b"", False)
    try:
        process_request(models.botocore_stubber, probe)
    except AttributeError:
        return False
    return True


def stubber_takes_prepared_requests() -> bool:
    """Whether ``BotocoreStubber.process_request`` accepts botocore's request.

    The dispatcher hands it the prepared request aiobotocore sends.  Where it
    reads attributes only Moto's normalized request has (``raw_url``),
    :func:`normalizing_process_request` stands in for it.
    """
    return _takes_prepared_requests(vars(BotocoreStubber)["process_request"])


def normalizing_process_request(original: Callable[..., Any]) -> Callable[..., Any]:
    """``process_request`` that normalizes a prepared request first, as
    Moto's own ``__call__`` does before it calls ``process_request``."""

    from moto.core.request import normalize_request

    @functools.wraps(original)
    def process_request(self: BotocoreStubber, request: Any) -> Any:
        if isinstance(request, AWSPreparedRequest):
            request = normalize_request(request)
        return original(self, request)

    return process_request


# --- What each fast-path piece needs ----------------------------------------


def missing_for_routing() -> str | None:
    """What the routing cache lacks in this Moto, or None."""
    missing = first_missing(
        [
            "moto.core.request:normalize_request",
            "moto.backend_index:backend_url_patterns",
            "moto.core.config:passthrough_url",
            "moto.core.config:passthrough_service",
            "moto.core.config:service_whitelisted",
            "moto.core.exceptions:ServiceNotWhitelisted",
            "moto.core.utils:get_equivalent_url_in_aws_domain",
            "moto.core.models:DEFAULT_ACCOUNT_ID",
            "moto.core.base_backend:BackendDict",
            "moto.moto_api:recorder._record_request",
            "moto.settings:get_s3_custom_endpoints",
            "moto.settings:enable_iso_regions",
        ]
    )
    if missing is not None:
        return missing
    if not stubber_takes_prepared_requests():
        return (
            "moto.core.botocore_stubber:BotocoreStubber.process_request "
            "taking botocore's prepared request"
        )
    return None


def missing_for_registrations() -> str | None:
    """What the kept ``responses`` registrations lack in this Moto, or None."""
    missing = first_missing(
        [
            "moto.core.botocore_stubber:BotocoreStubber.process_prepared_request",
            "moto.core.models:MockAWS._enable_patching",
            "moto.core.models:MockAWS.reset",
            "moto.core.models:RESPONSES_METHODS",
            "moto.core.models:responses_mock",
            "moto.core.custom_responses_mock:CallbackResponse",
            "moto.core.custom_responses_mock:not_implemented_callback",
            "moto.core.responses_custom_registry:CustomRegistry",
        ]
    )
    if missing is not None:
        return missing
    registry = responses_custom_registry.CustomRegistry()
    if not isinstance(vars(registry).get("_registered"), dict):
        return "moto.core.responses_custom_registry:CustomRegistry._registered"
    return None


def registered(registry: Any) -> Any:
    """A CustomRegistry's own table of registrations, by HTTP method."""
    return registry._registered


def missing_for_alias_memo() -> str | None:
    return first_missing(
        [
            "moto.core.serialize:XFormedAttributePicker.get_possible_keys",
            "moto.core.serialize:AttributePickerContext",
        ]
    )


def missing_for_action_memo() -> str | None:
    return first_missing(["moto.core.responses:method_names_from_class"])
