"""Libraries the test extra cannot install on PyPy (pyproject.toml installs
them on CPython only; constraints/pypy.txt says why each is left out).

On CPython a test imports them like any other dependency, so a missing one
fails.  On PyPy a missing one is expected: the tests that need it skip,
naming the library and why.
"""

from __future__ import annotations

import importlib
import importlib.util
import platform
from types import ModuleType

import pytest

ON_PYPY = platform.python_implementation() == "PyPy"

WHY = {
    "pandas": "pandas has no PyPy wheel, and its source build (meson, Cython, "
    "numpy's C API) takes many minutes",
    "pyarrow": "pyarrow has no PyPy wheel (it is Arrow's C++ libraries)",
    "polars": "polars has no PyPy wheel (its Rust runtime is built for "
    "CPython's stable ABI only)",
    "awscrt": "awscrt, botocore[crt]'s CRC32C and CRC64NVME, has no PyPy wheel "
    "(its source build is the AWS C libraries and aws-lc, with CMake)",
    "mypy": "mypy 2 needs ast-serialize, which has no PyPy wheel (Rust)",
    "_tracemalloc": "PyPy has no tracemalloc: its memory is not CPython's "
    "allocator, which tracemalloc traces",
    "importlinter": "import-linter needs grimp, whose releases after 3.17 have "
    "no PyPy wheel (Rust)",
}


def _top(name: str) -> str:
    top = name.partition(".")[0]
    if top not in WHY:
        raise ValueError(f"{top} is not a library PyPy lacks; import it directly")
    return top


def _missing_on_pypy(name: str) -> bool:
    return ON_PYPY and importlib.util.find_spec(_top(name)) is None


def load(name: str) -> ModuleType | None:
    """``import name``, or None on PyPy when it is not installed there."""
    if _missing_on_pypy(name):
        return None
    return importlib.import_module(name)


def needs(*names: str) -> pytest.MarkDecorator:
    """Skip on PyPy when one of ``names`` is not installed, saying why."""
    missing = [name for name in names if _missing_on_pypy(name)]
    return pytest.mark.skipif(
        bool(missing), reason="; ".join(WHY[_top(name)] for name in missing)
    )
