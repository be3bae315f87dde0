"""The attributes aiomoto patches while a mock is active, and their undoing.

These class attributes change, and nothing else:

* ``BotocoreStubber.__call__`` becomes a C ``Dispatcher``.  Moto registers
  one global stubber as a ``before-send`` handler in every botocore and
  aiobotocore session; the dispatcher leaves sync callers on Moto's own code
  and answers aiobotocore's async emitter with a C ``AsyncResponse``.
* ``AIOHTTPSession.send`` and ``HttpxSession.send`` become a C
  ``HttpGuard``: aiobotocore only calls them when no handler answered, which
  inside a mock means the request would leave the process.
  The dispatcher hands operations that would wait inside Moto (SQS long
  polls) to the async handlers in ``_waits``.
* Unless ``AIOMOTO_FAST_PATH=0``: ``BotocoreStubber.process_request`` and
  ``MockAWS._enable_patching`` become the cached versions in ``_routing``.
* ``moto.core.models.MockAWS.start`` refuses a raw Moto mock inside aiomoto
  (``_mixed``); botocore's and aiobotocore's ``create_client`` bind new
  clients to the context (``_lifetime``).  The dispatcher reports what Moto
  lacks through ``_unimplemented``.
* Besides class attributes: the environment variables of ``_environment``,
  restored exactly at the last exit.
* ``moto.sqs.models.Queue.wait_for_messages`` gives up the dispatcher's Moto
  lock while an SQS long poll waits, so other threads can send the message it
  waits for.

Removing puts back the very objects that were there before.
"""

from __future__ import annotations

import copy
import functools
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
from aiobotocore.hooks import AioHierarchicalEmitter
from aiobotocore.httpsession import AIOHTTPSession
from botocore.awsrequest import AWSPreparedRequest, HeadersDict
from botocore.utils import determine_content_length, get_encoding_from_headers
from moto.core.botocore_stubber import BotocoreStubber

from aiomoto import (
    _core,
    _environment,
    _lifetime,
    _mixed,
    _routing,
    _unimplemented,
    _waits,
)
from aiomoto.errors import RequestBodyTooLargeError

_core.configure(
    headers_class=HeadersDict,
    encoding_from_headers=get_encoding_from_headers,
    # aiobotocore turns this into ResponseStreamingError, as it does when a
    # real connection closes under a streaming body.
    closed_error=aiohttp.ClientConnectionError,
)


# Held by the dispatcher while Moto runs: one for the process, as Moto's
# backends are.  A forked child drops a hold by a thread it did not inherit.
dispatch_lock = _core.DispatchLock()
os.register_at_fork(after_in_child=dispatch_lock._after_fork)

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
    size: int | None = determine_content_length(body)
    return size


def _http_session_classes() -> Iterator[type]:
    yield AIOHTTPSession
    try:
        from aiobotocore.httpxsession import HttpxSession
    except ImportError:  # aiobotocore releases before the httpx backend
        return
    yield HttpxSession


async def _respond_after_reading_body(
    dispatcher: _core.Dispatcher,
    stubber: BotocoreStubber,
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


class Patches:
    """Installs and removes aiomoto's patches; not thread safe on its own.

    ``aiomoto.mock_aws`` calls it under the ``Activation`` lock, once at the
    outermost enter and once at the last exit.
    """

    def __init__(self) -> None:
        self._originals: list[tuple[object, str, Any]] = []
        self.guard = _core.HttpGuard(_core.RealHTTPRequestError)
        self.environment = _environment.Environment()

    @property
    def installed(self) -> bool:
        return bool(self._originals)

    def install(self) -> None:
        if self._originals:
            # Only a removal cut short (Ctrl-C inside remove()) leaves
            # originals behind at an outermost enter: finish it first.
            self.remove()
        _mixed.refuse_raw_moto()
        dispatcher = _core.Dispatcher(
            BotocoreStubber.__dict__["__call__"],
            AioHierarchicalEmitter._emit.__code__,
            _respond_after_reading_body,
            dict(_waits.DEFERRED),
            lock=dispatch_lock,
            max_body_bytes=max_body_bytes(),
            not_implemented=_unimplemented.explain,
        )
        try:
            self._set(BotocoreStubber, "__call__", dispatcher)
            for session_class in _http_session_classes():
                self._set(session_class, "send", self.guard)
            for owner, name, replacement in _routing.replacements():
                self._set(owner, name, replacement)
            self._set(*_sqs_wait_without_lock())
            for owner, name, replacement in [
                *_mixed.replacements(),
                *_lifetime.replacements(),
            ]:
                self._set(owner, name, replacement)
            self.environment.hide()
            _lifetime.begin()
        except BaseException:
            self.remove()
            raise

    def remove(self) -> None:
        _lifetime.end()
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


@functools.cache
def _sqs_wait_without_lock() -> tuple[type, str, Callable[..., None]]:
    """``Queue.wait_for_messages`` that waits without the Moto lock.

    Moto's SQS ``receive_message`` with ``WaitTimeSeconds`` loops over this
    1-second wait until a message comes.  Waiting with the lock held would
    keep out the ``send_message`` that ends the wait; released, the loop runs
    as it does against Moto alone, and re-takes the lock to look again.
    """
    from moto.sqs.models import Queue

    wait: Callable[[Queue, int], None] = Queue.__dict__["wait_for_messages"]

    @functools.wraps(wait)
    def wait_for_messages(self: Queue, timeout: int) -> None:
        depth = dispatch_lock._release_save()
        try:
            wait(self, timeout)
        finally:
            dispatch_lock._acquire_restore(depth)

    return Queue, "wait_for_messages", wait_for_messages
