"""What aiomoto patches while a mock is active: one table, and its undoing.

:data:`PATCHES` lists every attribute aiomoto replaces, one row each:
the owner (a class or module), the attribute, a factory that builds the
replacement from the original, and the condition under which the row
applies.  :class:`Patches` installs the rows at the outermost enter and puts
back the very objects that were there at the last exit.  Besides the table,
the environment variables of ``_environment`` are hidden while a context is
active and restored exactly at the last exit.
"""

from __future__ import annotations

import copy
import functools
import inspect
import os
import sys
from collections.abc import Callable
from types import CodeType, ModuleType
from typing import Any, NamedTuple, NoReturn

import aiohttp

from aiomoto import _internals
from aiomoto._compatibility import _canary, _unimplemented
from aiomoto._endpoint import _raw_http
from aiomoto._engine import core as _core
from aiomoto._fast_path import _async_emit, _memo, _routing, _session_data
from aiomoto._fast_path import _pieces as _fast_path
from aiomoto._internals import aiobotocore as _aiobotocore
from aiomoto._internals import botocore as _botocore
from aiomoto._internals import moto as _moto
from aiomoto._internals.botocore import AWSPreparedRequest
from aiomoto._lifecycle import _environment, _lifetime, _mixed, _waits
from aiomoto._lifecycle._state import state
from aiomoto.errors import RealHTTPRequestError, RequestBodyTooLargeError

_core.configure(
    headers_class=_botocore.HeadersDict,
    encoding_from_headers=_botocore.utils.get_encoding_from_headers,
    # aiobotocore turns this into ResponseStreamingError, as it does when a
    # real connection closes under a streaming body.
    closed_error=aiohttp.ClientConnectionError,
)


MAX_BODY_VARIABLE = "AIOMOTO_MAX_BODY_BYTES"
# The largest object S3 accepts in one PutObject: a bigger body is a bug.
DEFAULT_MAX_BODY_BYTES = 5 * 1024**3
_READ_SIZE = 1024 * 1024


def max_body_bytes() -> int:
    """The request body limit, from ``AIOMOTO_MAX_BODY_BYTES`` (read at enter)."""
    value = os.environ.get(MAX_BODY_VARIABLE, "").strip()
    if not value:
        return DEFAULT_MAX_BODY_BYTES
    try:
        limit = int(value)
    except ValueError:
        limit = -1
    if limit < 0:
        raise ValueError(
            f"{MAX_BODY_VARIABLE} must be a whole number of bytes (0 or more), "
            f"not {value!r}; unset it for the default of {DEFAULT_MAX_BODY_BYTES}"
        )
    return limit


def _too_large(
    request: AWSPreparedRequest, size: int | None, limit: int
) -> RequestBodyTooLargeError:
    what = f"a {size}-byte" if size is not None else "a"
    return RequestBodyTooLargeError(
        f"aiomoto refused {what} request body for {request.method} {request.url}: "
        f"it is larger than {MAX_BODY_VARIABLE}={limit}. Send a smaller body, or "
        f"raise {MAX_BODY_VARIABLE} before the outermost mock_aws starts.",
        size,
        limit,
    )


