"""500 contexts in a row leave the process as they found it.

A test suite enters and exits a context per test.  After 500 of them, each
with sync and async requests, there is no growth in patched attributes,
botocore's and aiobotocore's handler tables, the handlers of a long-lived
session, open file descriptors, live objects of the core's types, or traced
memory beyond a small bound; and no ResourceWarning or other unraisable
exception is reported on the way.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aiobotocore.session import AioSession, get_session
from botocore.endpoint_provider import EndpointProvider
from tests.no_pypy_wheel import needs
from tests.process_state import REGION, Snapshot, patch_points

import aiomoto
from aiomoto._engine import core

CONTEXTS = 500
WARM_UP = 50
# Steady state is flat (about 55 KiB of caches fill in the first contexts);
# a leak of one request or response per context would be 500 KiB or more.
TOTAL_GROWTH_BOUND = 256 * 1024
SECOND_HALF_GROWTH_BOUND = 64 * 1024
OBJECT_GROWTH_BOUND = 500
MEASURE_IN_A_FRESH_INTERPRETER = (
    "import asyncio\n"
    "from tests.test_leaks import five_hundred_contexts\n"
    "asyncio.run(five_hundred_contexts())\n"
)
# The types of the core aiomoto runs on (the C extension, or its Python twin).
CORE_TYPES = tuple(
    getattr(core, name)
    for name in (
        "Ready",
        "RawStream",
        "ChunkIterator",
        "AsyncResponse",
        "Dispatcher",
    )
)


def endpoint_cache() -> Any:
    """botocore's process-wide cache of resolved endpoints: an lru_cache of
    ``CACHE_SIZE`` entries keyed on a weak reference to the provider and the
    parameters (on ``resolve_endpoint`` up to botocore 1.42, on
    ``_resolve_endpoint`` after)."""
    for name in ("_resolve_endpoint", "resolve_endpoint"):
        function = vars(EndpointProvider).get(name)
        if hasattr(function, "cache_info"):
            return function
    pytest.fail("botocore's EndpointProvider has no lru-cached resolution")


def fill_endpoint_cache(s3: Any) -> None:
    """Bring botocore's endpoint cache to its bound with S3 endpoints like the
    test's, so that an entry for a new client replaces one rather than adds.

    Each client made inside a context adds an entry (its provider is new),
    about 1 KiB; a cache left part-full by the tests run before would fill up
    during the measurement, up to 100 KiB, and look like a leak."""
    provider = s3._ruleset_resolver._provider
    for n in range(endpoint_cache().cache_info().maxsize):
        provider.resolve_endpoint(Region=REGION, Bucket=f"warm-up-{n}")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def core_objects() -> Counter[str]:
    gc.collect()
    return Counter(type(o).__name__ for o in gc.get_objects() if type(o) in CORE_TYPES)


def handler_count(session: AioSession) -> int:
    """Every handler registered on a session's emitter, at every event."""
    emitter = session.get_component("event_emitter")._emitter
    count = 0
    stack = [emitter._handlers._root]
    while stack:
        node = stack.pop()
        if node["values"] is not None:
            count += len(list(node["values"]))
        stack.extend(node["children"].values())
    return count


