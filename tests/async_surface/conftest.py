"""Every test here runs in each mode an async AWS client can run in.

A test takes the ``aws`` fixture and is an ``async def`` marked for anyio.
It runs three times:

* ``asyncio-aiohttp``: asyncio, aiobotocore's default aiohttp session;
* ``asyncio-httpx``: asyncio, ``AioConfig(http_session_cls=HttpxSession)``;
* ``trio-httpx``: trio, through the httpx session (aiohttp is asyncio-only).

On aiobotocore 3.9+ with httpx2 installed the httpx session sends with
httpx2, and the last two modes are ``asyncio-httpx2`` and ``trio-httpx2``.

``@pytest.mark.modes("asyncio-aiohttp", ...)`` narrows that for a test whose
library only runs under asyncio (aioboto3's managed transfers, s3fs, and
before aiobotocore 3.9 its retry and waiter sleeps, which call
``asyncio.sleep``: ``SLEEPING_MODES``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import anyio
import pytest
from tests.async_surface.harness import MODES, Aws, Mode

import aiomoto


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "modes(*names): run the test in these modes only (see conftest)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "mode" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("modes")
    names = marker.args if marker else tuple(MODES)
    metafunc.parametrize("mode", [MODES[name] for name in names], ids=names)


@pytest.fixture
def anyio_backend(mode: Mode) -> str:
    return mode.library


@pytest.fixture
async def aws(mode: Mode, anyio_backend: str) -> AsyncIterator[Aws]:
    async with aiomoto.mock_aws(), AsyncExitStack() as stack:
        yield Aws(mode, stack)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """aiobotocore's waiter and retry delays, recorded instead of slept.

    aiobotocore sleeps with ``asyncio.sleep``, and from 3.9 its httpx session
    with ``anyio.sleep``; the replacements return at once without touching
    the event loop, so they work under trio too.  A zero delay is a
    checkpoint, not a wait (httpx sessions yield with ``anyio.sleep(0)``):
    it goes to the real sleep.
    """
    recorded: list[float] = []

    def recording(real: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        async def sleep(delay: float, *args: Any) -> Any:
            if delay == 0:
                return await real(delay, *args)
            recorded.append(delay)
            return args[0] if args else None

        return sleep

    monkeypatch.setattr(asyncio, "sleep", recording(asyncio.sleep))
    monkeypatch.setattr(anyio, "sleep", recording(anyio.sleep))
    return recorded