async def _read_within(request: AWSPreparedRequest, limit: int) -> bytes:
    """Read an awaitable body in chunks, stopping as soon as it passes limit."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.body.read(_READ_SIZE)
        if not chunk:
            return b"".join(chunks)
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise TypeError(
                "the request body's read() must return bytes, not "
                f"{type(chunk).__name__}"
            )
        size += len(chunk)
        if size > limit:
            raise _too_large(request, None, limit)
        chunks.append(bytes(chunk))


def _declared_size(request: AWSPreparedRequest) -> int | None:
    declared = request.headers.get("X-Amz-Decoded-Content-Length")
    try:
        return int(declared) if declared is not None else None
    except ValueError:
        return None


def _in_memory_size(body: object) -> int | None:
    if isinstance(body, (bytes, bytearray)):
        return len(body)
    if isinstance(body, str):
        return len(body.encode())
    size: int | None = _botocore.utils.determine_content_length(body)
    return size


async def _respond_after_reading_body(
    dispatcher: _core.Dispatcher,
    stubber: _moto.BotocoreStubber,
    request: AWSPreparedRequest,
    event_name: str | None,
) -> _core.AsyncResponse | None:
    """Answer a request whose body must be awaited or measured first.

    aiobotocore's checksum wrapper has a coroutine ``read()``; Moto reads
    bodies synchronously.  Moto gets a copy of the request with the bytes, so
    that the original keeps its stream and botocore can rewind it to retry.
    Other bodies come here when they may be over the dispatcher's limit.
    """
    limit = dispatcher.max_body_bytes
    if limit < 0:  # a dispatcher without a limit
        limit = sys.maxsize
    if inspect.iscoroutinefunction(getattr(request.body, "read", None)):
        # An aws-chunked upload (S3 with trailing checksums) declares the size
        # of its payload: that is what the limit is for, and it is checked
        # before anything is read.  Without it the stream is read up to the
        # limit, framing included.
        declared = _declared_size(request)
        if declared is not None and declared > limit:
            raise _too_large(request, declared, limit)
        bytes_request = copy.copy(request)
        bytes_request.body = await _read_within(
            request, limit if declared is None else sys.maxsize
        )
        request = bytes_request
    else:
        size = _in_memory_size(request.body)
        if size is not None and size > limit:
            raise _too_large(request, size, limit)
    return dispatcher.respond(stubber, request, event_name)


async def refuse_real_request(self: object, request: AWSPreparedRequest) -> NoReturn:
    """An aiobotocore HTTP session's ``send`` while a context is active.

    aiobotocore sends a request over HTTP only when no ``before-send``
    handler answered it; inside a mock that means Moto did not, and the
    request would leave the process.
    """
    method, url = request.method, request.url
    raise RealHTTPRequestError(
        "aiomoto: attempted real HTTP request while mock_aws is active: "
        f"{method} {url}. Moto has no "
        "handler for this URL, so the request would have left the process. "
        "Point the client at an AWS endpoint Moto serves (or remove its "
        "endpoint_url), or make this call outside aiomoto.mock_aws.",
        method=method,
        url=url,
    )


def _async_emit_code() -> CodeType:
    """The code of the ``_emit`` async clients run in this context."""
    if _fast_path.decisions.enabled("async emit"):
        return _async_emit.emit.__code__
    return _aiobotocore.async_emit_code()


def _dispatcher(original: Callable[..., object]) -> _core.Dispatcher:
    """``BotocoreStubber.__call__``: Moto's own for sync callers, aiomoto's
    awaitable response for aiobotocore's async emitter."""
    return _core.Dispatcher(
        original,
        _async_emit_code(),
        _respond_after_reading_body,
        dict(_waits.DEFERRED),
        lock=state.dispatch_lock,
        max_body_bytes=max_body_bytes(),
        not_implemented=_unimplemented.explain,
    )


def _sqs_wait_without_lock(wait: Callable[..., None]) -> Callable[..., None]:
    """``Queue.wait_for_messages`` that waits without the Moto lock.

    Moto's SQS ``receive_message`` with ``WaitTimeSeconds`` loops over this
    1-second wait until a message comes.  Waiting with the lock held would
    keep out the ``send_message`` that ends the wait; released, the loop runs
    as it does against Moto alone, and re-takes the lock to look again.
    """

    @functools.wraps(wait)
    def wait_for_messages(self: object, timeout: int) -> None:
        depth = state.dispatch_lock._release_save()
        try:
            wait(self, timeout)
        finally:
            state.dispatch_lock._acquire_restore(depth)

    return wait_for_messages


def _always() -> bool:
    return True


class Patch(NamedTuple):
    """One attribute aiomoto replaces while a context is active."""

    # The class or module that holds the attribute; None when the installed
    # libraries do not have it (then the row does not apply).
    owner: Callable[[], object | None]
    attribute: str
    # Builds the replacement from the original object.
    replacement: Callable[[Any], object]
    condition: Callable[[], bool] = _always


