"""Unit tests of the core's types, used directly, for both cores.

Each test runs against the C extension ``aiomoto._core`` and against its
pure-Python twin ``aiomoto._core_py`` (the ``core`` fixture), and the
differential tests at the end give both the same inputs and compare what
comes out.  What only the extension has -- per-module state, subinterpreter
isolation of its types, the Ready that is its own await iterator -- is
tested on the C core alone (``c_core``).

Awaitables are driven under asyncio and trio both: the core's types never
touch an event loop, so they must behave identically under each.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import importlib.util
import inspect
import sys
import threading
import weakref
from collections.abc import Awaitable, Callable, Generator, Iterator
from http import HTTPStatus
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import pytest
import trio
from aiobotocore.hooks import AioHierarchicalEmitter
from aiobotocore.httpchecksum import StreamingChecksumBody
from aiobotocore.response import StreamingBody
from botocore.awsrequest import AWSPreparedRequest, HeadersDict
from botocore.exceptions import ResponseStreamingError
from botocore.hooks import HierarchicalEmitter
from botocore.httpchecksum import Sha256Checksum
from tests.cores import (
    GLUE_CONFIG,
    load_core,
    needs_refcounts,
    outcome,
    running_cores,
    settle,
)

if TYPE_CHECKING:
    from aiomoto import _core

T = TypeVar("T")

# GLUE_CONFIG is restored after every test so that tests which change the
# configuration cannot leak into others.
FALLBACK_CONFIG: dict[str, Any] = dict.fromkeys(GLUE_CONFIG)


@pytest.fixture(autouse=True)
def glue_config() -> Iterator[None]:
    for core in running_cores():
        core.configure(**GLUE_CONFIG)
    yield
    for core in running_cores():
        core.configure(**GLUE_CONFIG)


def under_asyncio_and_trio(fn: Callable[[], Awaitable[T]]) -> list[T]:
    async def main() -> T:
        return await fn()

    return [asyncio.run(main()), trio.run(main)]


class Sentinel:
    """A weak-referenceable marker for checking that a cycle was collected."""


def assert_collected(ref: weakref.ref[Sentinel]) -> None:
    gc.collect()
    assert ref() is None


def refcount_is_stable(obj: object, action: Callable[[], object]) -> bool:
    # Raised exceptions keep frames alive through their tracebacks, so cycles
    # are collected before each count; only references held by C remain.
    action()  # warm caches first
    gc.collect()
    before = sys.getrefcount(obj)
    for _ in range(100):
        action()
    gc.collect()
    return sys.getrefcount(obj) == before


def returns_none(fn: Callable[[], object]) -> bool:
    return fn() is None


async def resolves_to_none(awaitable: Awaitable[object]) -> bool:
    return await awaitable is None


def traceback_length(exc: BaseException) -> int:
    length, tb = 0, exc.__traceback__
    while tb is not None:
        length, tb = length + 1, tb.tb_next
    return length


# --------------------------------------------------------------------------
# Ready


@pytest.mark.parametrize(
    "value", [None, 0, "text", (1, 2), (), ValueError("a value, not a failure")]
)
def test_ready_await_gives_the_value_itself(core: ModuleType, value: object) -> None:
    ready = core.Ready(value)

    async def twice() -> tuple[object, object]:
        return await ready, await ready

    for first, second in under_asyncio_and_trio(twice):
        assert first is value
        assert second is value


@pytest.mark.asyncio
async def test_ready_await_under_pytest_asyncio(core: ModuleType) -> None:
    ready = core.Ready((1, 2))
    assert await ready == (1, 2)
    assert [await ready for _ in range(3)] == [(1, 2)] * 3


def test_ready_never_suspends_a_coroutine(core: ModuleType) -> None:
    async def consumer() -> object:
        return await core.Ready((3, 4))

    coro = consumer()
    with pytest.raises(StopIteration) as info:
        coro.send(None)
    assert info.value.value == (3, 4)


def test_ready_next_and_yield_from_carry_tuples_and_exceptions_as_values(
    core: ModuleType,
) -> None:
    exc = KeyError("k")
    for value in [(1, 2), exc, None, 7]:
        ready = core.Ready(value)
        with pytest.raises(StopIteration) as info:
            next(ready)
        assert info.value.value is value

        def delegate(r: _core.Ready[object] = ready) -> Generator[Any, Any, object]:
            return (yield from r)

        with pytest.raises(StopIteration) as info:
            next(delegate())
        assert info.value.value is value


def test_ready_is_its_own_iterator(core: ModuleType) -> None:
    ready = core.Ready(1)
    assert iter(ready) is ready


def test_ready_await_iterator_finishes_on_its_first_step(core: ModuleType) -> None:
    for _ in range(2):
        iterator = core.Ready((1,)).__await__()
        with pytest.raises(StopIteration) as info:
            iterator.send(None)
        assert info.value.value == (1,)


def test_c_ready_is_its_own_await_iterator(c_core: ModuleType) -> None:
    # Its am_send finishes an await without raising StopIteration, which a
    # Python __await__ can only do as a generator (the Python core's).
    ready = c_core.Ready(1)
    awaited: object = ready.__await__()
    assert awaited is ready


def test_ready_send_finishes_with_the_value_whatever_is_sent(core: ModuleType) -> None:
    ready = core.Ready((5,))
    for sent in [None, 1, "x"]:
        with pytest.raises(StopIteration) as info:
            ready.send(sent)
        assert info.value.value == (5,)


def test_ready_failed_raises_the_same_instance_on_every_await(core: ModuleType) -> None:
    exc = LookupError("missing")
    ready = core.Ready.failed(exc)

    async def catch() -> list[BaseException]:
        caught: list[BaseException] = []
        for _ in range(3):
            with pytest.raises(LookupError) as info:
                await ready
            caught.append(info.value)
        return caught

    for caught in under_asyncio_and_trio(catch):
        assert all(e is exc for e in caught)


def test_ready_failed_does_not_grow_the_traceback_on_reraise(core: ModuleType) -> None:
    ready = core.Ready.failed(OSError("x"))
    lengths = []
    for _ in range(5):
        with pytest.raises(OSError) as info:
            next(ready)
        lengths.append(traceback_length(info.value))
    assert len(set(lengths)) == 1


def test_ready_failed_keeps_the_original_traceback(core: ModuleType) -> None:
    try:
        raise ValueError("original")
    except ValueError as exc:
        original_tb = exc.__traceback__
        ready = core.Ready.failed(exc)
    with pytest.raises(ValueError) as info:
        next(ready)
    tb = info.value.__traceback__
    chain = []
    while tb is not None:
        chain.append(tb)
        tb = tb.tb_next
    assert original_tb in chain


def test_ready_failed_raises_through_send_and_next(core: ModuleType) -> None:
    ready = core.Ready.failed(ZeroDivisionError("z"))
    with pytest.raises(ZeroDivisionError):
        ready.send(None)
    with pytest.raises(ZeroDivisionError):
        next(ready)


def test_ready_failed_requires_an_exception_instance(core: ModuleType) -> None:
    with pytest.raises(TypeError, match="exception instance"):
        core.Ready.failed(ValueError)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="exception instance"):
        core.Ready.failed("boom")  # type: ignore[arg-type]


def test_ready_constructor_arguments(core: ModuleType) -> None:
    assert next(iter([core.Ready(value=3)])) is not None
    with pytest.raises(TypeError):
        core.Ready()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        core.Ready(1, 2)  # type: ignore[call-arg]


def test_ready_throw_single_exception_form(core: ModuleType) -> None:
    ready = core.Ready(1)
    exc = RuntimeError("thrown")
    with pytest.raises(RuntimeError) as info:
        ready.throw(exc)
    assert info.value is exc


def test_ready_throw_type_value_traceback_forms(core: ModuleType) -> None:
    ready = core.Ready(1)
    with pytest.raises(ValueError) as info:
        ready.throw(ValueError)
    assert info.value.args == ()
    with pytest.raises(ValueError) as info:
        ready.throw(ValueError, "msg")
    assert info.value.args == ("msg",)
    with pytest.raises(ValueError) as info:
        ready.throw(ValueError, ("a", "b"))
    assert info.value.args == ("a", "b")
    instance = ValueError("same")
    with pytest.raises(ValueError) as info:
        ready.throw(ValueError, instance)
    assert info.value is instance


def test_ready_throw_attaches_the_given_traceback(core: ModuleType) -> None:
    try:
        raise KeyError("for its traceback")
    except KeyError as exc:
        tb = exc.__traceback__
    assert tb is not None
    with pytest.raises(IndexError) as info:
        core.Ready(1).throw(IndexError, None, tb)
    chain = []
    walk: TracebackType | None = info.value.__traceback__
    while walk is not None:
        chain.append(walk)
        walk = walk.tb_next
    assert tb in chain


@pytest.mark.parametrize(
    "args",
    [
        (),
        (1,),
        ("not an exception",),
        (ValueError("x"), "separate value"),
        (ValueError, None, "not a traceback"),
        (ValueError, None, None, None),
    ],
)
def test_ready_throw_rejects_bad_arguments(
    core: ModuleType, args: tuple[Any, ...]
) -> None:
    with pytest.raises(TypeError):
        core.Ready(1).throw(*args)


def test_ready_throw_rejects_a_class_that_builds_a_non_exception(
    core: ModuleType,
) -> None:
    class Odd(Exception):
        def __new__(cls, *args: object) -> Any:
            return 42

    with pytest.raises(TypeError, match="should have returned an instance"):
        core.Ready(1).throw(Odd)


def test_ready_close_does_nothing_and_stays_awaitable(core: ModuleType) -> None:
    ready = core.Ready("v")
    assert returns_none(ready.close)
    assert returns_none(ready.close)

    async def get() -> str:
        return await ready

    assert under_asyncio_and_trio(get) == ["v", "v"]


def test_ready_repr(core: ModuleType) -> None:
    assert repr(core.Ready((1, "a"))) == "<Ready value=(1, 'a')>"
    assert repr(core.Ready.failed(KeyError("k"))) == "<Ready exception=KeyError('k')>"
    box: list[object] = []
    ready = core.Ready(box)
    box.append(ready)
    assert repr(ready) == "<Ready value=[<Ready ...>]>"
    box.clear()


def test_ready_is_generic_at_runtime(core: ModuleType) -> None:
    alias = core.Ready[int]
    assert alias.__origin__ is core.Ready  # type: ignore[attr-defined]
    assert alias.__args__ == (int,)  # type: ignore[attr-defined]


@needs_refcounts
def test_ready_refcounts_balance(core: ModuleType) -> None:
    value = object()

    def use_value() -> None:
        ready = core.Ready(value)
        with pytest.raises(StopIteration):
            next(ready)

    def use_failure() -> None:
        ready = core.Ready.failed(ValueError(value))
        for _ in range(2):
            with pytest.raises(ValueError):
                next(ready)

    def use_tuple() -> None:
        with pytest.raises(StopIteration):
            core.Ready((value,)).send(None)

    assert refcount_is_stable(value, use_value)
    assert refcount_is_stable(value, use_failure)
    assert refcount_is_stable(value, use_tuple)


def test_ready_is_visible_to_and_collected_by_the_gc(core: ModuleType) -> None:
    sentinel = Sentinel()
    box: list[object] = [sentinel]
    ready = core.Ready(box)
    assert box in gc.get_referents(ready)
    box.append(ready)
    ref = weakref.ref(sentinel)
    del sentinel, box, ready
    assert_collected(ref)


def test_failed_ready_in_a_cycle_through_its_exception_is_collected(
    core: ModuleType,
) -> None:
    sentinel = Sentinel()
    exc = ValueError(sentinel)
    ready = core.Ready.failed(exc)
    exc.ready = ready  # type: ignore[attr-defined]
    ref = weakref.ref(sentinel)
    del sentinel, exc, ready
    assert_collected(ref)


# --------------------------------------------------------------------------
# RawStream


BODY = b"0123456789"


def test_stream_whole_read_is_the_body_itself(core: ModuleType) -> None:
    body = bytes(range(256)) * 3

    async def reads() -> list[bytes]:
        return [
            await core.RawStream(body).read(),
            await core.RawStream(body).read(-5),
            await core.RawStream(body).read(len(body)),
            await core.RawStream(body).read(len(body) + 1),
            await core.RawStream(body).read(2**100),
            await core.RawStream(body).content.read(),
        ]

    for results in under_asyncio_and_trio(reads):
        assert all(result is body for result in results)


@pytest.mark.asyncio
async def test_stream_partial_reads_copy_only_the_slice(core: ModuleType) -> None:
    stream = core.RawStream(BODY)
    assert await stream.read(0) == b""
    assert stream.tell() == 0
    assert await stream.read(1) == b"0"
    assert stream.tell() == 1
    rest = await stream.read()
    assert rest == BODY[1:]
    assert rest is not BODY
    assert stream.tell() == len(BODY)
    assert await stream.read() == b""
    assert await stream.read(1) == b""


@pytest.mark.asyncio
async def test_stream_read_sizes_around_the_length(core: ModuleType) -> None:
    for n, expected in [
        (1, BODY[:1]),
        (len(BODY) - 1, BODY[:-1]),
        (len(BODY), BODY),
        (len(BODY) + 1, BODY),
    ]:
        stream = core.RawStream(BODY)
        assert await stream.read(n) == expected
        assert stream.at_eof() is (len(expected) == len(BODY))


@pytest.mark.asyncio
async def test_stream_empty_body(core: ModuleType) -> None:
    stream = core.RawStream(b"")
    assert stream.at_eof()
    assert stream.is_eof()
    assert await stream.read() == b""
    assert await stream.read(1) == b""
    assert await stream.readany() == b""
    assert await stream.readline() == b""
    assert await stream.readchunk() == (b"", False)
    assert await stream.readexactly(0) == b""
    assert [chunk async for chunk in stream.iter_any()] == []


def test_stream_bad_arguments_fail_at_call_time(core: ModuleType) -> None:
    stream = core.RawStream(BODY)
    with pytest.raises(TypeError, match=r"read\(\) argument must be an int, not str"):
        stream.read("x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"read\(\) takes"):
        stream.read(1, 2)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        stream.read(n=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="readexactly"):
        stream.readexactly()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="not float"):
        stream.readexactly(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="less than zero"):
        stream.readexactly(-1)
    with pytest.raises(ValueError, match="positive"):
        stream.iter_chunked(0)
    with pytest.raises(ValueError, match="positive"):
        stream.iter_chunked(-3)
    with pytest.raises(TypeError):
        stream.iter_chunked("4")  # type: ignore[arg-type]
    assert stream.tell() == 0


def test_stream_constructor_validates(core: ModuleType) -> None:
    with pytest.raises(TypeError, match="body must be bytes, not str"):
        core.RawStream("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="url must be str or None, not int"):
        core.RawStream(b"", 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        core.RawStream()  # type: ignore[call-arg]


def test_stream_url_and_content(core: ModuleType) -> None:
    stream = core.RawStream(body=b"x", url="https://s3.amazonaws.com/b/k")
    assert stream.url == "https://s3.amazonaws.com/b/k"
    assert core.RawStream(b"x").url is None
    assert stream.content is stream
    with pytest.raises(AttributeError):
        stream.url = "other"  # type: ignore[misc]


@pytest.mark.asyncio
async def test_stream_readany_gives_64k_chunks(core: ModuleType) -> None:
    body = b"a" * 65536 * 2 + b"tail"
    stream = core.RawStream(body)
    sizes = []
    while chunk := await stream.readany():
        sizes.append(len(chunk))
    assert sizes == [65536, 65536, 4]


@pytest.mark.asyncio
async def test_stream_readexactly(core: ModuleType) -> None:
    stream = core.RawStream(b"abcdef")
    assert await stream.readexactly(0) == b""
    assert await stream.readexactly(3) == b"abc"
    incomplete = stream.readexactly(10)  # fails at the await, not here
    with pytest.raises(asyncio.IncompleteReadError) as info:
        await incomplete
    assert info.value.partial == b"def"
    assert info.value.expected == 10
    assert stream.at_eof()


def test_stream_readexactly_whole_body_is_shared(core: ModuleType) -> None:
    async def read() -> bytes:
        return await core.RawStream(BODY).readexactly(len(BODY))

    assert all(result is BODY for result in under_asyncio_and_trio(read))


@pytest.mark.asyncio
async def test_stream_readline(core: ModuleType) -> None:
    stream = core.RawStream(b"a\nbc\n\nd")
    lines = [await stream.readline() for _ in range(5)]
    assert lines == [b"a\n", b"bc\n", b"\n", b"d", b""]


@pytest.mark.asyncio
async def test_stream_readchunk(core: ModuleType) -> None:
    body = b"z" * 65537
    stream = core.RawStream(body)
    assert await stream.readchunk() == (b"z" * 65536, True)
    assert await stream.readchunk() == (b"z", True)
    assert await stream.readchunk() == (b"", False)
    assert await stream.readchunk() == (b"", False)


def test_stream_iterators_under_both_loops(core: ModuleType) -> None:
    async def collect() -> tuple[list[Any], list[Any], list[Any]]:
        chunked = [c async for c in core.RawStream(BODY).iter_chunked(4)]
        tuples = [c async for c in core.RawStream(BODY).iter_chunks()]
        anys = [c async for c in core.RawStream(BODY).iter_any()]
        return chunked, tuples, anys

    for chunked, tuples, anys in under_asyncio_and_trio(collect):
        assert chunked == [b"0123", b"4567", b"89"]
        assert tuples == [(BODY, True)]
        assert anys == [BODY]
        assert anys[0] is BODY


@pytest.mark.asyncio
async def test_stream_iterators_continue_from_the_position_and_stay_exhausted(
    core: ModuleType,
) -> None:
    body = b"x" * 65536 + b"yz"
    stream = core.RawStream(body)
    assert await stream.read(1) == b"x"
    iterator = stream.iter_chunks()
    assert iterator.__aiter__() is iterator
    assert [c async for c in iterator] == [(b"x" * 65535 + b"y", True), (b"z", True)]
    with pytest.raises(StopAsyncIteration):
        await iterator.__anext__()
    with pytest.raises(StopAsyncIteration):
        await iterator.__anext__()


@pytest.mark.asyncio
async def test_stream_iter_chunked_sizes(core: ModuleType) -> None:
    for n, expected in [(1, 10), (3, 4), (10, 1), (11, 1)]:
        chunks = [c async for c in core.RawStream(BODY).iter_chunked(n)]
        assert len(chunks) == expected
        assert b"".join(chunks) == BODY


def test_stream_reads_after_close_fail_at_the_await(core: ModuleType) -> None:
    async def attempt_all() -> list[str]:
        stream = core.RawStream(BODY)
        iterator = stream.iter_any()
        stream.close()
        pending: list[Awaitable[object]] = [
            stream.read(),
            stream.read(1),
            stream.readany(),
            stream.readexactly(1),
            stream.readline(),
            stream.readchunk(),
            iterator.__anext__(),
        ]
        messages = []
        for awaitable in pending:
            with pytest.raises(aiohttp.ClientConnectionError) as info:
                await awaitable
            messages.append(str(info.value))
        return messages

    for messages in under_asyncio_and_trio(attempt_all):
        assert messages == ["Connection closed"] * 7


@pytest.mark.asyncio
async def test_stream_closed_error_follows_configure(core: ModuleType) -> None:
    class Closed(Exception):
        pass

    stream = core.RawStream(BODY)
    stream.release()
    core.configure(**{**GLUE_CONFIG, "closed_error": Closed})
    with pytest.raises(Closed, match="Connection closed"):
        await stream.read()
    core.configure(**FALLBACK_CONFIG)
    with pytest.raises(RuntimeError, match="Connection closed"):
        await stream.read()


def test_stream_close_and_release(core: ModuleType) -> None:
    stream = core.RawStream(BODY)
    assert stream.closed is False
    assert returns_none(stream.close)
    assert stream.closed is True
    other = core.RawStream(BODY)
    assert returns_none(other.release)
    assert other.closed is True
    assert stream.at_eof() is False  # closing does not consume
    assert stream.tell() == 0


def test_stream_async_with_closes_and_does_not_swallow(core: ModuleType) -> None:
    async def use() -> tuple[bool, bool]:
        stream = core.RawStream(BODY)
        async with stream as entered:
            assert entered is stream
            assert await entered.read(2) == b"01"
        closed_normally = stream.closed
        failing = core.RawStream(BODY)
        with pytest.raises(KeyError):
            async with failing:
                raise KeyError("inside")
        return closed_normally, failing.closed

    assert under_asyncio_and_trio(use) == [(True, True), (True, True)]


@pytest.mark.asyncio
async def test_stream_aexit_resolves_to_none(core: ModuleType) -> None:
    stream = core.RawStream(BODY)
    assert await resolves_to_none(stream.__aexit__(None, None, None))
    assert await resolves_to_none(stream.__aexit__(ValueError, ValueError(), None))
    assert stream.closed


def test_stream_aclose_closes_and_resolves_to_none(core: ModuleType) -> None:
    async def use() -> tuple[bool, bool]:
        stream = core.RawStream(BODY)
        before = stream.closed
        assert await resolves_to_none(stream.aclose())
        with pytest.raises(aiohttp.ClientConnectionError):
            await stream.read()
        return before, stream.closed

    assert under_asyncio_and_trio(use) == [(False, True)] * 2


def test_stream_empty_body_reads_empty_after_close(core: ModuleType) -> None:
    # As aiohttp's shared empty payload, which close() does not touch.
    async def read_closed() -> list[object]:
        stream = core.RawStream(b"")
        stream.close()
        return [
            await stream.read(),
            await stream.read(5),
            await stream.readany(),
            await stream.readline(),
            await stream.readchunk(),
            [chunk async for chunk in stream.iter_chunked(4)],
        ]

    expected = [b"", b"", b"", b"", (b"", False), []]
    assert under_asyncio_and_trio(read_closed) == [expected] * 2


def test_stream_repr(core: ModuleType) -> None:
    stream = core.RawStream(BODY)
    assert repr(stream) == "<RawStream 0/10 bytes>"
    next_step = stream.read(4)
    with pytest.raises(StopIteration):
        next(next_step)
    stream.close()
    assert repr(stream) == "<RawStream 4/10 bytes closed>"
    assert repr(stream.iter_chunked(2)).startswith("<ChunkIterator iter_chunked of")


@needs_refcounts
def test_stream_refcounts_balance(core: ModuleType) -> None:
    body = b"refcounted body " * 10
    url = "https://example.invalid/" + "k" * 5

    def read_everything() -> None:
        stream = core.RawStream(body, url)
        pending = [
            stream.iter_chunked(2).__anext__(),
            stream.read(3),
            stream.iter_chunks().__anext__(),
            stream.read(),
            stream.readline(),
        ]
        for awaitable in pending:
            with pytest.raises(StopIteration):
                next(awaitable)
        with pytest.raises(StopAsyncIteration):
            next(stream.iter_any().__anext__())

    assert refcount_is_stable(body, read_everything)
    assert refcount_is_stable(url, read_everything)


def test_stream_and_iterator_are_gc_visible(core: ModuleType) -> None:
    class Url(str):
        pass

    sentinel = Sentinel()
    url = Url("https://example.invalid/")
    stream = core.RawStream(BODY, url)
    iterator = stream.iter_any()
    assert stream in gc.get_referents(iterator)
    assert url in gc.get_referents(stream)
    url.keep = (iterator, sentinel)  # type: ignore[attr-defined]
    ref = weakref.ref(sentinel)
    del sentinel, url, stream, iterator
    assert_collected(ref)


def test_stream_takes_attributes_forwarded_by_wrapt_proxies(core: ModuleType) -> None:
    stream = core.RawStream(BODY)
    stream._checksum = "set through a proxy"  # type: ignore[attr-defined]
    assert stream._checksum == "set through a proxy"  # type: ignore[attr-defined]
    assert vars(stream) == {"_checksum": "set through a proxy"}
    with pytest.raises(AttributeError):
        stream.closed = True  # type: ignore[misc]
    assert stream.closed is False


def test_stream_cycle_through_its_dict_is_collected(core: ModuleType) -> None:
    sentinel = Sentinel()
    stream = core.RawStream(BODY)
    stream.me = (stream, sentinel)  # type: ignore[attr-defined]
    ref = weakref.ref(sentinel)
    del sentinel, stream
    assert_collected(ref)


def test_stream_behind_aiobotocore_streaming_bodies(core: ModuleType) -> None:
    body = b"line one\nline two\n" * 200

    async def consume() -> tuple[bytes, list[bytes], bytes, bool]:
        whole = await StreamingBody(core.RawStream(body), str(len(body))).read()
        lines = [
            line
            async for line in StreamingBody(
                core.RawStream(body), str(len(body))
            ).iter_lines()
        ]
        checksum = Sha256Checksum()
        checksum.update(body)
        checked = StreamingChecksumBody(
            core.RawStream(body),
            str(len(body)),
            Sha256Checksum(),
            checksum.b64digest(),
        )
        parts = [await checked.read(1000) for _ in range(len(body) // 1000 + 2)]
        # aiobotocore 3.x's body keeps its own closed False and closes the
        # raw stream; 2.x's proxies closed to the raw stream.
        raw = core.RawStream(body)
        async with StreamingBody(raw, None):
            pass
        return whole, lines, b"".join(parts), raw.closed

    for whole, lines, checked, closed in under_asyncio_and_trio(consume):
        assert whole is body
        assert lines == [b"line one", b"line two"] * 200
        assert checked == body
        assert closed


@pytest.mark.asyncio
async def test_stream_closed_error_becomes_botocore_streaming_error(
    core: ModuleType,
) -> None:
    stream = core.RawStream(BODY)
    stream.close()
    with pytest.raises(ResponseStreamingError):
        await StreamingBody(stream, str(len(BODY))).read()


def test_chunk_iterator_cannot_be_built_directly(core: ModuleType) -> None:
    with pytest.raises(TypeError):
        core.ChunkIterator()
    assert core.ChunkIterator[bytes].__args__ == (bytes,)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# AsyncResponse


URL = "https://bucket.s3.amazonaws.com/key"


def test_response_attributes_and_case_insensitive_headers(core: ModuleType) -> None:
    body = b"<xml/>"
    response = core.AsyncResponse(URL, 200, {"Content-Type": "text/xml"}, body)
    assert response.url == URL
    assert response.status_code == 200
    assert isinstance(response.headers, HeadersDict)
    assert response.headers["content-type"] == "text/xml"
    assert response.headers["CONTENT-TYPE"] == "text/xml"
    assert response._content is body
    assert repr(response) == "<AsyncResponse [200]>"
    for name in ["url", "headers", "_content", "raw", "content", "text"]:
        with pytest.raises(AttributeError):
            setattr(response, name, None)


def test_response_keeps_headers_already_of_the_class(core: ModuleType) -> None:
    headers = HeadersDict({"A": "b"})
    response = core.AsyncResponse(URL, 204, headers, b"")
    assert response.headers is headers


def test_response_headers_as_given_before_configure(core: ModuleType) -> None:
    core.configure(**FALLBACK_CONFIG)
    headers = {"X-Thing": "1"}
    response = core.AsyncResponse(URL, 200, headers, b"")
    assert response.headers is headers


def test_response_headers_class_may_be_any_callable(core: ModuleType) -> None:
    core.configure(**{**GLUE_CONFIG, "headers_class": lambda h: sorted(h)})
    response = core.AsyncResponse(URL, 200, {"b": 1, "a": 2}, b"")
    assert response.headers == ["a", "b"]


def test_response_content_is_the_whole_body_every_time(core: ModuleType) -> None:
    body = b"payload" * 100

    async def consume() -> list[bytes]:
        response = core.AsyncResponse(URL, 200, {}, body)
        first = await response.content
        partial = await response.raw.read(3)
        assert partial == b"pay"
        return [first, await response.content, await response.content]

    for results in under_asyncio_and_trio(consume):
        assert all(result is body for result in results)


def test_response_text_decodes_with_the_header_charset(core: ModuleType) -> None:
    body = "héllo wörld".encode("latin-1")
    headers = {"Content-Type": "text/plain; charset=latin-1"}
    response = core.AsyncResponse(URL, 200, headers, body)

    async def text() -> str:
        return await response.text

    assert under_asyncio_and_trio(text) == ["héllo wörld"] * 2


@pytest.mark.asyncio
async def test_response_text_defaults_to_utf8(core: ModuleType) -> None:
    response = core.AsyncResponse(URL, 200, {}, "naïve ☃".encode())
    assert await response.text == "naïve ☃"
    core.configure(**FALLBACK_CONFIG)
    assert await response.text == "naïve ☃"


@pytest.mark.asyncio
async def test_response_text_errors_surface_at_the_await(core: ModuleType) -> None:
    response = core.AsyncResponse(URL, 200, {}, b"\xff\xfe bad")
    pending = response.text
    with pytest.raises(UnicodeDecodeError):
        await pending
    core.configure(**{**GLUE_CONFIG, "encoding_from_headers": lambda h: 42})
    with pytest.raises(TypeError, match="must return str or None"):
        await response.text
    core.configure(**{**GLUE_CONFIG, "encoding_from_headers": lambda h: "no-such"})
    with pytest.raises(LookupError):
        await response.text
    core.configure(**{**GLUE_CONFIG, "encoding_from_headers": lambda h: ""})
    with pytest.raises(UnicodeDecodeError, match="utf-8"):
        await response.text


@pytest.mark.asyncio
async def test_response_raw_is_created_lazily_and_cached(core: ModuleType) -> None:
    body = b"raw body"
    response = core.AsyncResponse(URL, 200, {}, body)
    assert not any(isinstance(o, core.RawStream) for o in gc.get_referents(response))
    raw = response.raw
    assert isinstance(raw, core.RawStream)
    assert raw in gc.get_referents(response)
    assert response.raw is raw
    assert raw.url == URL
    assert await raw.read() is body
    assert response.raw is raw
    assert await response.raw.read() == b""


@pytest.mark.asyncio
async def test_response_str_body_is_encoded_once(core: ModuleType) -> None:
    response = core.AsyncResponse(URL, 200, {}, "é")
    assert response._content == "é".encode()
    assert response._content is response._content
    assert await response.content is response._content
    assert await response.raw.read() is response._content


def test_response_bytes_like_bodies_are_copied_to_bytes(core: ModuleType) -> None:
    bodies: list[bytearray | memoryview] = [bytearray(b"ab"), memoryview(b"ab")]
    for body in bodies:
        response = core.AsyncResponse(URL, 200, {}, body)
        assert type(response._content) is bytes
        assert response._content == b"ab"


def test_response_status_code_can_be_rewritten_by_handlers(core: ModuleType) -> None:
    # botocore's _update_status_code and aiobotocore's check_for_200_error
    # assign to it.
    response = core.AsyncResponse(URL, 200, {}, b"")
    response.status_code = 500
    assert response.status_code == 500
    response.status_code = HTTPStatus.SERVICE_UNAVAILABLE
    assert type(response.status_code) is int
    assert repr(response) == "<AsyncResponse [503]>"
    with pytest.raises(TypeError, match="must be an int, not str"):
        response.status_code = "500"  # type: ignore[assignment]
    with pytest.raises(AttributeError, match="cannot delete"):
        del response.status_code
    assert response.status_code == 503


def test_response_status_code_is_an_exact_int(core: ModuleType) -> None:
    response = core.AsyncResponse(URL, HTTPStatus.NOT_FOUND, {}, b"")
    assert type(response.status_code) is int
    assert response.status_code == 404
    assert repr(response) == "<AsyncResponse [404]>"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((URL, 200, {}, 5), "body must be bytes or str, not int"),
        ((URL, 200, {}, None), "body must be bytes or str, not NoneType"),
        ((URL, "200", {}, b""), "status_code must be an int, not str"),
        ((b"url", 200, {}, b""), "url must be str, not bytes"),
    ],
)
def test_response_rejects_bad_arguments(
    core: ModuleType, args: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        core.AsyncResponse(*args)


def test_response_headers_class_errors_propagate(core: ModuleType) -> None:
    def refuse(headers: object) -> object:
        raise ValueError("bad headers")

    core.configure(**{**GLUE_CONFIG, "headers_class": refuse})
    with pytest.raises(ValueError, match="bad headers"):
        core.AsyncResponse(URL, 200, {}, b"")


@needs_refcounts
def test_response_refcounts_balance(core: ModuleType) -> None:
    body = b"counted response body"
    headers = HeadersDict({"a": "1"})
    url = URL + "?counted"

    def use() -> None:
        response = core.AsyncResponse(url, 200, headers, body)
        response.raw.close()
        for awaitable in [response.content, response.text]:
            with pytest.raises(StopIteration):
                next(awaitable)

    for obj in [body, headers, url]:
        assert refcount_is_stable(obj, use)


def test_response_cycle_through_headers_is_collected(core: ModuleType) -> None:
    core.configure(**FALLBACK_CONFIG)
    sentinel = Sentinel()
    headers: dict[str, object] = {"sentinel": sentinel}
    response = core.AsyncResponse(URL, 200, headers, b"")
    _ = response.raw
    headers["response"] = response
    ref = weakref.ref(sentinel)
    del sentinel, headers, response
    assert_collected(ref)


def test_configure_validates_and_requires_every_setting(core: ModuleType) -> None:
    with pytest.raises(TypeError, match="closed_error must be an exception class"):
        core.configure(**{**GLUE_CONFIG, "closed_error": "nope"})
    with pytest.raises(TypeError, match="headers_class must be callable"):
        core.configure(**{**GLUE_CONFIG, "headers_class": 3})
    with pytest.raises(TypeError, match="encoding_from_headers must be callable"):
        core.configure(**{**GLUE_CONFIG, "encoding_from_headers": 3})
    with pytest.raises(TypeError, match=r"missing .*required keyword"):
        core.configure(headers_class=None, encoding_from_headers=None)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        core.configure(None, None, None)  # type: ignore[call-arg]


@needs_refcounts
def test_configure_replaces_and_releases_old_settings(core: ModuleType) -> None:
    def headers_class(headers: object) -> object:
        return headers

    before = sys.getrefcount(headers_class)
    core.configure(**{**GLUE_CONFIG, "headers_class": headers_class})
    assert sys.getrefcount(headers_class) == before + 1
    core.configure(**GLUE_CONFIG)
    assert sys.getrefcount(headers_class) == before


# --------------------------------------------------------------------------
# Dispatcher


class FakeRequest:
    def __init__(self, method: str, url: str, body: object = None) -> None:
        self.method = method
        self.url = url
        self.body = body


class FakeStubber:
    """Stands in for Moto's BotocoreStubber."""

    def __init__(self, result: object = (200, {"Content-Type": "text/xml"}, b"<ok/>")):
        self.enabled = True
        self.result = result
        self.processed: list[object] = []

    def __call__(self, event_name: str, request: Any, **kwargs: Any) -> object:
        return ("sync", event_name, request, kwargs)

    def process_request(self, request: Any) -> object:
        self.processed.append(request)
        return self.result


