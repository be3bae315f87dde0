"""The version gate: refuse too-old dependencies, warn about untested new ones."""

from __future__ import annotations

import warnings

import pytest

from aiomoto._compat import SUPPORTED, AiomotoVersionWarning, check_versions

TESTED = {name: supported.newest_tested for name, supported in SUPPORTED.items()}


def test_tested_versions_pass_silently() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_versions(TESTED)


@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_too_old_raises_import_error_naming_both_versions(name: str) -> None:
    with pytest.raises(ImportError) as raised:
        check_versions({**TESTED, name: "0.1.0"})

    message = str(raised.value)
    assert f"{name} 0.1.0 is installed" in message
    assert f"{name}>={SUPPORTED[name].minimum}" in message


@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_newer_than_tested_only_warns(name: str) -> None:
    with pytest.warns(AiomotoVersionWarning, match=f"{name} 99.0.0 is installed"):
        check_versions({**TESTED, name: "99.0.0"})


def test_pre_release_suffixes_are_read() -> None:
    minimum = SUPPORTED["aiobotocore"].minimum
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_versions({**TESTED, "aiobotocore": f"{minimum}rc1"})


def test_installed_versions_are_inside_the_table() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_versions()