def _use(module: ModuleType, name: str) -> Callable[[Any], object]:
    """A factory giving ``module.name`` as it is when the row is installed."""
    return lambda original: getattr(module, name)


def _guard(original: object) -> object:
    return refuse_real_request


def _stubber() -> type:
    return _moto.BotocoreStubber


def _moto_mock() -> type:
    mock_class: type = _moto.models.MockAWS
    return mock_class


def _moto_normalizes_first() -> bool:
    return not _moto.stubber_takes_prepared_requests()


PATCHES: tuple[Patch, ...] = (
    # Moto registers one global stubber as a ``before-send`` handler in every
    # botocore and aiobotocore session: the dispatcher answers async callers.
    Patch(_stubber, "__call__", _dispatcher),
    # Where Moto's process_request reads its own normalized request, the
    # dispatcher's prepared requests are normalized first, as __call__ does.
    Patch(
        _stubber,
        "process_request",
        _moto.normalizing_process_request,
        _moto_normalizes_first,
    ),
    # Past the stubber, a request would go to the network.
    Patch(lambda: _aiobotocore.AIOHTTPSession, "send", _guard),
    Patch(_aiobotocore.httpx_session_class, "send", _guard),
    # The fast path: Moto's routing and responses registrations, cached.
    Patch(
        _stubber,
        "process_request",
        _use(_routing, "process_request"),
        _fast_path.condition("routing cache"),
    ),
    Patch(
        _moto_mock,
        "_enable_patching",
        _routing.enable_patching,
        _fast_path.condition("responses registrations"),
    ),
    # The fast path's memos.
    Patch(
        lambda: _botocore.endpoint_provider.EndpointProvider,
        "resolve_endpoint",
        _use(_memo, "resolve_endpoint"),
        _fast_path.condition("endpoint memo"),
    ),
    Patch(
        lambda: _botocore.utils,
        "_parse_timestamp_with_tzinfo",
        _use(_memo, "parse_timestamp_with_tzinfo"),
        _fast_path.condition("timestamp memo"),
    ),
    Patch(
        lambda: _botocore.useragent,
        "sanitize_user_agent_string_component",
        _use(_memo, "sanitize_user_agent_string_component"),
        _fast_path.condition("user-agent memo"),
    ),
    Patch(
        lambda: getattr(_botocore.useragent, "UserAgentString", None),
        "to_string",
        _use(_memo, "user_agent_string"),
        _fast_path.condition("user-agent string memo"),
    ),
    Patch(
        lambda: _moto.serialize.XFormedAttributePicker,
        "get_possible_keys",
        _use(_memo, "possible_keys"),
        _fast_path.condition("attribute-alias memo"),
    ),
    Patch(
        lambda: _moto.core_responses,
        "method_names_from_class",
        _use(_memo, "MethodNames"),
        _fast_path.condition("action-lookup memo"),
    ),
    *(
        Patch(
            caller,
            "camelcase_to_underscores",
            _use(_memo, "camelcase_to_underscores"),
            _fast_path.condition("snake-case memo"),
        )
        for caller in _moto.SNAKE_CASE_CALLERS
    ),
    Patch(
        _moto.loaded_s3_response_class,
        "subdomain_based_buckets",
        _memo.s3_addressing,
        _fast_path.condition("S3 addressing memo"),
    ),
    Patch(
        lambda: _botocore.hooks,
        "accepts_kwargs",
        _use(_memo, "accepts_kwargs"),
        _fast_path.condition("handler-signature memo"),
    ),
    Patch(
        lambda: getattr(_botocore.hooks, "EventAliaser", None),
        "_alias_event_name",
        _use(_memo, "alias_event_name"),
        _fast_path.condition("event-alias memo"),
    ),
    Patch(
        lambda: _aiobotocore.AioHierarchicalEmitter,
        "_emit",
        _use(_async_emit, "emit"),
        _fast_path.condition("async emit"),
    ),
    # The fast path's shared session data: sessions made in a context build
    # clients and endpoint resolvers from botocore data loaded once.
    Patch(
        lambda: _botocore.ClientCreator,
        "_load_service_model",
        _session_data.load_service_model,
        _fast_path.condition("session data"),
    ),
    Patch(
        lambda: _botocore.ClientCreator,
        "_load_service_endpoints_ruleset",
        _session_data.load_service_endpoints_ruleset,
        _fast_path.condition("session data"),
    ),
    Patch(
        lambda: _botocore.Session,
        "_register_endpoint_resolver",
        _session_data.register_endpoint_resolver,
        _fast_path.condition("session data"),
    ),
    # An SQS long poll gives up the dispatcher's lock while it waits.
    Patch(_moto.sqs_queue_class, "wait_for_messages", _sqs_wait_without_lock),
    # aiohttp and httpx requests to AWS are answered by Moto in-process.
    Patch(_raw_http.aiohttp_session, "_request", _raw_http.aiohttp_request),
    Patch(_raw_http.httpx_sync_transport, "handle_request", _raw_http.httpx_sync),
    Patch(
        _raw_http.httpx_async_transport,
        "handle_async_request",
        _raw_http.httpx_async,
    ),
    # A raw Moto mock may not start inside aiomoto.
    Patch(_moto_mock, "start", _use(_mixed, "refusing_start")),
    # New clients are bound to the context they were created in.
    Patch(
        lambda: _botocore.ClientCreator, "create_client", _lifetime.sync_create_client
    ),
    Patch(
        lambda: _aiobotocore.AioClientCreator,
        "create_client",
        _lifetime.async_create_client,
    ),
)


