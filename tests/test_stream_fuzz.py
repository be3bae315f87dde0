"""Property-based tests: the response streams agree with plain bytes slicing.

Hypothesis drives each core's ``RawStream`` (the C extension's and the
Python twin's) and aiobotocore's streaming bodies wrapped around it
(``StreamingBody``, and ``StreamingChecksumBody`` wrapped over it again)
with random sequences of reads of random sizes, interleaved
``iter_chunks``/``iter_chunked``/``iter_any``/line reads, ``at_eof`` and
``tell`` calls and random closes, over empty, small, line-heavy, chunk-sized
and multi-megabyte bodies.  A reference model -- the body as ``bytes``, a
position and a closed flag -- predicts every result and every error.

The streams' awaitables never suspend, so each is driven here by hand
(``resolve``), which also checks that none of them ever suspends.
"""

from __future__ import annotations

import asyncio
import base64
import sys
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import boto3
import pytest
from aiobotocore.httpchecksum import StreamingChecksumBody
from aiobotocore.response import StreamingBody
from aiobotocore.session import get_session
from botocore.exceptions import ResponseStreamingError
from botocore.httpchecksum import Crc32Checksum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aiomoto

if TYPE_CHECKING:
    from aiomoto import _core

T = TypeVar("T")

CHUNK = 65536  # RawStream's chunk size, as aiohttp's buffers
SETTINGS = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def resolve(awaitable: Awaitable[T]) -> T:
    """The result of an awaitable that must complete without suspending."""
    iterator = awaitable.__await__()
    try:
        iterator.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    raise AssertionError(f"{awaitable!r} suspended")


def anext_of(iterator: Any) -> Any:
    return resolve(iterator.__anext__())


# --- bodies and sizes ---------------------------------------------------------


