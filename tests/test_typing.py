"""Types: the package ships py.typed and a stub for its core, both cores (the
C extension and its Python twin) match the stub, and mypy --strict accepts
the typed example and rejects misuse."""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import hypothesis  # noqa: F401  (kept across pytester's in-process runs)
import pytest
from tests.clients import aioboto3
from tests.no_pypy_wheel import needs

import aiomoto

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(aiomoto.__file__).resolve().parent
EXAMPLE = ROOT / "examples" / "typed_usage.py"

MISUSE = """\
import aiomoto


@aiomoto.mock_aws
def decorated(count: int) -> int:
    return count


reveal_type(aiomoto.mock_aws())
reveal_type(decorated)
decorated("one")
aiomoto.mock_aws(confg={})
aiomoto.reset(1)
aiomoto.mock_aws(config="s3")
"""


def test_the_package_ships_py_typed_and_the_core_stub() -> None:
    assert (PACKAGE / "py.typed").is_file()
    assert (PACKAGE / "_core.pyi").is_file()
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'aiomoto = ["py.typed", "*.pyi"]' in pyproject


def _stub_names() -> set[str]:
    tree = ast.parse((PACKAGE / "_core.pyi").read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
    return {name for name in names if not name.startswith("_")}


def test_the_stub_declares_what_each_core_defines(core: ModuleType) -> None:
    # The Python core lists its API in __all__; the extension has no other
    # public names.
    public = getattr(core, "__all__", dir(core))
    runtime = {name for name in public if not name.startswith("_")}
    assert _stub_names() == runtime


def _stubtest(module: str, stubs: Path | None, cwd: Path) -> str:
    """mypy's stubtest of a module against its stub: '' when they agree."""
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed for this Python (CPython only)")
    env = dict(os.environ)
    if stubs is not None:
        env["MYPYPATH"] = str(stubs)
    done = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", module],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr


def test_each_core_matches_the_stub_in_every_signature(
    core: ModuleType, tmp_path: Path
) -> None:
    """Every class, method, property and parameter (names, kinds, defaults)
    of the stub, as the core has them at run time."""
    stubs = None
    if core.__name__ != "aiomoto._core":
        # The Python core is checked against the same stub, under its name
        # and with its __all__.
        stubs = tmp_path / "stubs"
        (stubs / "aiomoto").mkdir(parents=True)
        (stubs / "aiomoto" / "__init__.pyi").write_text("")
        stub = (PACKAGE / "_core.pyi").read_text()
        (stubs / "aiomoto" / "_core_py.pyi").write_text(
            f"{stub}\n__all__ = {sorted(core.__all__)!r}\n"
        )
    assert _stubtest(core.__name__, stubs, tmp_path) == ""


def _mypy(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            # One cache per environment: the environments of the CI matrix
            # share this checkout, and a cache written against another's
            # site-packages gives stale answers.
            "--cache-dir",
            str(Path(sys.prefix) / ".mypy_cache"),
            "--no-error-summary",
            *map(str, paths),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@needs("mypy")
def test_mypy_strict_accepts_the_example_and_rejects_misuse(tmp_path: Path) -> None:
    misuse = tmp_path / "misuse.py"
    misuse.write_text(MISUSE)

    done = _mypy(EXAMPLE, misuse)

    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert not [line for line in lines if "typed_usage.py" in line], done.stdout
    by_line: dict[int, str] = {}
    for line in lines:
        if str(misuse.name) in line:
            number = int(line.split(":")[1])
            by_line[number] = by_line.get(number, "") + line
    assert '"aiomoto.mock.MockAWS"' in by_line[9]
    assert "def (count: int) -> int" in by_line[10]
    assert "[arg-type]" in by_line[11]
    assert "[call-overload]" in by_line[12]
    assert "[arg-type]" in by_line[13]
    assert "[call-overload]" in by_line[14] or "[arg-type]" in by_line[14]
    assert done.returncode == 1


def test_the_typed_example_runs(pytester: pytest.Pytester) -> None:
    shutil.copy(EXAMPLE, pytester.path / "test_typed_usage.py")
    pytester.makeini(
        "[pytest]\nfilterwarnings = error\nasyncio_default_fixture_loop_scope = "
        "function\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    # Its aioboto3 test skips in a dependency set without aioboto3.
    if aioboto3 is None:
        result.assert_outcomes(passed=6, skipped=1)
    else:
        result.assert_outcomes(passed=7)
