"""Moto's internals that aiomoto uses, and the checks that they exist.

Correctness needs Moto's mock object and its counters, the global
``BotocoreStubber`` (whose ``__call__`` the dispatcher wraps and whose
``process_request`` it calls), the backend registry ``aiomoto.reset``
empties, and SQS's long-poll wait.  The fast path needs, besides, Moto's
routing tables and helpers (``_routing``), the ``responses`` registrations
of ``MockAWS._enable_patching`` and two functions of its serializer and
response classes (``_memo``).  Building Moto's request directly
(``_moto_request``) needs ``moto.core.request``'s ``Request`` and its
preserved-header helpers, and werkzeug's ``EnvironBuilder`` (a dependency of
Moto's) for the keys of each origin.

Moto changed shape across 5.1 and 5.2: ``moto.core.request`` first appears in
5.1.9, ``BotocoreStubber.process_prepared_request`` in 5.2.5, and in between
``process_request`` takes a request Moto has normalized itself rather than
botocore's prepared request.
"""

from __future__ import annotations

import copy
import functools
import importlib
import io
import sys
from collections.abc import Callable
from types import CodeType, ModuleType
from typing import Any
from urllib.parse import urlsplit

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
from botocore.awsrequest import AWSPreparedRequest, HeadersDict
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