def patterned(size: int) -> bytes:
    """A body of the given size whose every position is distinguishable."""
    unit = bytes(range(256)) + b"\nline\r\n"
    return (unit * (size // len(unit) + 1))[:size]


BODIES = st.one_of(
    st.just(b""),
    st.binary(max_size=300),
    st.lists(
        st.sampled_from([b"a", b"bc", b"\n", b"\r", b"\r\n", b"\x00", b"line"]),
        max_size=120,
    ).map(b"".join),
    st.integers(CHUNK - 3, 3 * CHUNK + 3).map(patterned),
    st.integers(4 * 1024 * 1024, 4 * 1024 * 1024 + 100).map(patterned),
)
SIZES = st.one_of(
    st.integers(-3, 80),
    st.integers(CHUNK - 2, CHUNK + 2),
    st.integers(0, 5_000_000),
    st.sampled_from([sys.maxsize, 2**70, -(2**70)]),
)


# --- the reference model --------------------------------------------------------


class Closed(Exception):
    """The model's outcome for a read of a closed stream."""


@dataclass
class Model:
    body: bytes
    position: int = 0
    closed: bool = False

    @property
    def remaining(self) -> int:
        return len(self.body) - self.position

    def take(self, n: int) -> bytes:
        """Consume up to n bytes (all the rest if n < 0)."""
        if self.closed and self.body:
            # aiohttp: a closed connection fails the read; an empty body's
            # shared empty reader keeps answering b"".
            raise Closed
        if n < 0:
            n = self.remaining
        chunk = self.body[self.position : self.position + n]
        self.position += len(chunk)
        return chunk


def clamp(n: int) -> int:
    return max(min(n, sys.maxsize), -sys.maxsize - 1)


def outcome(call: Callable[[], T]) -> T | type[BaseException]:
    """A call's result, or the class of what it raised (compared by kind)."""
    try:
        return call()
    except Closed:
        return Closed
    except aiohttp.ClientConnectionError:
        return Closed
    except ResponseStreamingError:
        return Closed
    except asyncio.IncompleteReadError as error:
        return ("incomplete", error.partial, error.expected)  # type: ignore[return-value]
    except (StopAsyncIteration, ValueError) as error:
        return type(error)


# --- RawStream ------------------------------------------------------------------


def model_raw(model: Model, op: tuple[Any, ...]) -> Any:
    name, *args = op
    if name == "read":
        return model.take(clamp(args[0]) if args else -1)
    if name == "readany":
        return model.take(CHUNK)
    if name == "readexactly":
        n = clamp(args[0])
        if n < 0:
            raise ValueError
        if n <= model.remaining or (model.closed and model.body):
            return model.take(n)
        return ("incomplete", model.take(n), n)
    if name == "readline":
        if model.closed and model.body:
            raise Closed
        end = model.body.find(b"\n", model.position)
        return model.take(end + 1 - model.position if end >= 0 else -1)
    if name == "readchunk":
        more = model.remaining > 0
        return (model.take(CHUNK), more)
    if name in ("iter_chunks", "iter_chunked", "iter_any"):
        size, count = args
        if name == "iter_chunked" and clamp(size) <= 0:
            raise ValueError
        chunk_size = clamp(size) if name == "iter_chunked" else CHUNK
        items = []
        for _ in range(count):
            if model.closed and model.body:
                raise Closed
            if model.remaining == 0:
                items.append(StopAsyncIteration)
                break
            chunk = model.take(chunk_size)
            items.append((chunk, True) if name == "iter_chunks" else chunk)
        return items
    if name in ("close", "release", "aclose", "aexit"):
        model.closed = True
        return None
    if name in ("at_eof", "is_eof"):
        return model.remaining == 0
    if name == "tell":
        return model.position
    raise AssertionError(name)


def apply_raw(stream: _core.RawStream, op: tuple[Any, ...]) -> Any:
    name, *args = op
    target = stream.content if len(args) % 2 else stream  # both faces
    if name == "read":
        return resolve(target.read(*args))
    if name in ("readany", "readline", "readchunk"):
        return resolve(getattr(target, name)())
    if name == "readexactly":
        return resolve(target.readexactly(args[0]))
    if name in ("iter_chunks", "iter_chunked", "iter_any"):
        size, count = args
        iterator = (
            stream.iter_chunked(size)
            if name == "iter_chunked"
            else getattr(stream, name)()
        )
        items: list[Any] = []
        for _ in range(count):
            try:
                items.append(anext_of(iterator))
            except StopAsyncIteration:
                items.append(StopAsyncIteration)
                break
        return items
    if name in ("close", "release"):
        return getattr(stream, name)()
    if name == "aclose":
        return resolve(stream.aclose())  # type: ignore[attr-defined]
    if name == "aexit":
        return resolve(stream.__aexit__(None, None, None))
    return getattr(stream, name)()


RAW_OPS = st.one_of(
    st.tuples(st.just("read"), SIZES),
    st.tuples(st.just("read")),
    st.tuples(st.sampled_from(["readany", "readline", "readchunk"])),
    st.tuples(st.just("readexactly"), SIZES),
    st.tuples(
        st.sampled_from(["iter_chunks", "iter_chunked", "iter_any"]),
        st.one_of(st.integers(-1, 100), st.integers(CHUNK - 1, 3 * CHUNK)),
        st.integers(0, 5),
    ),
    st.tuples(st.sampled_from(["at_eof", "is_eof", "tell"])),
    st.tuples(st.sampled_from(["close", "release", "aclose", "aexit"])),
)


@SETTINGS
@given(body=BODIES, ops=st.lists(RAW_OPS, max_size=25))
def test_raw_stream_agrees_with_bytes_slicing(
    core: ModuleType, body: bytes, ops: list[tuple[Any, ...]]
) -> None:
    stream = core.RawStream(body, "https://bucket.s3.amazonaws.com/key")
    model = Model(body)
    for op in ops:
        expected = outcome(lambda op=op: model_raw(model, op))
        actual = outcome(lambda op=op: apply_raw(stream, op))
        assert _same(actual, expected), op
        assert stream.tell() == model.position
        assert stream.at_eof() is (model.remaining == 0)
        assert stream.closed is model.closed
    rest = outcome(lambda: resolve(stream.read()))
    assert _same(rest, outcome(lambda: model.take(-1)))


def _same(actual: Any, expected: Any) -> bool:
    """Equal, with whole bodies compared without printing megabytes."""
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(
            _same(a, e) for a, e in zip(actual, expected, strict=True)
        )
    if isinstance(actual, tuple) and isinstance(expected, tuple):
        return len(actual) == len(expected) and all(
            _same(a, e) for a, e in zip(actual, expected, strict=True)
        )
    return type(actual) is type(expected) and actual == expected


# --- aiobotocore's streaming bodies over RawStream ------------------------------


def model_body(model: Model, op: tuple[Any, ...]) -> Any:
    name, *args = op
    if name == "read":
        amt = args[0] if args else None
        return model.take(-1 if amt is None else clamp(amt))
    if name == "readinto":
        return model.take(args[0])
    if name in ("iter_chunks", "aiter"):
        size = args[0] if name == "iter_chunks" else 1024
        count = args[-1]
        items = []
        for _ in range(count):
            chunk = model.take(size)
            if not chunk:
                items.append(StopAsyncIteration)
                break
            items.append(chunk)
        return items
    if name == "iter_lines":
        size, keepends = args
        rest = model.take(-1)
        return [line.splitlines(keepends)[0] for line in rest.splitlines(True)]
    if name == "readlines":
        rest = model.take(-1)
        return [line.splitlines()[0] for line in rest.splitlines(True)]
    if name == "tell":
        return model.position
    if name == "at_eof":
        return model.remaining == 0
    if name == "readable":
        return model.remaining > 0
    if name == "close":
        model.closed = True
        return None
    raise AssertionError(name)


async def _collect(iterator: AsyncIterator[T], count: int | None) -> list[Any]:
    items: list[Any] = []
    try:
        while count is None or len(items) < count:
            try:
                items.append(await iterator.__anext__())
            except StopAsyncIteration:
                items.append(StopAsyncIteration)
                break
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()
    return items


def bounded(op: tuple[Any, ...], size: int) -> tuple[Any, ...]:
    """The op, with iter_lines reading a big body in at most ~2,000 chunks.

    Its result does not depend on the chunk size (the model ignores it), and
    byte-sized reads of a 4 MiB body would only make the test slow.
    """
    if op[0] == "iter_lines":
        return ("iter_lines", max(op[1], size // 2048), *op[2:])
    return op


def apply_body(body: StreamingBody, op: tuple[Any, ...]) -> Any:
    name, *args = op
    if name == "read":
        return resolve(body.read(*args))
    if name == "readinto":
        buffer = bytearray(args[0])
        count = resolve(body.readinto(buffer))
        return bytes(buffer[:count])
    if name == "iter_chunks":
        return resolve(_collect(body.iter_chunks(args[0]), args[1]))
    if name == "aiter":
        return resolve(_collect(body.__aiter__(), args[0]))
    if name == "iter_lines":
        lines = resolve(_collect(body.iter_lines(args[0], keepends=args[1]), None))
        return lines[:-1]  # without the StopAsyncIteration marker
    if name == "readlines":
        return resolve(body.readlines())
    if name == "at_eof":
        # aiobotocore 2.x's body proxies its raw stream's at_eof; 3.x's body
        # keeps the raw stream in raw_stream and has no at_eof of its own.
        return getattr(body, "raw_stream", body).at_eof()
    return getattr(body, name)()


BODY_OPS = st.one_of(
    st.tuples(st.just("read"), st.one_of(st.none(), SIZES)),
    st.tuples(st.just("read")),
    st.tuples(st.just("readinto"), st.integers(0, 3 * CHUNK)),
    st.tuples(st.just("iter_chunks"), st.integers(1, 3 * CHUNK), st.integers(0, 5)),
    st.tuples(st.just("aiter"), st.integers(0, 5)),
    st.tuples(st.just("iter_lines"), st.integers(1, 200), st.booleans()),
    st.tuples(st.just("readlines")),
    st.tuples(st.sampled_from(["tell", "at_eof", "readable", "close"])),
)


def crc32_of(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def wrap(core: ModuleType, kind: str, data: bytes) -> StreamingBody:
    raw = core.RawStream(data, "https://bucket.s3.amazonaws.com/key")
    if kind == "checksummed":
        return StreamingChecksumBody(
            raw, str(len(data)), Crc32Checksum(), crc32_of(data)
        )
    return StreamingBody(raw, str(len(data)))


@SETTINGS
@given(
    kind=st.sampled_from(["plain", "checksummed"]),
    data=BODIES,
    ops=st.lists(BODY_OPS, max_size=20),
)
def test_streaming_body_agrees_with_bytes_slicing(
    core: ModuleType, kind: str, data: bytes, ops: list[tuple[Any, ...]]
) -> None:
    body = wrap(core, kind, data)
    model = Model(data)
    for op in (bounded(op, len(data)) for op in ops):
        if kind == "checksummed" and op[0] == "readinto":
            continue  # aiobotocore's checksum body does not count readinto in tell()
        expected = outcome(lambda op=op: model_body(model, op))
        actual = outcome(lambda op=op: apply_body(body, op))
        assert _same(actual, expected), op
        assert body.tell() == model.position
    # Reading the rest verifies the length (and the checksum) at the end.
    rest = outcome(lambda: resolve(body.read()))
    assert _same(rest, outcome(lambda: model.take(-1)))


# --- the same, end to end: bodies that Moto served -------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.integers(CHUNK - 3, 2 * CHUNK + 3).map(patterned),
    ),
    ops=st.lists(BODY_OPS, max_size=12),
)
def test_bodies_moto_serves_agree_with_bytes_slicing(
    s3_clients: tuple[Any, Any], data: bytes, ops: list[tuple[Any, ...]]
) -> None:
    sync, client = s3_clients
    sync.put_object(Bucket="fuzz", Key="k", Body=data)
    body = resolve(client.get_object(Bucket="fuzz", Key="k"))["Body"]
    model = Model(data)
    for op in (bounded(op, len(data)) for op in ops):
        if op[0] == "readinto":
            continue  # as above: a checksum body may stand in
        expected = outcome(lambda op=op: model_body(model, op))
        actual = outcome(lambda op=op: apply_body(body, op))
        assert _same(actual, expected), op
    rest = outcome(lambda: resolve(body.read()))
    assert _same(rest, outcome(lambda: model.take(-1)))


@pytest.fixture(scope="module")
def s3_clients() -> Any:
    """One context and client for every example; Moto's stubs never suspend."""
    with aiomoto.mock_aws():
        sync = boto3.client("s3", region_name="us-east-1")
        sync.create_bucket(Bucket="fuzz")
        creator = get_session().create_client("s3", region_name="us-east-1")
        client = resolve_client(creator)
        try:
            yield sync, client
        finally:
            asyncio.run(creator.__aexit__(None, None, None))


def resolve_client(creator: Any) -> Any:
    return asyncio.run(creator.__aenter__())
