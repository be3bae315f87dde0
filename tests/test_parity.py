"""Every service the README lists answers boto3 and aiobotocore alike.

Each script of ``tests.parity_scripts`` runs through boto3 and through
aiobotocore inside one aiomoto context (see ``tests.parity``); the recorded
responses, less request ids and timestamps, must be equal -- with
aiobotocore on either HTTP backend, under asyncio and under trio.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.async_surface.harness import MODES, Mode
from tests.parity import Call, ParityScript, comparable, run_in_mode
from tests.parity_scripts import SCRIPTS

# Scripts are long enough that a short record means one stopped early.
MIN_CALLS = 8


@pytest.mark.parametrize("mode", list(MODES.values()), ids=list(MODES))
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_boto3_and_aiobotocore_answer_alike(script: ParityScript, mode: Mode) -> None:
    parity = run_in_mode(script, mode)

    assert len(parity.runs["boto3"]) >= MIN_CALLS
    assert parity.first_difference() is None


def test_the_comparison_can_fail() -> None:
    # A changed value anywhere makes records differ; masking hides only what
    # it names; the status code is kept.
    response = {
        "Items": [{"id": 1, "When": "x"}],
        "ResponseMetadata": {"HTTPStatusCode": 200, "RequestId": "r1"},
    }
    other = {
        "Items": [{"id": 2, "When": "y"}],
        "ResponseMetadata": {"HTTPStatusCode": 200, "RequestId": "r2"},
    }
    failed = {**response, "ResponseMetadata": {"HTTPStatusCode": 500}}
    assert comparable(response, {"When"}) != comparable(other, {"When"})
    assert comparable(response, {"When", "id"}) == comparable(other, {"When", "id"})
    assert Call("s", "op", comparable(response, ())) != Call(
        "s", "op", comparable(failed, ())
    )


def test_the_docs_list_each_script_with_what_it_covers() -> None:
    page = Path(__file__).parent.parent / "docs" / "what-works.md"
    section = page.read_text()
    rows = re.findall(r"^\| (\S+) \| (.+) \|$", section, re.MULTILINE)
    listed = {name: covers for name, covers in rows if name not in ("service", "---")}
    assert listed == {script.name: script.covers for script in SCRIPTS}