# Whether check_required passed in this process.
_required_checked = False


def check_required() -> None:
    """Raise UnsupportedDependencyError if an internal correctness needs is
    missing, or if the dispatcher would not recognise async clients.

    Once it passed, the process has what it needs: later calls return at once.
    """
    global _required_checked
    if _required_checked:
        return
    _internals.check_required(
        (*_moto.REQUIRED, *_botocore.REQUIRED, *_aiobotocore.REQUIRED),
        [_canary.check_async_emitter],
    )
    _required_checked = True


class Patches:
    """Installs and removes the rows of :data:`PATCHES`; not thread safe on
    its own.

    ``aiomoto.mock_aws`` calls it under the process state's lock, once at
    the outermost enter and once at the last exit.
    """

    def __init__(self) -> None:
        self._originals: list[tuple[object, str, Any]] = []
        self.environment = _environment.Environment()

    @property
    def installed(self) -> bool:
        return bool(self._originals)

    def patched(self) -> list[tuple[object, str]]:
        """The (owner, attribute) pairs replaced now, in the order installed."""
        return [(owner, name) for owner, name, _ in self._originals]

    def install(self) -> None:
        if self._originals:
            # Only a removal cut short (Ctrl-C inside remove()) leaves
            # originals behind at an outermost enter: finish it first.
            self.remove()
        check_required()
        _mixed.refuse_raw_moto()
        # Every outermost enter starts the fast path's caches empty, so that
        # switching it back on never meets entries from an earlier context.
        _routing.forget()
        _fast_path.decisions.decide()
        try:
            for patch in PATCHES:
                if not patch.condition():
                    continue
                owner = patch.owner()
                if owner is None:
                    continue
                original = vars(owner)[patch.attribute]
                self._set(owner, patch.attribute, patch.replacement(original))
            self.environment.hide()
        except BaseException:
            self.remove()
            raise

    def remove(self) -> None:
        try:
            while self._originals:
                owner, name, original = self._originals[-1]
                setattr(owner, name, original)
                # Forgotten only once put back, so an interruption between
                # the two lines leaves it for the next remove() to restore.
                self._originals.pop()
        finally:
            self.environment.restore()
            # What the fast path remembered (Moto's routes, botocore's shapes
            # and endpoints) is not kept alive past the last exit.
            _routing.forget()

    def _set(self, owner: object, name: str, replacement: object) -> None:
        self._originals.append((owner, name, vars(owner)[name]))
        setattr(owner, name, replacement)