class AsyncBody:
    def __init__(self, data: bytes) -> None:
        self.data = data

    async def read(self) -> bytes:
        return self.data


class Harness:
    """A FakeStubber subclass with a Dispatcher as its __call__."""

    def __init__(
        self,
        core: ModuleType,
        result: object = (200, {"Content-Type": "text/xml"}, b"<ok/>"),
    ) -> None:
        self.body_dispatches: list[tuple[object, ...]] = []

        async def body_dispatch(
            dispatcher: _core.Dispatcher,
            stubber: Any,
            request: Any,
            event_name: str | None,
        ) -> _core.AsyncResponse | None:
            self.body_dispatches.append((dispatcher, stubber, request))
            data = await request.body.read()
            return dispatcher.respond(
                stubber, FakeRequest("PUT", request.url, data), event_name
            )

        self.original = FakeStubber.__dict__["__call__"]
        self.dispatcher = core.Dispatcher(
            self.original, AioHierarchicalEmitter._emit.__code__, body_dispatch
        )
        self.stubber_class = type(
            "PatchedStubber", (FakeStubber,), {"__call__": self.dispatcher}
        )
        self.stubber = self.stubber_class(result)

    def async_emitter(self) -> AioHierarchicalEmitter:
        emitter = AioHierarchicalEmitter()
        emitter.register("before-send", self.stubber)
        return emitter


