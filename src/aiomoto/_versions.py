"""The version gate: which moto and aiobotocore aiomoto works with.

The supported minimums are written once, in pyproject's
``[project] dependencies``; the gate reads them from the installed aiomoto's
metadata (or, run from a source tree without metadata, from its
``pyproject.toml``).  Below a minimum, the first use of aiomoto (such as
``aiomoto.mock_aws``) raises ImportError.

Above the newest minor line CI tests (:data:`NEWEST_TESTED`), aiobotocore
and moto only warn, once, with :class:`AiomotoVersionWarning`.  botocore
never warns: aiobotocore pins it, and a new botocore comes out every weekday.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path

# The newest minor line of each library the CI matrix tests (its "newest"
# set); a test checks this against that set's constraints file.
NEWEST_TESTED: Mapping[str, tuple[int, int]] = {
    "aiobotocore": (3, 10),
    "moto": (5, 2),
}


class AiomotoVersionWarning(UserWarning):
    """An installed dependency is newer than any aiomoto was tested with."""


_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<specs>[^;]*)"
)


def _normal_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def minimums_from(requirements: list[str]) -> dict[str, str]:
    """``{name: version}`` for each unconditional ``name>=version``."""
    found = {}
    for requirement in requirements:
        if ";" in requirement:  # an extra's or a platform's requirement
            continue
        match = _REQUIREMENT.match(requirement)
        if match is None:
            continue
        for spec in match.group("specs").split(","):
            spec = spec.strip()
            if spec.startswith(">="):
                found[_normal_name(match.group("name"))] = spec[2:].strip()
    return found


def _source_tree_requirements() -> list[str]:
    """The dependencies of the pyproject.toml this source tree sits in."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: no minimums to check against
        return []
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        with pyproject.open("rb") as file:
            project = tomllib.load(file).get("project", {})
    except (OSError, ValueError):
        return []
    dependencies = project.get("dependencies", [])
    return [d for d in dependencies if isinstance(d, str)]


def declared_minimums() -> dict[str, str]:
    """The minimum versions aiomoto's requirements declare."""
    try:
        requirements = metadata.requires("aiomoto")
    except metadata.PackageNotFoundError:
        requirements = None
    return minimums_from(
        requirements if requirements is not None else _source_tree_requirements()
    )


def supported_range(library: str) -> str:
    """The range of ``library`` aiomoto supports, as a pip specifier."""
    minimum = declared_minimums().get(_normal_name(library))
    newest = NEWEST_TESTED.get(library)
    parts = []
    if minimum is not None:
        parts.append(f">={minimum}")
    if newest is not None:
        parts.append(f"<{newest[0]}.{newest[1] + 1}")
    return ",".join(parts) or " (any version)"


def release(version: str) -> tuple[int, ...]:
    """The numeric release part of a version: ``"2.25.1rc1"`` -> ``(2, 25, 1)``."""
    match = re.match(r"\d+(?:\.\d+)*", version)
    if match is None:
        raise ValueError(f"cannot read the version number {version!r}")
    return tuple(int(part) for part in match.group().split("."))


def _installed(name: str, version_of: Callable[[str], str]) -> str | None:
    try:
        return version_of(name)
    except metadata.PackageNotFoundError:
        return None


def check_versions(
    installed: Mapping[str, str] | None = None,
    version_of: Callable[[str], str] = metadata.version,
    minimums: Mapping[str, str] | None = None,
) -> None:
    """Raise ImportError below a minimum; warn above the newest tested line.

    ``installed`` maps a distribution name to its version; names it does not
    mention are looked up with ``version_of``.  ``minimums`` defaults to
    what aiomoto's requirements declare.
    """
    installed = installed or {}
    if minimums is None:
        minimums = declared_minimums()
    for name, minimum in minimums.items():
        version = installed.get(name) or _installed(name, version_of)
        if version is not None and release(version) < release(minimum):
            raise ImportError(
                f"aiomoto needs {name}>={minimum}, but {name} {version} is "
                f"installed. Upgrade it: pip install '{name}>={minimum}'"
            )
    for name, newest in NEWEST_TESTED.items():
        version = installed.get(name) or _installed(name, version_of)
        if version is not None and release(version)[:2] > newest:
            line = f"{newest[0]}.{newest[1]}"
            warnings.warn(
                f"aiomoto was tested with {name} up to the {line}.x line, and "
                f"{name} {version} is installed. It will probably work; if it "
                f"does not, pin '{name}<{newest[0]}.{newest[1] + 1}' and report "
                "the problem to aiomoto.",
                AiomotoVersionWarning,
                stacklevel=3,
            )
