"""The version gate: which moto, botocore and aiobotocore aiomoto works with.

aiomoto reaches into a few internals of Moto and aiobotocore, so it checks the
installed versions once, at import.  Below the minimum it refuses to load;
above the newest release we test it only warns, so that users on a newer
aiobotocore can still install aiomoto and try it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import NamedTuple


class SupportedRange(NamedTuple):
    minimum: str
    newest_tested: str


# Keep in step with the compatibility table in README.md.
SUPPORTED: Mapping[str, SupportedRange] = {
    "moto": SupportedRange("5.0.0", "5.2.5"),
    "botocore": SupportedRange("1.36.0", "1.40.61"),
    "aiobotocore": SupportedRange("2.19.0", "2.25.1"),
}


class AiomotoVersionWarning(UserWarning):
    """An installed dependency is newer than any aiomoto was tested with."""


def _release(version: str) -> tuple[int, ...]:
    """The numeric release part of a version: ``"2.25.1rc1"`` -> ``(2, 25, 1)``."""
    match = re.match(r"\d+(?:\.\d+)*", version)
    if match is None:
        raise ValueError(f"cannot read the version number {version!r}")
    return tuple(int(part) for part in match.group().split("."))


def check_versions(
    installed: Mapping[str, str] | None = None,
    version_of: Callable[[str], str] = metadata.version,
) -> None:
    """Raise ImportError or warn when an installed version is out of range.

    ``installed`` maps a distribution name to its version; names it does not
    mention are looked up with ``version_of``.
    """
    installed = installed or {}
    for name, supported in SUPPORTED.items():
        version = installed[name] if name in installed else version_of(name)
        if _release(version) < _release(supported.minimum):
            raise ImportError(
                f"aiomoto needs {name}>={supported.minimum}, but {name} {version} "
                f"is installed. Upgrade it: pip install '{name}>={supported.minimum}'"
            )
        if _release(version) > _release(supported.newest_tested):
            warnings.warn(
                f"aiomoto was tested with {name} up to {supported.newest_tested}, "
                f"and {name} {version} is installed. It will probably work; if it "
                f"does not, pin '{name}<={supported.newest_tested}' and report the "
                "problem to aiomoto.",
                AiomotoVersionWarning,
                stacklevel=3,
            )
