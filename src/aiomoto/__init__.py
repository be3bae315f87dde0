"""aiomoto: Moto's in-memory AWS for aiobotocore, aioboto3 and boto3 together.

>>> import aiomoto
>>> async with aiomoto.mock_aws():
...     ...  # boto3 and aiobotocore clients share one Moto state here
"""

from aiomoto._compat import check_versions

check_versions()

from aiomoto.errors import (  # noqa: E402  (the version gate runs first)
    AiomotoVersionWarning,
    RealHTTPRequestError,
    UnsupportedMockModeError,
)
from aiomoto.mock import MockAWS, mock_aws  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "AiomotoVersionWarning",
    "MockAWS",
    "RealHTTPRequestError",
    "UnsupportedMockModeError",
    "__version__",
    "mock_aws",
]