def test_dispatcher_sync_callers_get_the_original_behaviour(core: ModuleType) -> None:
    harness = Harness(core)
    stubber, request = harness.stubber, FakeRequest("GET", URL)
    assert stubber("ev", request, extra=1) == ("sync", "ev", request, {"extra": 1})
    assert stubber(event_name="ev", request=request) == ("sync", "ev", request, {})
    assert harness.stubber_class.__call__(stubber, "ev", request) == (
        "sync",
        "ev",
        request,
        {},
    )
    assert stubber.processed == []


def test_dispatcher_sync_emitter_gets_the_original_behaviour(core: ModuleType) -> None:
    harness = Harness(core)
    emitter = HierarchicalEmitter()
    emitter.register("before-send", harness.stubber)
    request = FakeRequest("GET", URL)
    [(handler, response)] = emitter.emit("before-send.s3.GetObject", request=request)
    assert handler is harness.stubber
    assert response == (
        "sync",
        "before-send.s3.GetObject",
        request,
        {},
    )


def test_dispatcher_plain_coroutines_get_the_original_behaviour(
    core: ModuleType,
) -> None:
    harness = Harness(core)
    request = FakeRequest("GET", URL)

    async def call() -> object:
        return harness.stubber("ev", request)

    assert under_asyncio_and_trio(call) == [("sync", "ev", request, {})] * 2


