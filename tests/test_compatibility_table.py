"""The README's compatibility table says what CI really runs and installs.

Each row of the table is a row of ``.ci/matrix`` (the one place the CI
combinations are written): the same make target, Python, dependency set,
core and fast path, and the versions its ``constraints/<set>.txt`` pins.
Every set must be run by some row, and the floor set must pin exactly the
minimums pyproject.toml declares, for the Pythons its classifiers claim.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints"
ABSENT = "—"
MATRIX_COLUMNS = ["target", "python", "set", "core", "fast_path", "workers"]


def pins(dependency_set: str) -> dict[str, str]:
    """The ``name==version`` lines of ``constraints/<dependency_set>.txt``."""
    pinned: dict[str, str] = {}
    for line in (CONSTRAINTS / f"{dependency_set}.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pinned[name.strip().lower()] = version.strip()
    return pinned


def matrix() -> list[dict[str, str]]:
    """The rows of ``.ci/matrix``."""
    rows = []
    for line in (ROOT / ".ci" / "matrix").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(dict(zip(MATRIX_COLUMNS, line.split(), strict=True)))
    return rows


def table() -> dict[str, dict[str, str]]:
    """The README's compatibility table: make target -> column -> cell."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("\n## Compatibility\n") :]
    start = section.index("\n| make target ")
    end = section.index("\n\n", start)
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section[start:end].strip().splitlines()
        if not re.match(r"\|[-| ]+\|$", line.strip())
    ]
    header, *body = rows
    return {
        row[0].strip("`").removeprefix("make "): dict(zip(header, row, strict=True))
        for row in body
    }


def shown_python(python: str) -> str:
    """How the README names a matrix row's interpreter."""
    if python == "pypy3":
        return "PyPy 3.11 (7.3.19)"
    return python.removeprefix("python")


def sets() -> list[str]:
    return sorted(path.stem for path in CONSTRAINTS.glob("*.txt"))


def row_ids() -> list[str]:
    return [row["target"] for row in matrix()]


def test_every_matrix_row_has_a_table_row_and_every_set_runs() -> None:
    assert sorted(table()) == sorted(row_ids())
    assert sorted({row["set"] for row in matrix()}) == sets()
    assert {"default", "newest", "floor"} <= set(sets())


@pytest.mark.parametrize("target", row_ids())
def test_a_row_shows_its_python_core_and_fast_path(target: str) -> None:
    (row,) = [row for row in matrix() if row["target"] == target]
    shown = table()[target]
    assert shown["Python"] == shown_python(row["python"])
    assert shown["set"] == row["set"]
    assert shown["core"] == {"c": "C", "python": "Python"}[row["core"]]
    assert shown["fast path"] == row["fast_path"]


@pytest.mark.parametrize("target", row_ids())
@pytest.mark.parametrize(
    "package", ["moto", "aiobotocore", "botocore", "boto3", "aioboto3", "s3fs"]
)
def test_a_row_shows_the_versions_its_set_pins(target: str, package: str) -> None:
    (row,) = [row for row in matrix() if row["target"] == target]
    assert table()[target][package] == pins(row["set"]).get(package, ABSENT)


@pytest.mark.parametrize("target", row_ids())
def test_a_row_names_the_httpx_backend_its_set_installs(target: str) -> None:
    (row,) = [row for row in matrix() if row["target"] == target]
    pinned = pins(row["set"])
    # aiobotocore 3.9+ sends with httpx2 whenever it is installed.
    backend = "httpx2" if "httpx2" in pinned else "httpx"
    assert table()[target]["httpx backend"] == f"{backend} {pinned[backend]}"


@pytest.mark.parametrize("target", row_ids())
def test_a_row_is_a_make_target_that_runs_it(target: str) -> None:
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert dry_run.stdout.splitlines()[-1] == f".ci/suite.sh {target}"


def project() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]  # type: ignore[no-any-return]


def declared_minimums() -> dict[str, str]:
    """pyproject.toml's dependencies: name -> the version after ``>=``."""
    minimums: dict[str, str] = {}
    for line in project()["dependencies"]:  # type: ignore[attr-defined]
        requirement = Requirement(line)
        (floor,) = [s.version for s in requirement.specifier if s.operator == ">="]
        minimums[requirement.name.lower()] = floor
    return minimums


def test_the_floor_set_pins_the_declared_minimums() -> None:
    minimums = declared_minimums()
    assert set(minimums) == {"moto", "boto3", "botocore", "aiobotocore"}
    floor = pins("floor")
    assert {name: floor[name] for name in minimums} == minimums


def test_every_cpython_the_matrix_runs_is_declared_and_classified() -> None:
    tested = {
        row["python"].removeprefix("python")
        for row in matrix()
        if row["python"].startswith("python")
    }
    classified = {
        classifier.rsplit(" :: ", 1)[1]
        for classifier in project()["classifiers"]  # type: ignore[attr-defined]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", classifier)
    }
    # 3.12 is built from the same sources but no CPython 3.12 can be had on
    # the machines CI runs on, so it has no classifier; the README says so.
    assert classified == tested
    requires = SpecifierSet(str(project()["requires-python"]))
    assert all(version in requires for version in classified)
    assert f"3.{min(int(v.split('.')[1]) for v in classified) - 1}" not in requires
