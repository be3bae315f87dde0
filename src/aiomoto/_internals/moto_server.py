"""Moto's ``ThreadedMotoServer``: the one part of it that is not public API.

``ThreadedMotoServer`` builds its WSGI application inside its own thread and
takes none from the caller.  aiomoto must run every request the server
handles under its Moto lock, so after ``start()`` it wraps the application
held by the werkzeug server the thread made (``ThreadedMotoServer._server``,
whose ``app`` attribute werkzeug documents).  Without that attribute the
server's threads would race aiomoto's in-process clients inside Moto, so
server mode refuses to start rather than run unsafely.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from typing import Any, Protocol

from moto.moto_server.threaded_moto_server import ThreadedMotoServer


class WSGIServer(Protocol):
    """What aiomoto uses of werkzeug's ``BaseWSGIServer``."""

    app: Any
    process_request_thread: Callable[[Any, Any], None]


def wsgi_server(server: ThreadedMotoServer) -> WSGIServer:
    """The werkzeug server a started ``ThreadedMotoServer`` runs."""
    inner = getattr(server, "_server", None)
    if inner is None or not hasattr(inner, "app"):
        from aiomoto._internals import unsupported

        # Without it the server's threads would run Moto outside the lock.
        raise unsupported("moto", "ThreadedMotoServer._server.app (server mode)")
    return inner  # type: ignore[no-any-return]


def track_connections(server: WSGIServer) -> Callable[[], None]:
    """Record the server's open connections; the function returned closes
    them and waits for their threads.

    werkzeug's threaded server (the standard library's ``ThreadingMixIn``)
    gives each connection a daemon thread that serves it until the client
    hangs up, and stopping the server only stops it accepting.  A native
    client's pool (pyarrow's, polars') keeps its connections open, so at the
    last exit aiomoto closes them itself: no thread or socket of the endpoint
    outlives it.
    """
    live: dict[Any, threading.Thread] = {}
    lock = threading.Lock()
    serve = server.process_request_thread

    def process_request_thread(request: Any, client_address: Any) -> None:
        with lock:
            live[request] = threading.current_thread()
        try:
            serve(request, client_address)
        finally:
            with lock:
                live.pop(request, None)

    server.process_request_thread = process_request_thread

    def close_all(timeout: float = 5.0) -> None:
        with lock:
            connections = list(live.items())
        for connection, _ in connections:
            # OSError: the client closed it already.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for _, thread in connections:
            thread.join(timeout)

    return close_all


__all__ = ["ThreadedMotoServer", "track_connections", "wsgi_server"]
