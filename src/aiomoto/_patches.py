"""The attributes aiomoto patches while a mock is active, and their undoing.

These class attributes change, and nothing else:

* ``BotocoreStubber.__call__`` becomes a C ``Dispatcher``.  Moto registers
  one global stubber as a ``before-send`` handler in every botocore and
  aiobotocore session; the dispatcher leaves sync callers on Moto's own code
  and answers aiobotocore's async emitter with a C ``AsyncResponse``.
* ``AIOHTTPSession.send`` and ``HttpxSession.send`` become a C
  ``HttpGuard``: aiobotocore only calls them when no handler answered, which
  inside a mock means the request would leave the process.
* Unless ``AIOMOTO_FAST_PATH=0``: ``BotocoreStubber.process_request`` and
  ``MockAWS._enable_patching`` become the cached versions in ``_routing``.

Removing puts back the very objects that were there before.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Iterator
from typing import Any

import aiohttp
from aiobotocore.hooks import AioHierarchicalEmitter
from aiobotocore.httpsession import AIOHTTPSession
from botocore.awsrequest import AWSPreparedRequest, HeadersDict
from botocore.utils import get_encoding_from_headers
from moto.core.botocore_stubber import BotocoreStubber

from aiomoto import _core, _routing

_core.configure(
    headers_class=HeadersDict,
    encoding_from_headers=get_encoding_from_headers,
    # aiobotocore turns this into ResponseStreamingError, as it does when a
    # real connection closes under a streaming body.
    closed_error=aiohttp.ClientConnectionError,
)


def _http_session_classes() -> Iterator[type]:
    yield AIOHTTPSession
    try:
        from aiobotocore.httpxsession import HttpxSession
    except ImportError:  # aiobotocore releases before the httpx backend
        return
    yield HttpxSession


async def _respond_after_reading_body(
    dispatcher: _core.Dispatcher, stubber: BotocoreStubber, request: AWSPreparedRequest
) -> _core.AsyncResponse | None:
    """Answer a request whose body must be awaited before Moto can read it.

    aiobotocore's checksum wrapper has a coroutine ``read()``; Moto reads
    bodies synchronously.  Moto gets a copy of the request with the bytes, so
    that the original keeps its stream and botocore can rewind it to retry.
    """
    if inspect.iscoroutinefunction(getattr(request.body, "read", None)):
        bytes_request = copy.copy(request)
        bytes_request.body = await request.body.read()
        request = bytes_request
    return dispatcher.respond(stubber, request)


class Patches:
    """Installs and removes aiomoto's patches; not thread safe on its own.

    ``aiomoto.mock_aws`` calls it under the ``Activation`` lock, once at the
    outermost enter and once at the last exit.
    """

    def __init__(self) -> None:
        self._originals: list[tuple[type, str, Any]] = []
        self.guard = _core.HttpGuard(_core.RealHTTPRequestError)

    @property
    def installed(self) -> bool:
        return bool(self._originals)

    def install(self) -> None:
        if self._originals:
            raise RuntimeError("aiomoto's patches are already installed")
        dispatcher = _core.Dispatcher(
            BotocoreStubber.__dict__["__call__"],
            AioHierarchicalEmitter._emit.__code__,
            _respond_after_reading_body,
        )
        try:
            self._set(BotocoreStubber, "__call__", dispatcher)
            for session_class in _http_session_classes():
                self._set(session_class, "send", self.guard)
            for owner, name, replacement in _routing.replacements():
                self._set(owner, name, replacement)
        except BaseException:
            self.remove()
            raise

    def remove(self) -> None:
        while self._originals:
            owner, name, original = self._originals.pop()
            setattr(owner, name, original)

    def _set(self, owner: type, name: str, replacement: object) -> None:
        self._originals.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, replacement)
