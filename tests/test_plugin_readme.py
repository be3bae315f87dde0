"""The README's pytest plugin section: every Python example runs as written.

Each ```python block of the section is a test module; they all run in one
inner pytest session, warnings as errors, and every test in them must pass.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import hypothesis  # noqa: F401  (kept across pytester's in-process runs)
import pytest
from tests.clients import aioboto3

README = Path(__file__).resolve().parent.parent / "README.md"


def section_examples() -> list[str]:
    text = README.read_text()
    start = text.index("\n## pytest plugin\n")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.DOTALL)


def test_the_section_has_examples_for_each_topic() -> None:
    examples = "\n".join(section_examples())
    for used in (
        "@pytest.mark.aiomoto",
        "aiomoto_client",
        "aiomoto.reset(",
        "MixedMocksError",
        "AWS_ENDPOINT_URL",
        "NotImplementedByMotoError",
        "ContextEndedError",
    ):
        assert used in examples


def test_the_readme_examples_pass(pytester: pytest.Pytester) -> None:
    examples = section_examples()
    tests = 0
    # In a dependency set without aioboto3, the examples using its fixtures
    # are left out (tests/clients.py says why); the others still run.
    without: list[str] = []
    for number, source in enumerate(examples):
        tree = ast.parse(source)
        for node in tree.body:
            if isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef)
            ) and node.name.startswith("test_"):
                if aioboto3 is None and "aioboto3" in ast.unparse(node.args):
                    without.append(node.name)
                else:
                    tests += 1
        pytester.makepyfile(**{f"test_readme_{number}": source})
    pytester.makeini(
        "[pytest]\nfilterwarnings = error\nasyncio_default_fixture_loop_scope = "
        "function\n"
    )
    deselect = ["-k", " and ".join(f"not {name}" for name in without)]
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--strict-markers", *(deselect if without else [])
    )
    result.assert_outcomes(passed=tests)
    assert tests + len(without) >= len(examples)
