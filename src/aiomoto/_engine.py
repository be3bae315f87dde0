"""Which core aiomoto runs on: the C extension or its pure-Python twin.

``core`` is the C extension ``aiomoto._core`` when it imports, and otherwise
``aiomoto._core_py``, which has the same API and behaviour:

- ``AIOMOTO_NO_EXTENSIONS`` set to any non-empty value (``0`` included, as
  multidict's and yarl's ``*_NO_EXTENSIONS`` are read) selects the Python core
  without importing the extension, so no compiled aiomoto module is loaded;
- on PyPy the extension is not built, and the Python core runs;
- an extension that fails to import (not built, built for another Python)
  leaves the Python core, with the import error as the reason.

``name`` and ``reason`` record the choice for ``aiomoto.diagnostics()``.
Every module of aiomoto uses ``core``; none imports either core itself.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING

__all__ = ["C_CORE", "NO_EXTENSIONS_VARIABLE", "PYTHON_CORE", "core", "name", "reason"]

NO_EXTENSIONS_VARIABLE = "AIOMOTO_NO_EXTENSIONS"
C_CORE = "C"
PYTHON_CORE = "Python"


def _select() -> tuple[ModuleType, str, str]:
    """The core module, its name and why it was chosen."""
    setting = os.environ.get(NO_EXTENSIONS_VARIABLE, "")
    if setting:
        reason = f"{NO_EXTENSIONS_VARIABLE}={setting} is set"
    elif sys.implementation.name == "pypy":
        reason = "the C extension is not built for PyPy"
    else:
        try:
            from aiomoto import _core
        except ImportError as error:
            reason = f"the C extension failed to import: {error}"
        else:
            return _core, C_CORE, "the C extension aiomoto._core is built"
    from aiomoto import _core_py

    return _core_py, PYTHON_CORE, reason


# For type checkers the selected core is the extension's stub: the Python
# core implements the same interface (tests/test_typing.py checks both).
if TYPE_CHECKING:
    from aiomoto import _core as core

    name: str
    reason: str
else:
    core, name, reason = _select()
