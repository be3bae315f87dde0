"""aiomoto: Moto's in-memory AWS for aiobotocore, aioboto3 and boto3 together.

>>> import aiomoto
>>> async with aiomoto.mock_aws():
...     ...  # boto3 and aiobotocore clients share one Moto state here
"""

from aiomoto._compat import check_versions

check_versions()

from aiomoto import _patches  # noqa: E402
from aiomoto._diagnostics import Diagnostics, diagnostics  # noqa: E402
from aiomoto._fast_path import FastPathPiece  # noqa: E402
from aiomoto._reset import reset  # noqa: E402
from aiomoto.errors import (  # noqa: E402  (the version gate runs first)
    AiomotoVersionWarning,
    ContextEndedError,
    MixedMocksError,
    NotImplementedByMotoError,
    RealHTTPRequestError,
    RequestBodyTooLargeError,
    UnsupportedDependencyError,
    UnsupportedMockModeError,
)
from aiomoto.mock import MockAWS, mock_aws  # noqa: E402

# Internals correctness needs, checked before anything uses them.
_patches.check_required()

__version__ = "0.1.0"

__all__ = [
    "AiomotoVersionWarning",
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
    "reset",
]
