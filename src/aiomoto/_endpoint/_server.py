"""aiomoto's endpoint: Moto's own ``ThreadedMotoServer``, in this process.

Native code (pyarrow's and polars' S3 clients) and other processes (a boto3
script, the AWS CLI) cannot be answered inside Python: they need a socket.
A server-mode context starts Moto's ``ThreadedMotoServer`` on 127.0.0.1,
on a port the OS picks.  It runs in this process, so it serves the very
backends in-process clients use, and each request it handles runs under the
Moto lock the dispatcher holds: its threads and in-process clients never run
inside Moto at the same time.

One endpoint for the process: the first server-mode enter starts it, the
last exit stops it and closes its socket.  While it runs, the environment
carries what native code and other processes read (``AWS_ENDPOINT_URL``
unless ``auto_endpoint`` is ``disabled``; ``AWS_ALLOW_HTTP`` for polars'
object store; a default region) and ``AIOMOTO_SERVER_PORT`` and
``AIOMOTO_SERVER_REGISTRY_DIR``, whose directory holds a JSON file naming the
endpoint; all come back to their values before at the last exit.

``server_port=`` attaches to a server already running on 127.0.0.1: this
process's own endpoint, or a Moto server of another process, which keeps its
own state and so cannot be mixed with in-process contexts.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib import error, request

from aiomoto._endpoint import _addressing, _auto_endpoint
from aiomoto._endpoint._auto_endpoint import AutoEndpointMode
from aiomoto._lifecycle._state import state as process_state
from aiomoto.exceptions import (
    AutoEndpointError,
    ServerModeDependencyError,
    ServerModeHealthcheckError,
    ServerModePortError,
)

HOST = "127.0.0.1"
PORT_VARIABLE = "AIOMOTO_SERVER_PORT"
REGISTRY_VARIABLE = "AIOMOTO_SERVER_REGISTRY_DIR"
REGION_VARIABLES = ("AWS_DEFAULT_REGION", "AWS_REGION")
DEFAULT_REGION = "us-east-1"
STALE_AFTER_SECONDS = 24 * 60 * 60
# What AWS clients outside Python read to find the endpoint.  botocore
# ignores AWS_ENDPOINT_URL while AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true,
# which an in-process context sets: server mode takes it out again.
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"
ALLOW_HTTP_VARIABLE = "AWS_ALLOW_HTTP"
IGNORE_CONFIGURED_VARIABLE = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
_VARIABLES = (
    PORT_VARIABLE,
    REGISTRY_VARIABLE,
    *REGION_VARIABLES,
    ENDPOINT_VARIABLE,
    ALLOW_HTTP_VARIABLE,
    IGNORE_CONFIGURED_VARIABLE,
)


@dataclass(frozen=True)
class Endpoint:
    """A running Moto server that contexts send clients to."""

    host: str
    port: int
    # Whether this process runs it (else another process does, with its own
    # Moto state).
    own: bool
    registry_path: str | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url_prefixes(self) -> tuple[str, ...]:
        """How a client's request URL starts when it is addressed here."""
        return tuple(
            f"{scheme}://{host}:{self.port}/"
            for scheme in ("http", "https")
            for host in (self.host, "localhost")
        )


class _Serialized:
    """A WSGI application run under a lock, its response read whole inside it.

    Moto's responses are built in memory; reading the iterable under the
    lock keeps Moto's own code (Flask's lazy responses included) from
    running outside it.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], lock: Any) -> None:
        self.app = app
        self._lock = lock

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> list[bytes]:
        with self._lock:
            response = self.app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                close = getattr(response, "close", None)
                if close is not None:
                    close()


def _require_server_dependencies() -> None:
    missing = [
        n for n in ("flask", "flask_cors") if importlib.util.find_spec(n) is None
    ]
    if missing:
        raise ServerModeDependencyError(
            "aiomoto server_mode requires moto[server] dependencies: it runs "
            f"Moto's server, which needs {' and '.join(missing)}. "
            "pip install 'moto[server]'"
        )


def _check_loopback_bind() -> None:
    """Fail plainly if no loopback port can be bound.

    ``ThreadedMotoServer.start`` waits, without a timeout, for its thread to
    bind: if binding fails in that thread, it never returns.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, 0))
        except OSError as exc:
            raise ServerModePortError(
                f"aiomoto's server mode could not bind a port on {HOST}: {exc}"
            ) from exc