class Unraisables:
    """Collects what would otherwise be printed as 'Exception ignored in'."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, unraisable: Any) -> None:
        self.seen.append(f"{unraisable.exc_value!r} in {unraisable.object!r}")


@pytest.fixture
def unraisables() -> Iterator[Unraisables]:
    hook = Unraisables()
    previous = sys.unraisablehook
    sys.unraisablehook = hook
    try:
        yield hook
    finally:
        sys.unraisablehook = previous


async def one_test(s3: Any, s3_async: Any, n: int) -> None:
    """What a typical test does: write and read with both kinds of client."""
    async with aiomoto.mock_aws():
        s3.create_bucket(Bucket="leaks")
        await s3_async.put_object(Bucket="leaks", Key="k", Body=b"x" * 1000)
        await s3_async.put_object(Bucket="leaks", Key="k", Body=b"y" * 1000)
        got = await s3_async.get_object(Bucket="leaks", Key="k")
        async with got["Body"] as body:
            assert await body.read() == b"y" * 1000
        # A body never read nor closed, as tests often leave them.
        await s3_async.get_object(Bucket="leaks", Key="k")
        assert s3.get_object(Bucket="leaks", Key="k")["Body"].read() == b"y" * 1000
        if n % 50 == 0:  # now and then, clients made inside the context
            boto3.client("sqs", region_name=REGION).create_queue(QueueName="q")
            async with get_session().create_client("sqs", region_name=REGION) as sqs:
                assert len((await sqs.list_queues())["QueueUrls"]) == 1


async def five_hundred_contexts() -> None:
    """The measurement; the test below runs it in a fresh interpreter."""
    unraisables = Unraisables()
    previous_hook = sys.unraisablehook
    sys.unraisablehook = unraisables
    try:
        await _measure_five_hundred_contexts()
    finally:
        sys.unraisablehook = previous_hook
    assert unraisables.seen == []


@needs("_tracemalloc")
def test_five_hundred_contexts_in_a_row_leave_nothing_behind() -> None:
    """Measured in a fresh interpreter: libraries that earlier tests in this
    process started or imported (a Moto server's threads, pandas, polars)
    allocate on their own schedule, which would be counted against aiomoto.
    The interpreter inherits this test's fake AWS environment."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE_IN_A_FRESH_INTERPRETER],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]


async def _measure_five_hundred_contexts() -> None:
    import tracemalloc

    points = patch_points()
    before = Snapshot.take(points)
    session = get_session()
    s3 = boto3.client("s3", region_name=REGION)
    async with session.create_client("s3", region_name=REGION) as s3_async:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for n in range(WARM_UP):
                await one_test(s3, s3_async, n + 1)

            fill_endpoint_cache(s3)
            fds = open_fds()
            handlers = handler_count(session)
            objects_of_core_types = core_objects()
            tracemalloc.start()
            try:
                gc.collect()
                start = tracemalloc.get_traced_memory()[0]
                objects = len(gc.get_objects())
                for n in range(CONTEXTS):
                    await one_test(s3, s3_async, n)
                    before.assert_restored()
                    if n == CONTEXTS // 2:
                        gc.collect()
                        halfway = tracemalloc.get_traced_memory()[0]
                        objects_halfway = len(gc.get_objects())
                gc.collect()
                end = tracemalloc.get_traced_memory()[0]
                objects_at_end = len(gc.get_objects())
            finally:
                tracemalloc.stop()

        assert open_fds() <= fds
        assert handler_count(session) == handlers
        assert core_objects() == objects_of_core_types
        assert end - start < TOTAL_GROWTH_BOUND, f"grew {end - start} bytes"
        assert end - halfway < SECOND_HALF_GROWTH_BOUND, f"grew {end - halfway}"
        assert objects_at_end - objects < OBJECT_GROWTH_BOUND
        assert objects_at_end - objects_halfway < OBJECT_GROWTH_BOUND // 5
    warned = [f"{w.category.__name__}: {w.message}" for w in caught]
    assert warned == []


@pytest.mark.asyncio
async def test_botocore_endpoint_cache_stops_at_its_bound() -> None:
    """What fills in the first contexts is bounded: clients made in contexts
    (a new endpoint provider each) add entries only up to botocore's limit."""
    cache = endpoint_cache()
    bound = cache.cache_info().maxsize
    for _ in range(bound // 2 + 10):  # two new providers each
        async with aiomoto.mock_aws():
            boto3.client("s3", region_name=REGION).list_buckets()
            async with get_session().create_client("s3", region_name=REGION) as s3:
                await s3.list_buckets()
    assert cache.cache_info().currsize == bound


@needs("_tracemalloc")
def test_the_bounds_catch_a_leak(unraisables: Unraisables) -> None:
    """The measurement sees a leak of one response per context."""
    import tracemalloc

    kept: list[Any] = []

    async def leaky(s3: Any, s3_async: Any) -> None:
        for n in range(60):
            await one_test(s3, s3_async, n + 1)
            async with aiomoto.mock_aws():
                s3.create_bucket(Bucket="leaks")
                await s3_async.put_object(Bucket="leaks", Key="k", Body=b"z" * 5000)
                kept.append(await s3_async.get_object(Bucket="leaks", Key="k"))

    async def main() -> tuple[int, Counter[str]]:
        s3 = boto3.client("s3", region_name=REGION)
        async with get_session().create_client("s3", region_name=REGION) as s3_async:
            tracemalloc.start()
            try:
                gc.collect()
                start = tracemalloc.get_traced_memory()[0]
                await leaky(s3, s3_async)
                gc.collect()
                return tracemalloc.get_traced_memory()[0] - start, core_objects()
            finally:
                tracemalloc.stop()

    growth, objects = asyncio.run(main())
    # 60 kept responses: their bodies alone are 300 KB.
    assert growth > SECOND_HALF_GROWTH_BOUND
    assert objects["RawStream"] >= 60 or objects["AsyncResponse"] >= 60
    kept.clear()
