"""pytest's and pytest-asyncio's internals that aiomoto's pytest plugin uses.

Both serve correctness, and both are read only when a test uses one of
aiomoto's async fixtures:

* pytest-asyncio, in strict mode, runs an async fixture only when the
  function carries the attribute ``@pytest_asyncio.fixture`` sets;
* an anyio test's async fixtures must be left to anyio's plugin, so for the
  length of their set-up the plugin swaps ``FixtureDef.func`` for a copy
  without that attribute, as anyio's and pytest-asyncio's plugins swap it.

This module imports nothing but pytest, which has loaded it already: the
plugin's import must stay free.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from aiomoto._internals import unsupported

# What ``@pytest_asyncio.fixture`` sets on the functions it wraps.
_PYTEST_ASYNCIO_MARK = "_force_asyncio_fixture"


def mark_for_pytest_asyncio(function: Callable[..., Any]) -> None:
    """Have pytest-asyncio (strict mode too) run the async fixture ``function``."""
    setattr(function, _PYTEST_ASYNCIO_MARK, True)


@contextmanager
def fixture_function_swapped(
    fixturedef: pytest.FixtureDef[Any], function: Callable[..., Any]
) -> Iterator[None]:
    """``fixturedef`` runs ``function`` for the length of the block."""
    if not hasattr(fixturedef, "func"):
        raise unsupported("pytest", "FixtureDef.func")
    original = fixturedef.func
    # FixtureDef.func is typed Final, but pytest's plugins swap it like this.
    fixturedef.func = function  # type: ignore[misc]
    try:
        yield
    finally:
        fixturedef.func = original  # type: ignore[misc]