# What Moto raises to answer with an error (a queue it cannot find, say):
# werkzeug's HTTPException, and in newer releases its own ServiceException.
ERRORS: tuple[type[Exception], ...] = (
    HTTPException,
    *filter(None, [getattr(exceptions, "ServiceException", None)]),
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
    moto_request = normalized(request)
    if moto_request is request:
        moto_request = _with_text_headers(request)
    # Moto's stubber hands a handler the URL and headers beside the request;
    # releases without a normalized request of their own (before 5.1.9)
    # require them.
    handler.setup_class(moto_request, _full_url(moto_request), moto_request.headers)
    return handler.sqs_backend.get_queue(handler._get_queue_name())


def _with_text_headers(request: AWSPreparedRequest) -> AWSPreparedRequest:
    """A copy of ``request`` with its header values decoded, as Moto's stubber
    decodes them before its handlers read them; botocore's stays as it was."""
    changed = copy.copy(request)
    changed.headers = HeadersDict(
        {
            name: value.decode("utf-8") if isinstance(value, bytes) else value
            for name, value in request.headers.items()
        }
    )
    return changed


def _full_url(request: Any) -> str:
    """The URL Moto's stubber passes with ``request``: its normalized
    request's ``raw_url``, else the prepared request's ``url``."""
    url: str = getattr(request, "raw_url", None) or request.url
    return url


def normalized(request: AWSPreparedRequest) -> Any:
    """The request as Moto's handlers take it in this release."""
    normalize = getattr(core_request, "normalize_request", None)
    return request if normalize is None else normalize(request)


def raw_http_request(
    method: str, url: str, headers: dict[str, str], body: bytes
) -> Any:
    """A raw HTTP request (aiohttp, httpx) in the form Moto's stubber takes
    one made with ``requests``.

    Moto with a normalized request of its own builds it from botocore's
    prepared request, form fields included.  Releases without one (before
    5.1.9) read a form -- a presigned POST's fields and file -- only from a
    werkzeug request, which their ``responses`` callback builds for
    ``requests``; the same is built here.
    """
    if getattr(core_request, "normalize_request", None) is not None:
        return AWSPreparedRequest(method, url, HeadersDict(headers), body, False)
    from werkzeug.wrappers import Request

    parts = urlsplit(url)
    found = {name.lower(): value for name, value in headers.items()}
    return Request.from_values(
        path=parts.path,
        query_string=parts.query,
        base_url=f"{parts.scheme}://{parts.netloc}",
        method=method,
        headers=list(headers.items()),
        input_stream=io.BytesIO(body) if body else None,
        content_length=int(found.get("content-length", len(body))),
        content_type=found.get("content-type"),
    )


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


def missing_for_snake_case_memo() -> str | None:
    return first_missing(["moto.core.utils:camelcase_to_underscores"])


def _snake_case_caller(name: str) -> Callable[[], ModuleType | None]:
    """Module ``name``, if it calls Moto's own ``camelcase_to_underscores``
    under that name; else None."""

    def caller() -> ModuleType | None:
        module = importlib.import_module(name)
        own = vars(utils).get("camelcase_to_underscores")
        if own is None or vars(module).get("camelcase_to_underscores") is not own:
            return None
        return module

    return caller


# The modules that call ``camelcase_to_underscores`` on every request:
# Moto's action dispatch and SQS's queue attributes.
SNAKE_CASE_CALLERS = tuple(
    _snake_case_caller(name) for name in ("moto.core.responses", "moto.sqs.models")
)


# --- S3's addressing style --------------------------------------------------

# Every name Moto's ``S3Response.subdomain_based_buckets`` reads in the
# releases CI tests: with nothing else read, its answer depends only on the
# Host header, two settings and the alternative domain suffixes.
_S3_ADDRESSING_NAMES = frozenset(
    {
        "ALT_DOMAIN_SUFFIXES",
        "IGNORECASE",
        "S3_IGNORE_SUBDOMAIN_BUCKETNAME",
        "any",
        "get",
        "get_s3_custom_endpoints",
        "groups",
        "headers",
        "match",
        "netloc",
        "re",
        "settings",
        "startswith",
        "url",
        "urlparse",
    }
)


def _names_read(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            names |= _names_read(constant)
    return names


def missing_for_s3_addressing_memo() -> str | None:
    return first_missing(
        [
            "moto.settings:S3_IGNORE_SUBDOMAIN_BUCKETNAME",
            "moto.settings:get_s3_custom_endpoints",
        ]
    )


def loaded_s3_response_class() -> type | None:
    """Moto's ``S3Response``, once Moto's S3 is loaded and if its addressing
    check reads only what the memo keys on; else None.

    Loading Moto's S3 costs about 17 ms, which a context whose tests use no
    S3 should not pay.
    """
    response_class = getattr(sys.modules.get("moto.s3.responses"), "S3Response", None)
    if not isinstance(response_class, type):
        return None
    check = vars(response_class).get("subdomain_based_buckets")
    if not isinstance(check, staticmethod):
        return None
    code = getattr(check.__func__, "__code__", None)
    if code is None or not _names_read(code) <= _S3_ADDRESSING_NAMES:
        return None
    return response_class


# --- Request building: Moto's normalized request, built directly -----------


def werkzeug_environ(base_url: str) -> dict[str, Any]:
    """The environ werkzeug's ``EnvironBuilder`` makes for a bare GET to
    ``base_url``, as Moto's ``Request.from_primitives`` has it made."""
    from werkzeug.test import EnvironBuilder

    environ: dict[str, Any] = EnvironBuilder(base_url=base_url).get_environ()
    return environ


def _canary_requests() -> list[AWSPreparedRequest]:
    """Requests of the shapes aiomoto's clients send, and some odd ones;
    new ones at each call, as building one may read its body stream."""
    s3_headers = HeadersDict(
        {
            "Content-Type": "text/plain",
            "Content-Length": "5",
            "Content-MD5": "XUFAKrxLKna5cZ2REBfFkg==",
            "x-amz-meta-my_key": "value",
            "X-Amz-Meta-Other": b"bytes \xc3\xa9",
            "Transfer-Encoding": "chunked",
        }
    )
    json_headers = HeadersDict(
        {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
        }
    )
    query_headers = {"X-Repeated": "a", "x-repeated": "b", "Host": "other:8080"}
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return [
        AWSPreparedRequest(
            "PUT",
            "https://bucket.s3.amazonaws.com/odd%20key/%2F%C3%A9+~.txt?x-id=PutObject",
            s3_headers,
            b"hello",
            True,
        ),
        AWSPreparedRequest(
            "POST",
            "https://dynamodb.us-east-1.amazonaws.com/",
            json_headers,
            '{"Limit": 1}',
            True,
        ),
        AWSPreparedRequest(
            "GET",
            "http://LocalHost:5000/b/k\N{SNOWMAN};p?list-type=2&prefix=a%2Fb+c",
            query_headers,
            None,
            True,
        ),
        AWSPreparedRequest(
            "POST", "https://sqs.us-east-1.amazonaws.com/", form_headers, b"", True
        ),
        AWSPreparedRequest(
            "PUT", "http://localhost:5000/b/k", {}, io.BytesIO(b"streamed"), True
        ),
    ]


def _stream_state(stream: Any) -> tuple[bytes, int]:
    state: tuple[bytes, int] = (stream.getvalue(), stream.tell())
    return state


def _environ_difference(ours: dict[str, Any], moto: dict[str, Any]) -> str | None:
    if list(ours) != list(moto):
        return f"environ keys {list(ours)} instead of {list(moto)}"
    for key, value in moto.items():
        if key == "wsgi.input":
            if _stream_state(ours[key]) != _stream_state(value):
                return "environ wsgi.input"
        elif key == "werkzeug.request":
            # Each environ points at its own request.
            continue
        elif ours[key] != value:
            return f"environ {key} {ours[key]!r} instead of {value!r}"
    return None


def request_difference(ours: Any, ours_raw_url: str, moto: Any) -> str | None:
    """How a request aiomoto built differs from Moto's own, or None.

    Compares the environ (its keys in order, so headers come out in the same
    order; the body stream by content and position), the ``raw_url`` and the
    headers as Moto's handlers read them.
    """
    found = _environ_difference(ours.environ, moto.environ)
    if found is not None:
        return found
    if ours_raw_url != moto.raw_url:
        return f"raw_url {ours_raw_url!r} instead of {moto.raw_url!r}"
    if list(ours.headers) != list(moto.headers):
        return f"headers {list(ours.headers)} instead of {list(moto.headers)}"
    return None


def missing_for_request_building(
    normalize: Callable[[AWSPreparedRequest], tuple[Any, str]],
) -> str | None:
    """What building Moto's request directly lacks in this Moto, or None.

    Besides the names, the behaviour: ``normalize`` builds each canary
    request and must build what ``normalize_request`` builds.
    """
    missing = first_missing(
        [
            "moto.core.request:normalize_request",
            "moto.core.request:Request.from_primitives",
            "moto.core.request:Request.raw_url",
            "moto.core.request:AwsChunkedWrapper",
            "moto.core.request:PRESERVED_HEADER_NAMES_ENVIRON_KEY",
            "moto.core.request:should_preserve_original_header_name",
            "moto.core.request:environ_key_for_header",
            "werkzeug.test:EnvironBuilder.get_environ",
        ]
    )
    if missing is not None:
        return missing
    for canary, same in zip(_canary_requests(), _canary_requests(), strict=True):
        try:
            built, raw_url = normalize(canary)
            difference = request_difference(
                built, raw_url, core_request.normalize_request(same)
            )
        except Exception as error:
            # A release that refuses a canary is one aiomoto does not know.
            difference = f"raised {type(error).__name__}: {error}"
        if difference is not None:
            return (
                "the request moto.core.request:normalize_request builds for "
                f"{canary.method} {canary.url} ({difference})"
            )
    return None