def _healthcheck(url: str) -> None:
    try:
        with request.urlopen(f"{url}/moto-api/", timeout=2) as response:
            status = response.status
    except (error.URLError, OSError) as exc:
        raise ServerModeHealthcheckError(
            "aiomoto server-mode healthcheck failed: "
            f"no Moto server answered at {url}: {exc}. Start one there "
            "(moto_server -p PORT) or leave server_port out to have aiomoto "
            "start its own."
        ) from exc
    if status != 200:
        raise ServerModeHealthcheckError(
            f"aiomoto server-mode healthcheck failed: the server at {url} "
            f"answered Moto's health check with {status}, not 200. Give "
            "server_port the port of a Moto server (moto_server -p PORT), or "
            "leave server_port out to have aiomoto start its own."
        )


def registry_directory() -> Path:
    """Where endpoint files are written: ``AIOMOTO_SERVER_REGISTRY_DIR`` when
    set, else aiomoto's folder in the user's cache (as platformdirs says)."""
    chosen = os.environ.get(REGISTRY_VARIABLE)
    if chosen:
        return Path(chosen)
    try:
        from platformdirs import user_cache_dir
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
            os.path.expanduser("~"), ".cache"
        )
        return Path(base) / "aiomoto"
    return Path(user_cache_dir("aiomoto"))


