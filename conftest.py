"""The documentation's examples run as tests, through sybil.

Every ```python block of README.md and docs/ is one test.  A block that
defines tests (``def test_...``, ``class Test...``) is a test module: it runs
in an inner pytest session, as a user's test file would, with warnings as
errors and ``--strict-markers``, and all of its tests must pass.  Any other
block is a script: it runs top to bottom and must not raise.  Each block is
self-contained -- it shares no names with the blocks before it -- so the
examples run in any order, on any pytest-xdist worker.

An example runs as on a clean user machine: no AWS settings from this one
(credentials, profiles, region, endpoints, config files), no connection
beyond loopback.  A block that imports a library this dependency set does
not install (aioboto3 outside the default set, say) is skipped, naming it.
A fence that looks like Python but would not run (```py, ```pycon ...)
fails, so no example is left out of the tests by its spelling.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import ipaddress
import os
import socket
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent

try:
    from sybil import Example, Sybil
    from sybil.parsers.myst import CodeBlockParser
except ImportError:  # sybil is in the test extra; outside it the docs skip
    Sybil = None  # type: ignore[assignment,misc]

# Why a library a block imports can be missing from a dependency set.
WHY_MISSING = {
    "aioboto3": (
        "every aioboto3 release pins one aiobotocore 2.x, so only the default "
        "dependency set (constraints/default.txt) installs it"
    ),
    "pandas": "the test extra installs it on CPython only",
    "pyarrow": "the test extra installs it on CPython only",
    "polars": "the test extra installs it on CPython only",
}
# Fixtures of aiomoto's plugin that need a library of their own.
FIXTURE_NEEDS = {
    "aiomoto_aioboto3_session": "aioboto3",
    "aiomoto_aioboto3_client": "aioboto3",
    "aiomoto_aioboto3_resource": "aioboto3",
}
# Environment variables through which a machine's AWS setup would reach an
# example; the examples see none of them.
AWS_SETUP = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SECURITY_TOKEN",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "TEST_SERVER_MODE",
    "TEST_PROXY_MODE",
)
INNER_INI = """\
[pytest]
filterwarnings = error
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
"""


# --- a clean machine ------------------------------------------------------------


def _is_loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # a Unix socket
        return True
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def docs_example_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty working folder for an example, on a clean machine: no AWS
    settings of this one and no connection beyond loopback, for the whole of
    the example (an inner session's tests included)."""
    for name in list(os.environ):
        if name in AWS_SETUP or name.startswith("AWS_ENDPOINT_URL_"):
            monkeypatch.delenv(name)
    # botocore reads ~/.aws unless told otherwise: point it at no file.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-creds"))
    for method in ("connect", "connect_ex"):
        real = getattr(socket.socket, method)

        def guarded(self: socket.socket, address: Any, _real: Any = real) -> Any:
            if not _is_loopback(address):
                raise RuntimeError(f"a docs example tried to reach {address!r}")
            return _real(self, address)

        monkeypatch.setattr(socket.socket, method, guarded)
    folder = tmp_path / "example"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


# --- what a block is ------------------------------------------------------------


def _test_names(tree: ast.Module) -> list[str]:
    """The tests a block defines at its top level."""
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name.startswith("test"):
                names.append(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names += [
                f"{node.name}.{item.name}"
                for item in node.body
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                and item.name.startswith("test")
            ]
    return names


def _libraries(tree: ast.Module) -> set[str]:
    """The top-level packages a block needs: its imports and fixtures'."""
    needed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            needed |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            needed.add(node.module.split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for argument in node.args.args:
                if argument.arg in FIXTURE_NEEDS:
                    needed.add(FIXTURE_NEEDS[argument.arg])
    return needed


def _skip_unless_installed(libraries: set[str]) -> None:
    for name in sorted(libraries):
        if name not in sys.modules and importlib.util.find_spec(name) is None:
            why = WHY_MISSING.get(name, "this environment does not install it")
            pytest.skip(f"this example needs {name}: {why}")


# --- running a block --------------------------------------------------------------


def _run_script(source: str, path: str, line: int) -> None:
    code = compile("\n" * line + source, path, "exec", dont_inherit=True)
    exec(code, {"__name__": "__docs_example__"})


class _Outcomes:
    """Counts an inner session's test outcomes, as a plugin of that session."""

    def __init__(self) -> None:
        self.passed: list[str] = []
        self.other: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.passed and report.when == "call":
            self.passed.append(report.nodeid)
        elif not report.passed:
            self.other.append(f"{report.nodeid} {report.when}: {report.outcome}")


def _run_tests(example: Example, source: str, tests: list[str]) -> str | None:
    """Run a block's tests as a user's test module, in an inner session.

    The session runs in this process (a process each would import Moto
    anew), with pytest.main rather than pytester: pytester drops the modules
    imported while it was in use, and a library imported again beside its
    first copy (aiomoto's process state, yarl's URL) no longer recognises
    its own objects.
    """
    folder: Path = example.namespace["docs_example_folder"]
    module = f"test_{Path(example.path).stem.replace('-', '_')}_{example.line}"
    path = folder / f"{module}.py"
    path.write_text(source)
    (folder / "pytest.ini").write_text(INNER_INI)
    outcomes = _Outcomes()
    output = io.StringIO()
    saved_path = list(sys.path)
    try:
        with contextlib.redirect_stdout(output):
            exit_code = pytest.main(
                [str(path), "-p", "no:cacheprovider", "--strict-markers"],
                plugins=[outcomes],
            )
    except Exception:  # the session itself failed: report it as the example's
        return "the example's inner pytest session failed:\n" + (
            output.getvalue() + traceback.format_exc()
        )
    finally:
        sys.path[:] = saved_path
        sys.modules.pop(module, None)
    if exit_code != 0 or outcomes.other or len(outcomes.passed) < len(tests):
        return (
            f"the example's tests ({', '.join(tests)}) did not all pass:\n"
            + output.getvalue()
        )
    return None


def evaluate(example: Example) -> str | None:
    source = str(example.parsed)
    tree = ast.parse(source, example.path)
    libraries = _libraries(tree)
    _skip_unless_installed(libraries)
    tests = _test_names(tree)
    if tests:
        return _run_tests(example, source, tests)
    _run_script(source, example.path, example.line + example.parsed.line_offset)
    return None


def _collect_without_sybil(file_path: Path, parent: pytest.Collector) -> Any:
    if file_path.suffix == ".md" and (
        file_path == ROOT / "README.md" or ROOT / "docs" in file_path.parents
    ):
        return _SkippedDocument.from_parent(parent, path=file_path)
    return None


class _SkippedDocument(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        pytest.skip("the documentation's examples run with sybil (the test extra)")


# Fences that look like Python but would not run: each one fails, asking
# for ```python (run) or ```text (shown only).
NOT_RUN_LANGUAGES = ("py", "py3", "python3", "pycon", "ipython")


def refuse_unrun(example: Example) -> str:
    return (
        "this block would be shown but never run: mark it ```python to run it "
        "as an example, or ```text if it is not Python"
    )


if Sybil is not None:
    pytest_collect_file = Sybil(
        parsers=[
            CodeBlockParser(language="python", evaluator=evaluate),
            *(
                CodeBlockParser(language=language, evaluator=refuse_unrun)
                for language in NOT_RUN_LANGUAGES
            ),
        ],
        patterns=["README.md", "docs/*.md", "docs/**/*.md"],
        fixtures=["docs_example_folder"],
    ).pytest()
else:
    pytest_collect_file = _collect_without_sybil
