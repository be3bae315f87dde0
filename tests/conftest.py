"""Test-wide guards (no test reaches the network, Moto's creds stay fake) and
the fixtures that give each core."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from tests.cores import CORES, load_core

# pytester runs inner test sessions for the pytest plugin's tests.
pytest_plugins = ["pytester"]

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # a Unix socket path
        return True
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded(real: Any) -> Any:
    def connect(self: socket.socket, address: Any) -> Any:
        if not _is_local(address):
            raise RuntimeError(f"a test tried to reach the network: {address!r}")
        return real(self, address)

    return connect


@pytest.fixture(autouse=True, scope="session")
def no_network() -> Iterator[None]:
    """Fail any connection that would leave this machine."""
    socket.socket.connect = _guarded(_real_connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded(_real_connect_ex)  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def fake_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region, whatever the machine's environment holds."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture(scope="session", params=CORES)
def core(request: pytest.FixtureRequest) -> ModuleType:
    """Each core in turn: the C extension, then its pure-Python twin."""
    return load_core(request.param)


@pytest.fixture(scope="session")
def c_core() -> ModuleType:
    """The C extension, for what only it has."""
    return load_core("c")
