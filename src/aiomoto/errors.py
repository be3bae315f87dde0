"""The exceptions aiomoto raises, all importable from ``aiomoto``."""

from __future__ import annotations

from aiomoto._compat import AiomotoVersionWarning
from aiomoto._core import RealHTTPRequestError


class UnsupportedMockModeError(RuntimeError):
    """Moto is configured for a server or proxy, which aiomoto replaces."""


__all__ = ["AiomotoVersionWarning", "RealHTTPRequestError", "UnsupportedMockModeError"]