def test_dispatcher_async_emitter_gets_an_async_response(core: ModuleType) -> None:
    harness = Harness(core)
    request = FakeRequest("PUT", URL, b"<in/>")

    async def emit() -> list[tuple[Any, Any]]:
        result: list[tuple[Any, Any]] = await harness.async_emitter().emit(
            "before-send.s3.PutObject", request=request
        )
        return result

    for [(handler, response)] in under_asyncio_and_trio(emit):
        assert handler is harness.stubber
        assert isinstance(response, core.AsyncResponse)
        assert response.url == URL
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/xml"
        assert response._content == b"<ok/>"
    assert harness.stubber.processed == [request, request]
    assert harness.body_dispatches == []


@pytest.mark.asyncio
async def test_dispatcher_in_memory_bodies_skip_the_body_coroutine(
    core: ModuleType,
) -> None:
    harness = Harness(core)
    emitter = harness.async_emitter()
    for body in [None, b"bytes", bytearray(b"array"), "text"]:
        request = FakeRequest("PUT", URL, body)
        handler, response = await emitter.emit_until_response(
            "before-send.s3.PutObject", request=request
        )
        assert handler is harness.stubber
        assert isinstance(response, core.AsyncResponse)
        assert harness.stubber.processed[-1] is request
    assert harness.body_dispatches == []


