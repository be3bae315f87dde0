"""The README's compatibility table says what CI really installs.

Each row names a dependency set of ``constraints/``; its versions must be the
ones that file pins, every set must have a row, and the floor set must pin
exactly the minimums pyproject.toml declares.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints"
ABSENT = "—"


def pins(dependency_set: str) -> dict[str, str]:
    """The ``name==version`` lines of ``constraints/<dependency_set>.txt``."""
    pinned: dict[str, str] = {}
    for line in (CONSTRAINTS / f"{dependency_set}.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pinned[name.strip().lower()] = version.strip()
    return pinned


def table() -> dict[str, dict[str, str]]:
    """The README's compatibility table: set name -> column -> cell."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("\n## Compatibility\n") :]
    start = section.index("\n| set ")
    end = section.index("\n\n", start)
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section[start:end].strip().splitlines()
        if not re.match(r"\|[-| ]+\|$", line.strip())
    ]
    header, *body = rows
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


def sets() -> list[str]:
    return sorted(path.stem for path in CONSTRAINTS.glob("*.txt"))


def test_every_constraints_file_has_a_row_and_every_row_a_file() -> None:
    assert sorted(table()) == sets()
    assert {"default", "newest", "floor"} <= set(sets())


@pytest.mark.parametrize("dependency_set", sets())
@pytest.mark.parametrize(
    "package", ["moto", "aiobotocore", "botocore", "boto3", "aioboto3", "s3fs"]
)
def test_a_row_shows_the_versions_its_set_pins(
    dependency_set: str, package: str
) -> None:
    shown = table()[dependency_set][package]
    assert shown == pins(dependency_set).get(package, ABSENT)


@pytest.mark.parametrize("dependency_set", sets())
def test_a_row_names_the_httpx_backend_its_set_installs(dependency_set: str) -> None:
    pinned = pins(dependency_set)
    # aiobotocore 3.9+ sends with httpx2 whenever it is installed.
    backend = "httpx2" if "httpx2" in pinned else "httpx"
    expected = f"{backend} {pinned[backend]}"
    assert table()[dependency_set]["httpx backend"] == expected


@pytest.mark.parametrize("dependency_set", sets())
def test_a_row_names_its_make_target(dependency_set: str) -> None:
    target = "test" if dependency_set == "default" else f"test-{dependency_set}"
    assert table()[dependency_set]["make target"] == f"`make {target}`"
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(rf"^{re.escape(target)}:", makefile, flags=re.MULTILINE)
    assert f"constraints/{dependency_set}.txt" in makefile


def declared_minimums() -> dict[str, str]:
    """pyproject.toml's dependencies: name -> the version after ``>=``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    minimums: dict[str, str] = {}
    for line in project["dependencies"]:
        requirement = Requirement(line)
        (floor,) = [s.version for s in requirement.specifier if s.operator == ">="]
        minimums[requirement.name.lower()] = floor
    return minimums


def test_the_floor_set_pins_the_declared_minimums() -> None:
    minimums = declared_minimums()
    assert set(minimums) == {"moto", "boto3", "botocore", "aiobotocore"}
    floor = pins("floor")
    assert {name: floor[name] for name in minimums} == minimums
