"""The package's imports keep to its layout.

``[tool.importlinter]`` in pyproject.toml orders the parts -- each imports
only those beneath it, the parts do not import one another, and no modules
import each other in a circle.  Each subpackage's ``__init__`` says what the
part may import: its modules import nothing else, and the ``__init__``
itself imports nothing, so that importing one module of a part loads no
other.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.no_pypy_wheel import needs

import aiomoto

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(aiomoto.__file__).resolve().parent
PARTS = ("_lifecycle", "_fast_path", "_endpoint", "_compatibility")

pytestmark = needs("importlinter")


@pytest.fixture(scope="module")
def graph() -> Any:
    import grimp

    return grimp.build_graph("aiomoto", cache_dir=None)


def _may_import(part: str) -> set[str]:
    tree = ast.parse((PACKAGE / part / "__init__.py").read_text(encoding="utf-8"))
    found = re.search(
        r"^May import:(.*?)(?:\n\n|\Z)", ast.get_docstring(tree) or "", re.M | re.S
    )
    assert found, f"aiomoto.{part}'s __init__ does not say what it may import"
    return set(re.findall(r"``(aiomoto\.\w+)``", found.group(1)))


def test_the_import_contracts_hold() -> None:
    lint = (
        "import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(no_cache=True, no_logo=True))"
    )
    done = subprocess.run(
        [sys.executable, "-c", lint],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("part", PARTS)
def test_a_part_imports_only_what_its_init_says(graph: Any, part: str) -> None:
    name = f"aiomoto.{part}"
    imported = {
        ".".join(target.split(".")[:2])
        for module in graph.find_descendants(name)
        for target in graph.find_modules_directly_imported_by(module)
    }
    unsaid = imported - {name} - _may_import(part)
    assert not unsaid, f"{name} imports {sorted(unsaid)}: its __init__ does not say so"


@pytest.mark.parametrize("part", PARTS)
def test_a_parts_init_imports_nothing(graph: Any, part: str) -> None:
    assert graph.find_modules_directly_imported_by(f"aiomoto.{part}") == set()