def test_dispatcher_async_body_goes_through_the_coroutine(core: ModuleType) -> None:
    harness = Harness(core)
    request = FakeRequest("PUT", URL, AsyncBody(b"streamed"))

    async def emit() -> Any:
        return await harness.async_emitter().emit_until_response(
            "before-send.s3.PutObject", request=request
        )

    for _, response in under_asyncio_and_trio(emit):
        assert isinstance(response, core.AsyncResponse)
        assert response._content == b"<ok/>"
    assert (
        harness.body_dispatches == [(harness.dispatcher, harness.stubber, request)] * 2
    )
    processed = harness.stubber.processed
    assert [r.body for r in processed] == [b"streamed", b"streamed"]


@pytest.mark.asyncio
async def test_dispatcher_disabled_or_unhandled_gives_none(core: ModuleType) -> None:
    harness = Harness(core)
    emitter = harness.async_emitter()
    harness.stubber.enabled = False
    for body in [b"", AsyncBody(b"x")]:
        responses = await emitter.emit(
            "before-send.s3.PutObject", request=FakeRequest("PUT", URL, body)
        )
        assert responses == [(harness.stubber, None)]
    assert harness.stubber.processed == []
    assert harness.body_dispatches == []
    harness.stubber.enabled = True
    harness.stubber.result = None
    responses = await emitter.emit(
        "before-send.s3.PutObject", request=FakeRequest("PUT", URL)
    )
    assert responses == [(harness.stubber, None)]
    assert len(harness.stubber.processed) == 1


