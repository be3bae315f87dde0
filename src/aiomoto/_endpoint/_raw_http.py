"""Raw HTTP to AWS, answered by Moto in-process: aiohttp and httpx.

Moto answers the ``requests`` library itself (through ``responses``).  While
an aiomoto context is active, requests made with ``aiohttp.ClientSession``
and with ``httpx`` (``Client`` and ``AsyncClient``) get the same treatment:
each is handed to Moto's routing, as ``requests`` is, under the Moto lock.
Moto answers those addressed to an AWS endpoint it serves -- presigned GET,
PUT and POST URLs, path- and virtual-host style -- and those to this
process's own endpoint; every other request (a local test server, say) goes
on untouched to the network code it was made for.

aiobotocore's own HTTP sessions never come here with a request Moto would
answer: its ``before-send`` handler (aiomoto's dispatcher) answers those
before aiobotocore opens a connection.

The patch points, and what they need of each library, are in
``aiomoto._internals.aiohttp`` and ``aiomoto._internals.httpx``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiomoto._internals import moto as _moto
from aiomoto._lifecycle._state import state
from aiomoto.errors import RealHTTPRequestError

_Answer = tuple[int, Mapping[str, str], bytes]


def answer(
    method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes
) -> _Answer | None:
    """Moto's answer to a raw HTTP request, or None when Moto serves no such URL."""
    from moto.core.models import botocore_stubber

    if not botocore_stubber.enabled:
        return None
    request = _moto.raw_http_request(method.upper(), url, dict(headers), body)
    with state.dispatch_lock:
        result = botocore_stubber.process_request(request)
    if result is None:
        return None
    status, response_headers, response_body = result
    if isinstance(response_body, str):
        response_body = response_body.encode()
    return int(status), dict(response_headers or {}), bytes(response_body or b"")


# --- httpx ------------------------------------------------------------------


def httpx_sync(original: Callable[..., Any]) -> Callable[..., Any]:
    from aiomoto._internals import httpx as internals

    @functools.wraps(original)
    def handle_request(transport: Any, request: Any) -> Any:
        body = request.read()
        moto = answer(request.method, str(request.url), request.headers.items(), body)
        if moto is None:
            return original(transport, request)
        return internals.response(request, *moto)

    return handle_request


def httpx_async(original: Callable[..., Any]) -> Callable[..., Any]:
    from aiomoto._internals import httpx as internals

    @functools.wraps(original)
    async def handle_async_request(transport: Any, request: Any) -> Any:
        body = await request.aread()
        moto = answer(request.method, str(request.url), request.headers.items(), body)
        if moto is None:
            return await original(transport, request)
        return internals.response(request, *moto)

    return handle_async_request


# --- aiohttp ----------------------------------------------------------------


def aiohttp_request(original: Callable[..., Any]) -> Callable[..., Any]:
    from aiomoto._internals import aiohttp as internals

    @functools.wraps(original)
    async def _request(
        session: Any, method: str, str_or_url: Any, **kwargs: Any
    ) -> Any:
        url = internals.request_url(session, str_or_url, kwargs.get("params"))
        body, content_type = await internals.request_body(
            kwargs.get("data"), kwargs.get("json")
        )
        headers = dict(kwargs.get("headers") or {})
        if content_type is not None and not any(
            k.lower() == "content-type" for k in headers
        ):
            headers["Content-Type"] = content_type
        moto = answer(method, str(url), headers.items(), body)
        if moto is None:
            return await original(session, method, str_or_url, **kwargs)
        if internals.UNSUPPORTED is not None:
            raise RealHTTPRequestError(
                internals.unsupported_message(method, str(url)),
                method=method,
                url=str(url),
            )
        return internals.response(session, method, url, headers.items(), *moto)

    return _request


def aiohttp_session() -> type | None:
    """aiohttp's ``ClientSession``: aiohttp is one of aiomoto's dependencies."""
    from aiohttp import ClientSession

    return ClientSession


def httpx_sync_transport() -> type | None:
    """httpx's default sync transport, when httpx is installed."""
    try:
        from aiomoto._internals import httpx as internals
    except ImportError:  # httpx is not installed
        return None
    return internals.transports()[0]


def httpx_async_transport() -> type | None:
    """httpx's default async transport, when httpx is installed."""
    try:
        from aiomoto._internals import httpx as internals
    except ImportError:  # httpx is not installed
        return None
    return internals.transports()[1]