class EndpointState:
    """The process's endpoint and how many server-mode contexts use it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._server: Any = None
        self._mode: AutoEndpointMode | None = None
        self._saved: dict[str, str | None] | None = None
        self._originals: list[tuple[object, str, Any]] = []
        self._close_connections: Callable[[], None] | None = None
        self.endpoint: Endpoint | None = None
        # The server's application, under the Moto lock; None unless this
        # process runs the endpoint.
        self.wsgi_app: _Serialized | None = None

    @property
    def attached_elsewhere(self) -> bool:
        """Whether contexts are attached to another process's server."""
        endpoint = self.endpoint
        return endpoint is not None and not endpoint.own

    def start(self, port: int | None, mode: AutoEndpointMode) -> Endpoint:
        """Use the endpoint: start (or attach) it at the first use."""
        if port is not None and not 0 < port < 65536:
            raise ServerModePortError(
                f"aiomoto server_port must be in 1..65535, not {port}: give the "
                "TCP port of a Moto server on 127.0.0.1, or leave server_port "
                "out to have aiomoto start its own"
            )
        with self._lock:
            endpoint = self.endpoint
            if endpoint is None:
                endpoint = self._begin(port, mode)
            else:
                self._check_same(endpoint, port, mode)
            self._count += 1
            return endpoint

    def stop(self) -> None:
        """Stop using the endpoint; the last use stops it and frees its port."""
        with self._lock:
            if self._count == 0:
                raise RuntimeError("aiomoto's endpoint was stopped more than started")
            self._count -= 1
            if self._count == 0:
                self._end()

    def will_attach_elsewhere(self, port: int | None) -> bool:
        """Whether ``server_port=port`` means another process's server."""
        if port is None:
            return False
        endpoint = self.endpoint
        if endpoint is None:
            return True
        self._check_same_port(endpoint, port)
        return not endpoint.own

    @staticmethod
    def _check_same_port(endpoint: Endpoint, port: int) -> None:
        if port != endpoint.port:
            raise ServerModePortError(
                "aiomoto server_mode server_port changed while active: "
                f"server_port={port} differs from the endpoint already in use "
                f"({endpoint.url}), and contexts active together share one "
                f"server. Give server_port={endpoint.port} or leave it out, or "
                "leave the active context first"
            )

    def _check_same(
        self, endpoint: Endpoint, port: int | None, mode: AutoEndpointMode
    ) -> None:
        if port is not None:
            self._check_same_port(endpoint, port)
        if mode is not self._mode:
            raise AutoEndpointError(
                "aiomoto server_mode auto-endpoint settings changed while active: "
                f"auto_endpoint={mode.value!r} differs from the "
                f"{self._mode.value if self._mode else None!r} of the server-mode "
                "context already active: contexts active together share one "
                "endpoint and one environment, so give the same auto_endpoint "
                "or leave the active context first"
            )

    def _begin(self, port: int | None, mode: AutoEndpointMode) -> Endpoint:
        self._saved = {name: os.environ.get(name) for name in _VARIABLES}
        try:
            endpoint = self._attach(port) if port is not None else self._launch()
            self._point_environment(endpoint, mode)
        except BaseException:
            self._stop_server()
            self._restore_environment()
            raise
        self.endpoint = endpoint
        self._mode = mode
        _auto_endpoint.set_endpoint(endpoint.url, mode)
        _auto_endpoint.forget_s3fs_instances()
        if endpoint.own:
            _addressing.serve(endpoint.url, endpoint.url_prefixes, self.wsgi_app)
        try:
            self._patch()
        except BaseException:
            self._end()
            raise
        return endpoint

    def _end(self) -> None:
        endpoint, self.endpoint, self._mode = self.endpoint, None, None
        _auto_endpoint.set_endpoint(None, None)
        _addressing.serve(None, (), None)
        try:
            self._unpatch()
            self._stop_server()
        finally:
            try:
                if endpoint is not None and endpoint.registry_path is not None:
                    Path(endpoint.registry_path).unlink(missing_ok=True)
            finally:
                self._restore_environment()
                _auto_endpoint.forget_s3fs_instances()

    def _patch(self) -> None:
        for owner_of, attribute, replacement in _endpoint_patches():
            owner = owner_of()
            if owner is None:
                continue
            original = vars(owner)[attribute]
            self._originals.append((owner, attribute, original))
            setattr(owner, attribute, replacement(original))

    def _unpatch(self) -> None:
        while self._originals:
            owner, attribute, original = self._originals[-1]
            setattr(owner, attribute, original)
            self._originals.pop()

    def _attach(self, port: int) -> Endpoint:
        endpoint = Endpoint(HOST, port, own=False)
        _healthcheck(endpoint.url)
        return endpoint

    def _launch(self) -> Endpoint:
        _require_server_dependencies()
        _check_loopback_bind()
        from aiomoto._internals import moto_server

        server = moto_server.ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
        server.start()
        self._server = server
        wsgi = moto_server.wsgi_server(server)
        # No request can have come yet: the port was unknown until now.
        wsgi.app = self.wsgi_app = _Serialized(wsgi.app, process_state.dispatch_lock)
        self._close_connections = moto_server.track_connections(wsgi)
        host, port = server.get_host_and_port()
        registry_path = _write_registry_file(host, port)
        return Endpoint(host, port, own=True, registry_path=str(registry_path))

    def _stop_server(self) -> None:
        server, self._server = self._server, None
        close_connections, self._close_connections = self._close_connections, None
        self.wsgi_app = None
        if server is not None:
            server.stop()
        if close_connections is not None:
            close_connections()

    def _point_environment(self, endpoint: Endpoint, mode: AutoEndpointMode) -> None:
        environ = os.environ
        for name in REGION_VARIABLES:
            if not environ.get(name):
                environ[name] = DEFAULT_REGION
        if endpoint.own and endpoint.registry_path is not None:
            environ[PORT_VARIABLE] = str(endpoint.port)
            environ[REGISTRY_VARIABLE] = str(Path(endpoint.registry_path).parent)
        if mode is not AutoEndpointMode.DISABLED:
            environ[ENDPOINT_VARIABLE] = endpoint.url
            environ[ALLOW_HTTP_VARIABLE] = "true"
            environ.pop(IGNORE_CONFIGURED_VARIABLE, None)

    def _restore_environment(self) -> None:
        saved, self._saved = self._saved, None
        for name, value in (saved or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _endpoint_patches() -> list[
    tuple[Callable[[], object | None], str, Callable[[Any], object]]
]:
    """What changes while the endpoint runs, on top of the context's patches:
    (the owner, or a function finding it, None when not installed; the
    attribute; a factory making the replacement from the original)."""
    from aiomoto._internals import aiobotocore, botocore, moto

    return [
        # Python clients sent to the endpoint are answered in-process.
        (lambda: moto.BotocoreStubber, "process_request", _addressing.process_request),
        # auto_endpoint="force" gives new clients the endpoint.
        (
            lambda: botocore.ClientCreator,
            "create_client",
            _auto_endpoint.sync_create_client,
        ),
        (
            lambda: aiobotocore.AioClientCreator,
            "create_client",
            _auto_endpoint.async_create_client,
        ),
        (_auto_endpoint.s3fs_filesystem, "__init__", _auto_endpoint.s3fs_init),
    ]


def _forget_stale_files(directory: Path) -> None:
    """Remove endpoint files a day old: their process ended without its exit."""
    cutoff = time.time() - STALE_AFTER_SECONDS
    for path in directory.glob("aiomoto-server-*.json"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def _write_registry_file(host: str, port: int) -> Path:
    directory = registry_directory()
    directory.mkdir(parents=True, exist_ok=True)
    _forget_stale_files(directory)
    path = directory / f"aiomoto-server-{uuid.uuid4().hex}.json"
    payload = {"endpoint": f"http://{host}:{port}", "host": host, "port": port}
    payload["pid"] = os.getpid()
    path.write_text(json.dumps(payload, sort_keys=True), encoding="utf-8")
    return path


state = EndpointState()