@pytest.mark.asyncio
async def test_dispatcher_with_a_real_botocore_request(core: ModuleType) -> None:
    harness = Harness(core, (404, {"x-amz-id": "1"}, "Not yet implemented"))
    request = AWSPreparedRequest(
        method="GET", url=URL, headers={}, body=None, stream_output=False
    )
    _, response = await harness.async_emitter().emit_until_response(
        "before-send.s3.GetObject", request=request
    )
    assert response.status_code == 404
    assert response.headers["X-AMZ-ID"] == "1"
    assert await response.text == "Not yet implemented"


@pytest.mark.asyncio
async def test_dispatcher_async_path_errors(core: ModuleType) -> None:
    harness = Harness(core)
    emitter = harness.async_emitter()
    with pytest.raises(TypeError, match="'request'"):
        await emitter.emit("before-send.s3.PutObject")
    for bad, message in [
        (5, "must return None or"),
        ((200, {}), "not 2 items"),
        ([200, {}, b"", 1], "not 4 items"),
    ]:
        harness.stubber.result = bad
        with pytest.raises(TypeError, match=message):
            await emitter.emit(
                "before-send.s3.PutObject", request=FakeRequest("PUT", URL)
            )
    harness.stubber.result = [201, {}, b"list is fine"]
    [(_, response)] = await emitter.emit(
        "before-send.s3.PutObject", request=FakeRequest("PUT", URL)
    )
    assert response.status_code == 201


def test_dispatcher_respond_directly(core: ModuleType) -> None:
    harness = Harness(core)
    stubber = harness.stubber
    response = harness.dispatcher.respond(stubber, FakeRequest("GET", URL))
    assert isinstance(response, core.AsyncResponse)
    assert response.url == URL
    stubber.enabled = False
    assert harness.dispatcher.respond(stubber, FakeRequest("GET", URL)) is None
    with pytest.raises(TypeError, match="respond"):
        harness.dispatcher.respond(stubber)  # type: ignore[call-arg]
    with pytest.raises(AttributeError):
        harness.dispatcher.respond(object(), FakeRequest("GET", URL))  # type: ignore[arg-type]


def test_dispatcher_descriptor_and_wrapped(core: ModuleType) -> None:
    harness = Harness(core)
    assert harness.stubber_class.__call__ is harness.dispatcher
    assert harness.dispatcher.__get__(None, harness.stubber_class) is harness.dispatcher
    bound = harness.stubber.__call__
    assert bound.__self__ is harness.stubber
    assert bound.__func__ is harness.dispatcher
    assert harness.dispatcher.__wrapped__ is harness.original
    assert inspect.signature(harness.dispatcher) == inspect.signature(harness.original)
    with pytest.raises(AttributeError):
        harness.dispatcher.__wrapped__ = None
    assert repr(harness.dispatcher) == f"<Dispatcher wrapping {harness.original!r}>"


def test_dispatcher_constructor_validates(core: ModuleType) -> None:
    code = AioHierarchicalEmitter._emit.__code__

    async def dispatch(*args: Any) -> None:
        return None

    with pytest.raises(TypeError, match="original_call must be callable"):
        core.Dispatcher(1, code, dispatch)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="async_body_dispatch must be callable"):
        core.Dispatcher(print, code, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="code"):
        core.Dispatcher(print, dispatch, dispatch)  # type: ignore[arg-type]


@needs_refcounts
def test_dispatcher_refcounts_balance(core: ModuleType) -> None:
    harness = Harness(core)
    stubber = harness.stubber
    request = FakeRequest("PUT", URL, b"counted")
    emitter = harness.async_emitter()

    def call_sync() -> None:
        stubber("ev", request, extra=1)

    def call_async() -> None:
        coro = emitter.emit("before-send.s3.PutObject", request=request)
        with pytest.raises(StopIteration):
            coro.send(None)
        stubber.processed.clear()

    assert refcount_is_stable(request, call_sync)
    assert refcount_is_stable(request, call_async)
    assert refcount_is_stable(stubber, call_async)


def test_dispatcher_cycle_is_collected(core: ModuleType) -> None:
    sentinel = Sentinel()
    holder: dict[str, object] = {"sentinel": sentinel}

    async def dispatch(*args: Any) -> None:
        return None

    dispatcher = core.Dispatcher(
        FakeStubber.__dict__["__call__"],
        AioHierarchicalEmitter._emit.__code__,
        dispatch,
    )
    dispatch.holder = holder  # type: ignore[attr-defined]
    holder["dispatcher"] = dispatcher
    assert dispatch in gc.get_referents(dispatcher)
    ref = weakref.ref(sentinel)
    del sentinel, holder, dispatcher, dispatch
    assert_collected(ref)


def test_dispatcher_deferred_events_go_to_their_handler(core: ModuleType) -> None:
    calls: list[tuple[object, ...]] = []

    async def wait_then_respond(
        dispatcher: _core.Dispatcher, stubber: Any, request: Any, event_name: Any
    ) -> _core.AsyncResponse | None:
        calls.append((dispatcher, stubber, request, event_name))
        return dispatcher.respond(stubber, request, event_name)

    async def body_dispatch(*args: Any) -> None:
        raise AssertionError("in-memory bodies never come here")

    dispatcher = core.Dispatcher(
        FakeStubber.__dict__["__call__"],
        AioHierarchicalEmitter._emit.__code__,
        body_dispatch,
        {"before-send.sqs.ReceiveMessage": wait_then_respond},
    )
    stubber = type("PatchedStubber", (FakeStubber,), {"__call__": dispatcher})()
    emitter = AioHierarchicalEmitter()
    emitter.register("before-send", stubber)
    request = FakeRequest("POST", URL, b"{}")

    def emitting(event_name: str) -> Callable[[], Awaitable[Any]]:
        async def emit() -> Any:
            return await emitter.emit_until_response(event_name, request=request)

        return emit

    for handler, response in under_asyncio_and_trio(
        emitting("before-send.sqs.ReceiveMessage")
    ):
        assert handler is stubber
        assert isinstance(response, core.AsyncResponse)
        assert response._content == b"<ok/>"
    assert (
        calls == [(dispatcher, stubber, request, "before-send.sqs.ReceiveMessage")] * 2
    )
    assert stubber.processed == [request] * 2

    calls.clear()
    for _, response in under_asyncio_and_trio(emitting("before-send.sqs.SendMessage")):
        assert isinstance(response, core.AsyncResponse)
    assert calls == []
    assert len(stubber.processed) == 4

    # Sync callers keep Moto's behaviour; a disabled stubber answers None
    # before any handler runs.
    assert stubber("before-send.sqs.ReceiveMessage", request) == (
        "sync",
        "before-send.sqs.ReceiveMessage",
        request,
        {},
    )
    stubber.enabled = False
    assert (
        under_asyncio_and_trio(emitting("before-send.sqs.ReceiveMessage"))
        == [(stubber, None)] * 2
    )
    assert calls == []
    assert len(stubber.processed) == 4


def test_dispatcher_deferred_handler_errors_propagate(core: ModuleType) -> None:
    async def fail(*args: Any) -> None:
        raise LookupError("from the handler")

    async def body_dispatch(*args: Any) -> None:
        return None

    dispatcher = core.Dispatcher(
        FakeStubber.__dict__["__call__"],
        AioHierarchicalEmitter._emit.__code__,
        body_dispatch,
        {"before-send.sqs.ReceiveMessage": fail},
    )
    stubber = type("PatchedStubber", (FakeStubber,), {"__call__": dispatcher})()
    emitter = AioHierarchicalEmitter()
    emitter.register("before-send", stubber)

    async def emit() -> Any:
        return await emitter.emit(
            "before-send.sqs.ReceiveMessage", request=FakeRequest("POST", URL)
        )

    with pytest.raises(LookupError, match="from the handler"):
        asyncio.run(emit())
    with pytest.raises(LookupError, match="from the handler"):
        trio.run(emit)
    assert stubber.processed == []


# --------------------------------------------------------------------------
# The module: the C core's state is per module object, so per interpreter.
# The Python core is an ordinary module; only the subinterpreter test applies.


