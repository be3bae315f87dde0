"""The two cores, for tests that drive one directly.

``load_core("c")`` is the C extension ``aiomoto._core`` and
``load_core("python")`` its pure-Python twin ``aiomoto._core_py``.  The C
core skips, naming why, where aiomoto does not run it: with
``AIOMOTO_NO_EXTENSIONS`` set (the extension is then never imported), on
PyPy, or when the extension is not built or fails to import.  The ``core``
and ``c_core`` fixtures (tests/conftest.py) are built on it.

``outcome`` turns what a call to either core comes to into something the
other core's answer can be compared with.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import aiohttp
import pytest
from botocore.awsrequest import HeadersDict
from botocore.utils import get_encoding_from_headers

from aiomoto import _core_py, _engine

CORES = ("c", "python")

# What aiomoto's glue (aiomoto._patches) passes to configure().
GLUE_CONFIG: dict[str, Any] = {
    "headers_class": HeadersDict,
    "encoding_from_headers": get_encoding_from_headers,
    "closed_error": aiohttp.ClientConnectionError,
}

needs_refcounts = pytest.mark.skipif(
    not hasattr(sys, "getrefcount"),
    reason="this Python has no reference counts to compare (the gc tests check "
    "what is freed)",
)


def load_core(name: str) -> ModuleType:
    """The core of that name ("c" or "python"), configured as aiomoto's glue
    configures it, or a skip saying why not."""
    if name == "python":
        core = _core_py
    elif _engine.name != _engine.C_CORE:
        pytest.skip(f"the C core does not run here: {_engine.reason}")
    else:
        core = _engine.core
    core.configure(**GLUE_CONFIG)
    return core


def running_cores() -> list[ModuleType]:
    """The cores this process can use: the Python one, and the C one when it
    is aiomoto's."""
    cores = [_core_py]
    if _engine.name == _engine.C_CORE:
        cores.append(_engine.core)
    return cores


CORE_MODULES = ("aiomoto._core", "aiomoto._core_py")

# The interpreter's own messages for calls with the wrong arguments: a C
# function parses its arguments by hand, a Python one has a signature, so
# these differ between the cores in wording (never in type, TypeError).
ARITY_MESSAGE = re.compile(
    r"takes (no|at most|exactly|from|\d)|missing (\d+ )?required|"
    r"keyword argument|positional argument|positional-only|argument '\w+' must be|"
    r"multiple values for"
)


def is_arity_error(result: tuple[Any, ...]) -> bool:
    """Whether an outcome() is a refusal of the arguments' number or names."""
    return (
        result[0] == "raised"
        and result[1] is TypeError
        and bool(ARITY_MESSAGE.search(result[2]))
    )


def comparable(value: Any) -> Any:
    """A value as both cores would give it: a core's Ready by its outcome,
    its other objects by type name and repr, plain values as they are."""
    kind = type(value)
    if kind.__module__ in CORE_MODULES:
        if kind.__name__ == "Ready":
            return ("Ready", outcome(lambda: settle(value)))
        return (kind.__name__, repr(value))
    if isinstance(value, (tuple, list)):
        return (kind.__name__, [comparable(item) for item in value])
    if isinstance(value, BaseException):
        return (kind, str(value))
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    return kind.__name__


def settle(ready: Any) -> Any:
    """A Ready's value, or what it raises."""
    iterator = ready.__await__()
    try:
        iterator.send(None)
    except StopIteration as stop:
        return stop.value
    raise AssertionError(f"{ready!r} suspended")


def outcome(call: Callable[[], object]) -> tuple[Any, ...]:
    """("value", v) or ("raised", type, message), comparable across cores."""
    try:
        return ("value", comparable(call()))
    except Exception as error:
        # The Python core's types are named for its own module.
        message = str(error).replace("aiomoto._core_py.", "aiomoto._core.")
        return ("raised", type(error), message)
