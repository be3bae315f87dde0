"""The exceptions aiomoto raises, all importable from ``aiomoto``."""

from __future__ import annotations

from aiomoto._versions import AiomotoVersionWarning


class UnsupportedMockModeError(RuntimeError):
    """Moto is configured for a server or proxy, which aiomoto replaces."""


class MixedMocksError(RuntimeError):
    """Moto's own ``mock_aws`` and ``aiomoto.mock_aws`` were active together."""


class ContextEndedError(RuntimeError):
    """A client or response body was used after its aiomoto context ended."""


class NotImplementedByMotoError(NotImplementedError):
    """Moto has no implementation for a request's service or operation.

    ``service`` and ``operation`` name the call (``"s3"``, ``"GetObject"``)
    when known, else None.
    """

    def __init__(
        self, message: str, service: str | None = None, operation: str | None = None
    ) -> None:
        super().__init__(message)
        self.service = service
        self.operation = operation


class UnsupportedDependencyError(ImportError):
    """An installed library lacks something aiomoto needs to answer right.

    Raised at ``import aiomoto`` or at the first ``mock_aws()`` enter.
    ``library`` names the library, ``version`` its installed version and
    ``supported`` the range aiomoto supports (as in its requirements).
    """

    def __init__(
        self, message: str, *, library: str, version: str, supported: str
    ) -> None:
        super().__init__(message)
        self.library = library
        self.version = version
        self.supported = supported


class RealHTTPRequestError(Exception):
    """An async client's request would have left the process inside a mock.

    aiobotocore sends a request over HTTP only when no handler answered it:
    inside ``aiomoto.mock_aws`` that means Moto has no handler for its URL
    (often a custom ``endpoint_url``).  ``method`` and ``url`` name the
    request; both are None when the error was raised without one.
    """

    def __init__(
        self, message: str, method: str | None = None, url: str | None = None
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class RequestBodyTooLargeError(ValueError):
    """An async request body is larger than ``AIOMOTO_MAX_BODY_BYTES``.

    aiomoto holds a request body in memory to hand it to Moto; the limit
    stops a runaway body before it is read in full.  ``size`` is the body's
    size in bytes when known (else None: reading stopped past the limit) and
    ``limit`` the limit in force.
    """

    def __init__(self, message: str, size: int | None, limit: int) -> None:
        super().__init__(message)
        self.size = size
        self.limit = limit


__all__ = [
    "AiomotoVersionWarning",
    "ContextEndedError",
    "MixedMocksError",
    "NotImplementedByMotoError",
    "RealHTTPRequestError",
    "RequestBodyTooLargeError",
    "UnsupportedDependencyError",
    "UnsupportedMockModeError",
]