def fresh_core() -> ModuleType:
    """A second module object for aiomoto._core, made as a new interpreter's
    import would make it, without touching sys.modules."""
    spec = importlib.util.find_spec("aiomoto._core")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_module_object_keeps_its_own_configuration(c_core: ModuleType) -> None:
    class Closed(Exception):
        pass

    other = fresh_core()
    other.configure(headers_class=None, encoding_from_headers=None, closed_error=Closed)
    stream = other.RawStream(b"body")
    stream.close()
    with pytest.raises(Closed):
        asyncio.run(stream.read())
    # The module aiomoto imported still answers with its own settings.
    ours = c_core.RawStream(b"body")
    ours.close()
    with pytest.raises(aiohttp.ClientConnectionError):
        asyncio.run(ours.read())
    response = c_core.AsyncResponse("u", 200, {"a": "b"}, b"")
    assert isinstance(response.headers, HeadersDict)
    assert type(other.AsyncResponse("u", 200, {"a": "b"}, b"").headers) is dict


def test_each_module_object_has_its_own_types(c_core: ModuleType) -> None:
    other = fresh_core()
    assert other.Ready is not c_core.Ready
    assert type(other.AsyncResponse("u", 200, {}, b"x").raw) is other.RawStream
    assert type(c_core.Ready(1)) is c_core.Ready
    assert asyncio.run(_await(other.Ready("v"))) == "v"


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


def test_a_dropped_module_object_is_collected_with_its_types(
    c_core: ModuleType,
) -> None:
    other = fresh_core()
    other.configure(headers_class=dict, encoding_from_headers=None, closed_error=None)
    ready = other.Ready(other.RawStream(b"x"))
    module_ref = weakref.ref(other)
    type_ref = weakref.ref(other.Ready)
    del other
    gc.collect()
    assert module_ref() is not None  # its instances keep their types alive
    del ready
    gc.collect()
    assert module_ref() is None
    assert type_ref() is None


