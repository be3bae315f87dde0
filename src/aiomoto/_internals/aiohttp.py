"""aiohttp's internals aiomoto uses to answer ``ClientSession`` requests itself.

aiohttp offers no public way to hand a session a response it did not
receive.  aiomoto does what aioresponses does: it replaces
``ClientSession._request`` (every ``get``/``post``/``request`` goes through
it) and builds a real ``ClientResponse`` around Moto's answer, with the
constructor arguments this aiohttp version declares, the headers and status
set as aiohttp's own parser sets them and the body fed to a ``StreamReader``.

:func:`check` says whether this aiohttp has what that takes; without it,
requests aiomoto should answer are refused (they would otherwise reach the
network) with an error naming the version.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp
from aiohttp import ClientResponse, ClientSession, FormData
from aiohttp.client_reqrep import RequestInfo
from aiohttp.helpers import TimerNoop
from aiohttp.streams import StreamReader
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

# What ClientResponse.__init__ may ask for, besides method and url.
_KNOWN_PARAMETERS = frozenset(
    {
        "writer",
        "continue100",
        "timer",
        "request_info",
        "traces",
        "loop",
        "session",
        "stream_writer",
    }
)
_STREAM_LIMIT = 2**16


def _unsupported() -> str | None:
    """What this aiohttp lacks, or None when it has everything."""
    parameters = inspect.signature(ClientResponse.__init__).parameters
    for name, parameter in list(parameters.items())[3:]:
        required = parameter.default is inspect.Parameter.empty
        if required and name not in _KNOWN_PARAMETERS:
            return f"ClientResponse() takes a parameter {name!r} aiomoto does not know"
    if not callable(getattr(ClientSession, "_request", None)):
        return "ClientSession has no _request"
    return None


UNSUPPORTED = _unsupported()


def unsupported_message(method: str, url: str) -> str:
    return (
        f"aiomoto cannot answer aiohttp's {method} {url} with aiohttp "
        f"{aiohttp.__version__}: {UNSUPPORTED}. It would have gone to the "
        "network, so it was stopped. Use a supported aiohttp (see aiomoto's "
        "README) or httpx for this request."
    )


class _SentWriter:
    """Stands for the stream writer of a request that is already sent."""

    output_size = 0
    buffer_size = 0


class _Paused:
    """The protocol of a stream that is already complete: nothing to pause."""

    _reading_paused = False

    def pause_reading(self, *args: object, **kwargs: object) -> None:
        pass

    def resume_reading(self, *args: object, **kwargs: object) -> None:
        pass


class _Collector:
    """A stream writer that keeps what a payload writes."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.buffer_size = 0
        self.output_size = 0

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        self.chunks.append(bytes(chunk))

    async def write_eof(self, chunk: bytes = b"") -> None:
        if chunk:
            self.chunks.append(bytes(chunk))

    async def drain(self) -> None:
        pass

    def enable_compression(self, *args: object, **kwargs: object) -> None:
        pass

    def enable_chunking(self) -> None:
        pass


async def request_body(data: Any, json_value: Any) -> tuple[bytes, str | None]:
    """The bytes and content type aiohttp would send for ``data=``/``json=``."""
    if json_value is not None:
        return json.dumps(json_value).encode(), "application/json"
    if data is None:
        return b"", None
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data), None
    if isinstance(data, str):
        return data.encode(), None
    if isinstance(data, (FormData, Mapping, list, tuple)):
        form = data if isinstance(data, FormData) else FormData(data)
        payload = form()
    else:
        payload = aiohttp.payload.get_payload(data)
    collector = _Collector()
    await payload.write(collector)  # type: ignore[arg-type]
    return b"".join(collector.chunks), payload.content_type


def request_url(session: ClientSession, url: Any, params: Any) -> URL:
    """The URL aiohttp would request: the session's base URL and ``params``."""
    target = URL(url) if not isinstance(url, URL) else url
    base = getattr(session, "_base_url", None)
    if base is not None and not target.is_absolute():
        target = base.join(target)
    if params:
        target = target.extend_query(params)
    return target


def response(
    session: ClientSession,
    method: str,
    url: URL,
    request_headers: Iterable[tuple[str, str]],
    status: int,
    headers: Mapping[str, str],
    body: bytes,
) -> ClientResponse:
    """A complete ``ClientResponse`` carrying ``status``, ``headers``, ``body``."""
    loop = asyncio.get_running_loop()
    sent = CIMultiDictProxy(CIMultiDict(request_headers))
    available: dict[str, Any] = {
        "writer": None,
        "continue100": None,
        "timer": TimerNoop(),
        "request_info": RequestInfo(url, method, sent, url),
        "traces": [],
        "loop": loop,
        "session": session,
        "stream_writer": _SentWriter(),
    }
    parameters = inspect.signature(ClientResponse.__init__).parameters
    answer = ClientResponse(
        method, url, **{k: v for k, v in available.items() if k in parameters}
    )
    received = CIMultiDict((str(k), str(v)) for k, v in headers.items())
    received.setdefault("Content-Length", str(len(body)))
    answer.status = status
    answer.reason = _reason(status)
    answer._headers = CIMultiDictProxy(received)
    answer._raw_headers = tuple(
        (k.encode("latin-1"), v.encode("latin-1")) for k, v in received.items()
    )
    stream = StreamReader(_Paused(), _STREAM_LIMIT, loop=loop)  # type: ignore[arg-type]
    stream.feed_data(body)
    stream.feed_eof()
    answer.content = stream
    return answer


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
