"""aiomoto: Moto's in-memory AWS for aiobotocore, aioboto3 and boto3 together.

>>> import aiomoto
>>> async with aiomoto.mock_aws():
...     ...  # boto3 and aiobotocore clients share one Moto state here

``import aiomoto`` loads nothing but this module: pytest imports the plugin
module ``aiomoto.pytest_plugin`` at every start in every environment where
aiomoto is installed, and a project that never uses aiomoto should not pay
for Moto, botocore and the C engine (nor see the version gate's warning).
The first use of a public name runs the version gate (``aiomoto._versions``),
loads the engine and checks the internals it needs
(``aiomoto._internals``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiomoto._diagnostics import Diagnostics, diagnostics
    from aiomoto._endpoint._auto_endpoint import AutoEndpointMode
    from aiomoto._fast_path._pieces import FastPathPiece
    from aiomoto._lifecycle._reset import reset
    from aiomoto._versions import AiomotoVersionWarning
    from aiomoto.errors import (
        ContextEndedError,
        MixedMocksError,
        NotImplementedByMotoError,
        RealHTTPRequestError,
        RequestBodyTooLargeError,
        UnsupportedDependencyError,
        UnsupportedMockModeError,
    )
    from aiomoto.mock import MockAWS, mock_aws, mock_aws_decorator

__version__ = "0.1.0"

__all__ = [
    "AiomotoVersionWarning",
    "AutoEndpointMode",
    "ContextEndedError",
    "Diagnostics",
    "FastPathPiece",
    "MixedMocksError",
    "MockAWS",
    "NotImplementedByMotoError",
    "RealHTTPRequestError",
    "RequestBodyTooLargeError",
    "UnsupportedDependencyError",
    "UnsupportedMockModeError",
    "__version__",
    "diagnostics",
    "mock_aws",
    "mock_aws_decorator",
    "reset",
]

# Each public name and the module that defines it.
_DEFINED_IN = {
    "AiomotoVersionWarning": "aiomoto._versions",
    "AutoEndpointMode": "aiomoto._endpoint._auto_endpoint",
    "ContextEndedError": "aiomoto.errors",
    "Diagnostics": "aiomoto._diagnostics",
    "FastPathPiece": "aiomoto._fast_path._pieces",
    "MixedMocksError": "aiomoto.errors",
    "MockAWS": "aiomoto.mock",
    "NotImplementedByMotoError": "aiomoto.errors",
    "RealHTTPRequestError": "aiomoto.errors",
    "RequestBodyTooLargeError": "aiomoto.errors",
    "UnsupportedDependencyError": "aiomoto.errors",
    "UnsupportedMockModeError": "aiomoto.errors",
    "diagnostics": "aiomoto._diagnostics",
    "mock_aws": "aiomoto.mock",
    "mock_aws_decorator": "aiomoto.mock",
    "reset": "aiomoto._lifecycle._reset",
}

_engine_loaded = False


def _load_engine() -> None:
    global _engine_loaded
    if _engine_loaded:
        return
    from aiomoto._versions import check_versions

    check_versions()
    from aiomoto._patches import check_required

    check_required()
    _engine_loaded = True


def __getattr__(name: str) -> Any:
    module_name = _DEFINED_IN.get(name)
    if module_name is None:
        raise AttributeError(f"module 'aiomoto' has no attribute {name!r}")
    _load_engine()
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
