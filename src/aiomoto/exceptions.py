"""The exception names of the other ``aiomoto`` package (0.5.x), for its users.

Code written for it catches these; aiomoto raises them where that package
did.  Where one of aiomoto's own errors means the same, the class here is a
subclass of it (or the very class), so ``except`` clauses written against
either package keep working.
"""

from __future__ import annotations

from aiomoto.errors import RealHTTPRequestError, UnsupportedMockModeError

# The same refusal under its other name: a request that would leave the
# process.
RealHTTPRequestBlockedError = RealHTTPRequestError


class ProxyModeError(UnsupportedMockModeError):
    """``TEST_PROXY_MODE`` is on: aiomoto runs Moto in this process instead."""


class ServerModeRequiredError(UnsupportedMockModeError):
    """``TEST_SERVER_MODE`` is on but the context was not asked for server mode."""


class ModeConflictError(RuntimeError):
    """A context attached to another process's server was mixed with an
    in-process context, whose state that server does not see."""


class InProcessModeError(RuntimeError):
    """The in-process mock is in a state it cannot be used in."""


class AutoEndpointError(ValueError):
    """``auto_endpoint`` is invalid, or differs from the active server's."""


class ServerModeConfigurationError(TypeError):
    """Server-mode arguments that do not go together."""


class ServerModeDependencyError(ImportError):
    """Server mode needs ``moto[server]`` (Flask and flask-cors)."""


class ServerModeEndpointError(RuntimeError):
    """The endpoint's address could not be determined."""


class ServerModeHealthcheckError(RuntimeError):
    """The server at ``server_port`` did not answer Moto's health check."""


class ServerModePortError(ValueError):
    """``server_port`` is out of range, or differs from the active server's."""


__all__ = [
    "AutoEndpointError",
    "InProcessModeError",
    "ModeConflictError",
    "ProxyModeError",
    "RealHTTPRequestBlockedError",
    "ServerModeConfigurationError",
    "ServerModeDependencyError",
    "ServerModeEndpointError",
    "ServerModeHealthcheckError",
    "ServerModePortError",
    "ServerModeRequiredError",
]