def subinterpreters() -> Any:
    for name in ("_interpreters", "_xxsubinterpreters"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    pytest.skip("this Python has no subinterpreter module to run the test in")


# Run in another interpreter: it imports the core (an isolated one where
# the Python makes those by default, which only modules declaring
# per-interpreter-GIL support may be imported into), configures it with a
# class of its own and uses every per-request type.
SUBINTERPRETER_CODE = """
import asyncio, sys
sys.path[:] = {path!r}
import {module} as core

class Closed(Exception):
    pass

core.configure(headers_class=dict, encoding_from_headers=None, closed_error=Closed)
response = core.AsyncResponse("u", 200, [("a", "b")], b"line\\nrest")

async def main():
    assert await response.content == b"line\\nrest"
    assert await response.text == "line\\nrest"
    assert await response.raw.readline() == b"line\\n"
    response.raw.close()
    try:
        await response.raw.read()
    except Closed:
        return
    raise AssertionError("a closed stream was read")

asyncio.run(main())
assert response.headers == {{"a": "b"}}
lock = core.DispatchLock()
with lock:
    assert lock._is_owned()
"""


def test_the_core_runs_in_a_subinterpreter_without_touching_ours(
    core: ModuleType,
) -> None:
    interpreters = subinterpreters()
    interp = interpreters.create()
    try:
        # Raises on 3.12 and older when the code fails; returns the failure
        # from 3.13 on.
        failure = interpreters.run_string(
            interp, SUBINTERPRETER_CODE.format(path=sys.path, module=core.__name__)
        )
    finally:
        interpreters.destroy(interp)
    assert failure is None
    # The other interpreter, now gone, configured its own module state only.
    stream = core.RawStream(b"body")
    stream.close()
    with pytest.raises(aiohttp.ClientConnectionError):
        asyncio.run(_await(stream.read()))
    assert isinstance(core.AsyncResponse("u", 200, {}, b"").headers, HeadersDict)


# --------------------------------------------------------------------------
# Differential: both cores, the same inputs, the same outcomes


@pytest.fixture(scope="module")
def both_cores(c_core: ModuleType) -> tuple[ModuleType, ModuleType]:
    return c_core, load_core("python")


class Odd(Exception):
    def __new__(cls, *args: object) -> Any:
        return 42


def _traceback() -> TracebackType:
    try:
        raise KeyError("for its traceback")
    except KeyError as exc:
        assert exc.__traceback__ is not None
        return exc.__traceback__


def _holding(core: ModuleType) -> Any:
    lock = core.DispatchLock()
    lock.acquire()
    return lock


def _not_implemented_explained_by(
    core: ModuleType, explanation: object
) -> Callable[[], object]:
    def original_call(stubber: object, event_name: str, request: Any) -> Any:
        raise NotImplementedError("lacking")

    async def body_dispatch(*args: object) -> None:
        return None

    dispatcher = core.Dispatcher(
        original_call,
        AioHierarchicalEmitter._emit.__code__,
        body_dispatch,
        not_implemented=lambda name, error: explanation,
    )
    return lambda: dispatcher(object(), "before-send.svc.Op", FakeRequest("GET", URL))


def _respond_with(
    core: ModuleType, result: object, not_implemented: object = None
) -> Callable[[], object]:
    async def body_dispatch(*args: object) -> None:
        return None

    dispatcher = core.Dispatcher(
        FakeStubber.__dict__["__call__"],
        AioHierarchicalEmitter._emit.__code__,
        body_dispatch,
        not_implemented=not_implemented,
    )
    stubber = FakeStubber(result)
    return lambda: dispatcher.respond(stubber, FakeRequest("GET", URL), "e")


def _emit_without_request(core: ModuleType) -> Callable[[], object]:
    harness = Harness(core)

    async def emit() -> object:
        return await harness.async_emitter().emit("before-send.s3.PutObject")

    return lambda: asyncio.run(emit())


def _read_closed(core: ModuleType) -> Any:
    stream = core.RawStream(BODY)
    stream.close()
    return stream.read()


def _set_status(core: ModuleType, value: object) -> Callable[[], object]:
    def assign() -> None:
        core.AsyncResponse(URL, 200, {}, b"").status_code = value

    return assign


def _delete_status(core: ModuleType) -> Callable[[], object]:
    def delete() -> None:
        del core.AsyncResponse(URL, 200, {}, b"").status_code

    return delete


def _text_with_encoding(core: ModuleType, encoding: object) -> Callable[[], object]:
    def text() -> object:
        core.configure(**{**GLUE_CONFIG, "encoding_from_headers": lambda h: encoding})
        return core.AsyncResponse(URL, 200, {}, b"\xff body").text

    return text


# Each row: what to call, given a core.  Between them they reach every error
# message the C core formats, and the values and reprs around them.
SAME_OUTCOMES: dict[str, Callable[[ModuleType], Callable[[], object]]] = {
    "Ready.failed(non-exception)": lambda c: lambda: c.Ready.failed(1),
    "Ready repr": lambda c: lambda: repr(c.Ready((1, c.Ready(None)))),
    "failed Ready repr": lambda c: lambda: repr(c.Ready.failed(KeyError("k"))),
    "throw(instance, value)": lambda c: (
        lambda: c.Ready(1).throw(ValueError("x"), "value")
    ),
    "throw(non-exception)": lambda c: lambda: c.Ready(1).throw(1),
    "throw(class, None, non-traceback)": lambda c: (
        lambda: c.Ready(1).throw(ValueError, None, 5)
    ),
    "throw(class building a non-exception)": lambda c: lambda: c.Ready(1).throw(Odd),
    "throw(class, tuple, traceback)": lambda c: (
        lambda: c.Ready(1).throw(ValueError, ("a", "b"), _traceback())
    ),
    "RawStream(str)": lambda c: lambda: c.RawStream("text"),
    "RawStream(body, int)": lambda c: lambda: c.RawStream(b"", 5),
    "read(str)": lambda c: lambda: c.RawStream(BODY).read("x"),
    "read(huge)": lambda c: lambda: c.RawStream(BODY).read(2**100),
    "read(-huge)": lambda c: lambda: c.RawStream(BODY).read(-(2**100)),
    "readexactly(-1)": lambda c: lambda: c.RawStream(BODY).readexactly(-1),
    "readexactly(float)": lambda c: lambda: c.RawStream(BODY).readexactly(1.5),
    "readexactly(past the end)": lambda c: lambda: c.RawStream(BODY).readexactly(11),
    "readexactly(huge)": lambda c: lambda: c.RawStream(BODY).readexactly(2**100),
    "iter_chunked(0)": lambda c: lambda: c.RawStream(BODY).iter_chunked(0),
    "iter_chunked(-huge)": lambda c: lambda: c.RawStream(BODY).iter_chunked(-(2**100)),
    "iter_chunked(str)": lambda c: lambda: c.RawStream(BODY).iter_chunked("4"),
    "ChunkIterator repr": lambda c: lambda: repr(c.RawStream(BODY).iter_chunked(3)),
    "ChunkIterator()": lambda c: lambda: c.ChunkIterator(),
    "read when closed": lambda c: lambda: _read_closed(c),
    "readchunk at EOF": lambda c: lambda: c.RawStream(b"").readchunk(),
    "aenter": lambda c: lambda: c.RawStream(BODY).__aenter__(),
    "StopAsyncIteration": lambda c: lambda: c.RawStream(b"").iter_any().__anext__(),
    "AsyncResponse(url bytes)": lambda c: lambda: c.AsyncResponse(b"u", 200, {}, b""),
    "AsyncResponse(status str)": lambda c: lambda: c.AsyncResponse("u", "200", {}, b""),
    "AsyncResponse(body int)": lambda c: lambda: c.AsyncResponse("u", 200, {}, 5),
    "AsyncResponse(body str)": lambda c: (
        lambda: c.AsyncResponse("u", 200, {}, "é")._content
    ),
    "AsyncResponse repr": lambda c: (
        lambda: repr(c.AsyncResponse("u", HTTPStatus.NOT_FOUND, {}, b""))
    ),
    "status_code = str": lambda c: _set_status(c, "500"),
    "del status_code": _delete_status,
    "text, undecodable": lambda c: _text_with_encoding(c, None),
    "text, encoding int": lambda c: _text_with_encoding(c, 42),
    "text, unknown encoding": lambda c: _text_with_encoding(c, "no-such"),
    "text, latin-1": lambda c: _text_with_encoding(c, "latin-1"),
    "configure(headers_class=3)": lambda c: (
        lambda: c.configure(**{**GLUE_CONFIG, "headers_class": 3})
    ),
    "configure(encoding_from_headers=3)": lambda c: (
        lambda: c.configure(**{**GLUE_CONFIG, "encoding_from_headers": 3})
    ),
    "configure(closed_error=str)": lambda c: (
        lambda: c.configure(**{**GLUE_CONFIG, "closed_error": "nope"})
    ),
    "Dispatcher(code not code)": lambda c: lambda: c.Dispatcher(print, print, print),
    "Dispatcher(deferred list)": lambda c: (
        lambda: c.Dispatcher(print, (lambda: None).__code__, print, [])
    ),
    "Dispatcher(original 1)": lambda c: (
        lambda: c.Dispatcher(1, (lambda: None).__code__, print)
    ),
    "Dispatcher(body dispatch 1)": lambda c: (
        lambda: c.Dispatcher(print, (lambda: None).__code__, 1)
    ),
    "Dispatcher(not_implemented 3)": lambda c: (
        lambda: c.Dispatcher(print, (lambda: None).__code__, print, not_implemented=3)
    ),
    "Dispatcher(lock RLock)": lambda c: (
        lambda: c.Dispatcher(
            print, (lambda: None).__code__, print, lock=threading.RLock()
        )
    ),
    "Dispatcher(max_body_bytes str)": lambda c: (
        lambda: c.Dispatcher(print, (lambda: None).__code__, print, max_body_bytes="5")
    ),
    "Dispatcher(max_body_bytes -5)": lambda c: (
        lambda: c.Dispatcher(print, (lambda: None).__code__, print, max_body_bytes=-5)
    ),
    "Dispatcher(max_body_bytes huge)": lambda c: (
        lambda: c.Dispatcher(
            print, (lambda: None).__code__, print, max_body_bytes=2**100
        )
    ),
    "Dispatcher repr and attributes": lambda c: (
        lambda: (
            repr(
                c.Dispatcher(print, (lambda: None).__code__, print, max_body_bytes=True)
            ),
            c.Dispatcher(print, (lambda: None).__code__, print).max_body_bytes,
        )
    ),
    "Dispatcher.__get__(None, None)": lambda c: (
        lambda: c.Dispatcher(print, (lambda: None).__code__, print).__get__(None, None)
    ),
    "respond: not a sequence": lambda c: _respond_with(c, 5),
    "respond: two items": lambda c: _respond_with(c, (200, {})),
    "respond: from a generator": lambda c: _respond_with(
        c, iter([201, {"a": "b"}, b"x"])
    ),
    "respond: not yet implemented": lambda c: _respond_with(
        c, (404, {}, b"Not yet implemented"), lambda name, error: None
    ),
    "emit without a request": _emit_without_request,
    "hook returns a non-exception": lambda c: _not_implemented_explained_by(c, "x"),
    "hook returns an exception": lambda c: _not_implemented_explained_by(
        c, KeyError("explained")
    ),
    "hook returns None": lambda c: _not_implemented_explained_by(c, None),
    "release un-acquired": lambda c: lambda: c.DispatchLock().release(),
    "_acquire_restore(-1)": lambda c: lambda: c.DispatchLock()._acquire_restore(-1),
    "_acquire_restore(str)": lambda c: lambda: c.DispatchLock()._acquire_restore("1"),
    "_acquire_restore(huge)": lambda c: (
        lambda: c.DispatchLock()._acquire_restore(2**100)
    ),
    "_acquire_restore while holding": lambda c: lambda: _holding(c)._acquire_restore(1),
    "DispatchLock repr": lambda c: (
        lambda: (
            repr(c.DispatchLock()),
            repr(_holding(c)).replace(str(threading.get_ident()), "ME"),
        )
    ),
}


@pytest.mark.parametrize("case", sorted(SAME_OUTCOMES))
def test_both_cores_give_the_same_outcome(
    both_cores: tuple[ModuleType, ModuleType], case: str
) -> None:
    outcomes = []
    for core in both_cores:
        outcomes.append(outcome(SAME_OUTCOMES[case](core)))
        core.configure(**GLUE_CONFIG)
    c_outcome, python_outcome = outcomes
    assert python_outcome == c_outcome


class Original:
    """A stubber's __call__ that holds a value."""

    def __init__(self, held: object) -> None:
        self.held = held

    def __call__(self, *args: Any) -> Any:
        return None


async def no_body_dispatch(*args: Any) -> None:
    return None


def _work(core: ModuleType, held: Sentinel) -> None:
    """A request's worth of use of every type, all holding held."""
    dispatcher = core.Dispatcher(
        Original(held),
        AioHierarchicalEmitter._emit.__code__,
        no_body_dispatch,
        lock=core.DispatchLock(),
    )
    stubber = FakeStubber((200, {"held": held}, b"body\nmore"))
    assert dispatcher(stubber, "ev", FakeRequest("GET", URL)) is None
    response = dispatcher.respond(stubber, FakeRequest("GET", URL))
    assert settle(response.content) == b"body\nmore"
    assert settle(response.text) == "body\nmore"
    raw = response.raw
    assert settle(raw.readline()) == b"body\n"
    assert settle(raw.iter_chunked(2).__anext__()) == b"mo"
    assert settle(core.Ready(held)) is held


def test_what_a_core_holds_is_freed_with_it(core: ModuleType) -> None:
    """Ordinary use leaves no cycle: on a refcounting Python what the core's
    objects hold goes with them, before any collection."""
    held = Sentinel()
    ref = weakref.ref(held)
    core.configure(**FALLBACK_CONFIG)  # the headers dict, as given, holds it too
    _work(core, held)
    del held
    if hasattr(sys, "getrefcount"):
        assert ref() is None
    assert_collected(ref)


def test_a_core_leaves_no_objects_of_its_types_behind(core: ModuleType) -> None:
    types = tuple(
        getattr(core, name)
        for name in ("Ready", "RawStream", "ChunkIterator", "AsyncResponse")
    )

    def live() -> int:
        gc.collect()
        return sum(type(o) in types for o in gc.get_objects())

    before = live()
    for _ in range(20):
        _work(core, Sentinel())
    # At most as many: on PyPy objects earlier tests left for a later
    # collection can go during the loop.
    assert live() <= before
