"""The version gate: refuse too-old dependencies, warn about untested new lines."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import pytest

import aiomoto
from aiomoto._versions import (
    NEWEST_TESTED,
    AiomotoVersionWarning,
    check_versions,
    declared_minimums,
    minimums_from,
    supported_range,
)

ROOT = Path(__file__).resolve().parents[1]
MINIMUMS = {"moto": "5.1.5", "aiobotocore": "2.24.1", "botocore": "1.39.9"}
NEWEST = {name: f"{major}.{minor}.0" for name, (major, minor) in NEWEST_TESTED.items()}


def pyproject_dependencies() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        dependencies: list[str] = tomllib.load(file)["project"]["dependencies"]
    return dependencies


def test_the_minimums_come_from_pyproject() -> None:
    declared = minimums_from(pyproject_dependencies())
    assert declared_minimums() == declared
    # The floors the project promises (the incumbent's): no higher than these.
    assert declared["moto"] == "5.1.5"
    assert declared["aiobotocore"] == "2.24.1"


def test_requirements_are_read_without_extras_or_markers() -> None:
    assert minimums_from(
        [
            "moto[s3,dynamodb]>=5.1.5",
            "Some_Lib >= 1.2 , <2",
            "pytest>=8; extra == 'test'",
            "plain",
        ]
    ) == {"moto": "5.1.5", "some-lib": "1.2"}


def test_tested_versions_pass_silently() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_versions({**MINIMUMS, **NEWEST}, minimums=MINIMUMS)
        check_versions(MINIMUMS, minimums=MINIMUMS)


@pytest.mark.parametrize("name", sorted(MINIMUMS))
def test_too_old_raises_import_error_naming_both_versions(name: str) -> None:
    with pytest.raises(ImportError) as raised:
        check_versions({**MINIMUMS, name: "0.1.0"}, minimums=MINIMUMS)

    message = str(raised.value)
    assert f"{name} 0.1.0 is installed" in message
    assert f"{name}>={MINIMUMS[name]}" in message


@pytest.mark.parametrize("name", sorted(NEWEST_TESTED))
def test_a_newer_minor_line_warns_once_and_is_filterable(name: str) -> None:
    major, minor = NEWEST_TESTED[name]
    newer = {**MINIMUMS, name: f"{major}.{minor + 1}.0"}
    with pytest.warns(AiomotoVersionWarning) as caught:
        check_versions(newer, minimums=MINIMUMS)
    assert [str(w.message) for w in caught] == [
        f"aiomoto was tested with {name} up to the {major}.{minor}.x line, and "
        f"{name} {major}.{minor + 1}.0 is installed. It will probably work; if it "
        f"does not, pin '{name}<{major}.{minor + 1}' and report the problem to "
        "aiomoto."
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=aiomoto.AiomotoVersionWarning)
        check_versions(newer, minimums=MINIMUMS)


@pytest.mark.parametrize("name", sorted(NEWEST_TESTED))
def test_patch_releases_of_the_newest_line_are_quiet(name: str) -> None:
    major, minor = NEWEST_TESTED[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_versions({**MINIMUMS, name: f"{major}.{minor}.99"}, minimums=MINIMUMS)


def test_botocore_never_warns() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_versions({**MINIMUMS, "botocore": "9.99.0"}, minimums=MINIMUMS)


def test_pre_release_suffixes_are_read() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_versions({**MINIMUMS, "aiobotocore": "2.24.1rc1"}, minimums=MINIMUMS)


def test_supported_range_names_floor_and_newest_line() -> None:
    major, minor = NEWEST_TESTED["moto"]
    minimum = declared_minimums()["moto"]
    assert supported_range("moto") == f">={minimum},<{major}.{minor + 1}"


def test_installed_versions_import_without_a_warning() -> None:
    # What pytest does when it loads aiomoto's plugin in a project with
    # filterwarnings = error.
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import aiomoto"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_newest_tested_lines_match_the_newest_ci_set() -> None:
    constraints = ROOT / "constraints" / "newest.txt"
    if not constraints.exists():
        pytest.skip("constraints/newest.txt (the CI matrix's newest set) is absent")
    pinned = dict(
        re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", constraints.read_text(), re.M)
    )
    for name, line in NEWEST_TESTED.items():
        version = tuple(int(part) for part in pinned[name].split(".")[:2])
        assert version == line, f"{name} {pinned[name]} is the newest CI pins"


def test_the_readme_table_states_the_declared_ranges() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Compatibility") :]
    rows = dict(re.findall(r"^\| (\w+)\s*\| ([\d.]+)\s*\|", table, re.M))
    declared = declared_minimums()
    assert rows == {name: declared[name] for name in rows}
    assert set(rows) >= {"moto", "aiobotocore", "botocore"}
    for name, (major, minor) in NEWEST_TESTED.items():
        assert re.search(
            rf"^\| {name}\s*\| [\d.]+\s*\| {major}\.{minor}\s", table, re.M
        )


def test_every_public_name_loads_on_first_use() -> None:
    import aiomoto

    for name in aiomoto.__all__:
        assert getattr(aiomoto, name) is not None, name
    assert set(aiomoto.__all__) <= set(dir(aiomoto))
    with pytest.raises(AttributeError, match="no attribute 'mock_awz'"):
        aiomoto.mock_awz  # noqa: B018
