"""httpx's patch points for requests aiomoto answers itself.

As respx does, aiomoto replaces the default transports' request methods,
``HTTPTransport.handle_request`` and ``AsyncHTTPTransport.handle_async_request``:
every ``httpx.Client``/``httpx.AsyncClient`` (and the top-level
``httpx.get``...) without a transport of its own sends through them, with a
complete ``httpx.Request``.  Both are public methods of public classes; the
check here is only that they exist in this httpx.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx


def transports() -> tuple[type[httpx.HTTPTransport], type[httpx.AsyncHTTPTransport]]:
    """The default sync and async transports."""
    for cls, name in (
        (httpx.HTTPTransport, "handle_request"),
        (httpx.AsyncHTTPTransport, "handle_async_request"),
    ):
        if not callable(getattr(cls, name, None)):
            raise RuntimeError(
                f"httpx {httpx.__version__} has no {cls.__name__}.{name}: aiomoto "
                "cannot keep httpx requests to AWS inside the process. Use a "
                "supported httpx (see aiomoto's README)."
            )
    return httpx.HTTPTransport, httpx.AsyncHTTPTransport


def response(
    request: httpx.Request, status: int, headers: Mapping[str, str], body: bytes
) -> httpx.Response:
    """A complete response to ``request``."""
    return httpx.Response(
        status,
        headers=[(str(k), str(v)) for k, v in headers.items()],
        content=body,
        request=request,
    )
