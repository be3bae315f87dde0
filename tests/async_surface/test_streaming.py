"""S3 GetObject bodies: every way aiobotocore lets a caller read one.

Bodies come in two kinds: with ``response_checksum_validation`` at its
default, GetObject asks for the object's checksum and aiobotocore wraps the
body in its validating ``StreamingChecksumBody``; with "when_required" the
body is a plain ``StreamingBody``.  Reads must behave the same through both.
"""

from __future__ import annotations

import gc
import zlib
from typing import Any

import pytest
from aiobotocore.httpchecksum import StreamingChecksumBody
from aiobotocore.response import StreamingBody
from botocore.exceptions import ClientError, ResponseStreamingError
from tests.async_surface.harness import Aws
from tests.no_pypy_wheel import needs

pytestmark = pytest.mark.anyio

BUCKET = "streams"
# Lines with both endings, a final line without one, and binary bytes.
LINES = [b"first line\n", b"second\r\n", b"\n", b"x" * 3000 + b"\n", b"no newline"]
TEXT = b"".join(LINES)
BLOB = bytes(range(256)) * 97 + b"tail"

BODY_KINDS = {
    "validated": ({}, StreamingChecksumBody),
    "plain": ({"response_checksum_validation": "when_required"}, StreamingBody),
}


@pytest.fixture(params=list(BODY_KINDS))
def body_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def s3_with(aws: Aws, body_kind: str = "validated", **objects: bytes) -> Any:
    options, _ = BODY_KINDS[body_kind]
    s3 = await aws.client("s3", **options)
    await s3.create_bucket(Bucket=BUCKET)
    for key, data in objects.items():
        await s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    return s3


async def get_body(s3: Any, key: str, **kwargs: Any) -> Any:
    return (await s3.get_object(Bucket=BUCKET, Key=key, **kwargs))["Body"]


async def test_body_is_the_kind_aiobotocore_builds(aws: Aws, body_kind: str) -> None:
    s3 = await s3_with(aws, body_kind, blob=BLOB)
    body = await get_body(s3, "blob")
    _, expected_type = BODY_KINDS[body_kind]
    assert type(body) is expected_type
    assert await body.read() == BLOB


async def test_read_all_then_eof(aws: Aws, body_kind: str) -> None:
    s3 = await s3_with(aws, body_kind, blob=BLOB)
    body = await get_body(s3, "blob")
    assert await body.read() == BLOB
    assert body.tell() == len(BLOB)
    assert await body.read() == b""
    assert await body.read(10) == b""


async def test_repeated_read_amt(aws: Aws, body_kind: str) -> None:
    s3 = await s3_with(aws, body_kind, blob=BLOB)
    body = await get_body(s3, "blob")
    pieces = []
    while piece := await body.read(1000):
        assert len(piece) == min(1000, len(BLOB) - sum(map(len, pieces)))
        pieces.append(piece)
        assert body.tell() == sum(map(len, pieces))
    assert b"".join(pieces) == BLOB
    assert len(pieces) == -(-len(BLOB) // 1000)


async def test_read_zero_bytes_reads_nothing(aws: Aws) -> None:
    s3 = await s3_with(aws, blob=BLOB)
    body = await get_body(s3, "blob")
    assert await body.read(0) == b""
    assert body.tell() == 0
    assert await body.read() == BLOB


async def test_readinto(aws: Aws, body_kind: str) -> None:
    s3 = await s3_with(aws, body_kind, blob=BLOB)
    body = await get_body(s3, "blob")
    buffer = bytearray(4096)
    received = bytearray()
    while count := await body.readinto(buffer):
        received += buffer[:count]
    assert bytes(received) == BLOB


async def test_readlines(aws: Aws, body_kind: str) -> None:
    s3 = await s3_with(aws, body_kind, text=TEXT)
    body = await get_body(s3, "text")
    assert await body.readlines() == TEXT.splitlines()


@pytest.mark.parametrize("keepends", [False, True])
@pytest.mark.parametrize("chunk_size", [1, 7, 1024, 1 << 20])
async def test_iter_lines(aws: Aws, keepends: bool, chunk_size: int) -> None:
    s3 = await s3_with(aws, text=TEXT)
    body = await get_body(s3, "text")
    lines = [
        line async for line in body.iter_lines(chunk_size=chunk_size, keepends=keepends)
    ]
    assert lines == TEXT.splitlines(keepends)


@pytest.mark.parametrize("chunk_size", [1, 1000, 4096, 1 << 20])
async def test_iter_chunks(aws: Aws, body_kind: str, chunk_size: int) -> None:
    s3 = await s3_with(aws, body_kind, blob=BLOB)
    body = await get_body(s3, "blob")
    chunks = [chunk async for chunk in body.iter_chunks(chunk_size)]
    assert b"".join(chunks) == BLOB
    assert all(len(chunk) == chunk_size for chunk in chunks[:-1])
    assert 0 < len(chunks[-1]) <= chunk_size


async def test_async_for_gives_kibibyte_chunks(aws: Aws, body_kind: str) -> None:
    s3 = await s3_with(aws, body_kind, blob=BLOB)
    body = await get_body(s3, "blob")
    chunks = [chunk async for chunk in body]
    assert b"".join(chunks) == BLOB
    assert {len(chunk) for chunk in chunks[:-1]} == {1024}


async def test_async_with_reads_then_closes(aws: Aws, body_kind: str) -> None:
    # aiobotocore 2.x's __aenter__ gives the raw stream, 3.x's the body; both
    # read the object, and both close it on the way out.
    s3 = await s3_with(aws, body_kind, blob=BLOB)
    body = await get_body(s3, "blob")
    async with body as entered:
        assert entered is body or entered is body.__wrapped__
        assert await entered.read(10) == BLOB[:10]
        assert await entered.read() == BLOB[10:]
    with pytest.raises(ResponseStreamingError, match="Connection closed"):
        await body.read()


async def test_async_with_propagates_errors_and_closes(aws: Aws) -> None:
    s3 = await s3_with(aws, blob=BLOB)
    body = await get_body(s3, "blob")
    with pytest.raises(KeyError, match="inside"):
        async with body:
            raise KeyError("inside")
    with pytest.raises(ResponseStreamingError):
        await body.read(1)


@pytest.mark.parametrize("closer", ["close", "aclose"])
async def test_reading_after_close_fails(aws: Aws, body_kind: str, closer: str) -> None:
    s3 = await s3_with(aws, body_kind, blob=BLOB)
    body = await get_body(s3, "blob")
    assert await body.read(100) == BLOB[:100]
    if closer == "close":
        body.close()
    else:
        await body.aclose()
    for read in (body.read, lambda: body.read(5)):
        with pytest.raises(ResponseStreamingError, match="Connection closed"):
            await read()
    with pytest.raises(ResponseStreamingError):
        [chunk async for chunk in body.iter_chunks(10)]
    assert body.tell() == 100


async def test_reading_after_close_fails_even_at_eof(aws: Aws) -> None:
    # aiohttp marks the stream closed whatever is left in it.
    s3 = await s3_with(aws, blob=BLOB)
    body = await get_body(s3, "blob")
    assert await body.read() == BLOB
    body.close()
    with pytest.raises(ResponseStreamingError):
        await body.read()


async def test_empty_body_reads_empty_even_after_close(aws: Aws) -> None:
    # aiohttp hands a response without a body a shared empty reader that
    # ignores close(); aiobotocore then reads b"" and checks the length.
    s3 = await s3_with(aws, empty=b"")
    body = await get_body(s3, "empty")
    body.close()
    assert await body.read() == b""
    assert [chunk async for chunk in body] == []


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [
        ("bytes=0-0", 0, 1),
        ("bytes=10-19", 10, 20),
        ("bytes=100-", 100, len(BLOB)),
        ("bytes=-5", len(BLOB) - 5, len(BLOB)),
        ("bytes=24000-99999999", 24000, len(BLOB)),
    ],
)
async def test_ranged_get(aws: Aws, header: str, start: int, stop: int) -> None:
    s3 = await s3_with(aws, blob=BLOB)
    got = await s3.get_object(Bucket=BUCKET, Key="blob", Range=header)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentLength"] == stop - start
    assert got["ContentRange"] == f"bytes {start}-{stop - 1}/{len(BLOB)}"
    assert await got["Body"].read() == BLOB[start:stop]


async def test_unsatisfiable_range_is_invalid_range(aws: Aws) -> None:
    s3 = await s3_with(aws, blob=BLOB)
    with pytest.raises(ClientError) as raised:
        await s3.get_object(Bucket=BUCKET, Key="blob", Range=f"bytes={len(BLOB)}-")
    assert raised.value.response["Error"]["Code"] == "InvalidRange"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 416


async def test_ranged_get_in_pieces_reassembles(aws: Aws) -> None:
    s3 = await s3_with(aws, blob=BLOB)
    step = 5000
    parts = []
    for start in range(0, len(BLOB), step):
        end = min(start + step, len(BLOB)) - 1
        body = await get_body(s3, "blob", Range=f"bytes={start}-{end}")
        parts.append(await body.read())
    assert b"".join(parts) == BLOB


BIG = 256 * 1024 * 1024


@needs("_tracemalloc")
@pytest.mark.modes("asyncio-aiohttp")
async def test_256_mib_object_is_read_with_at_most_one_copy(aws: Aws) -> None:
    import tracemalloc

    # Written with boto3 straight into Moto, without aws-chunked encoding, so
    # the test measures the read.  Moto keeps large objects in a spooled
    # temporary file and reads the whole file into one bytes object per get;
    # aiomoto must hand that object through without copying it again.
    data = bytes(range(256)) * (BIG // 256)
    expected_crc = zlib.crc32(data)
    writer = aws.boto3("s3", request_checksum_calculation="when_required")
    writer.create_bucket(Bucket=BUCKET)
    writer.put_object(Bucket=BUCKET, Key="big", Body=data)
    del data
    gc.collect()

    s3 = await aws.client("s3")
    tracemalloc.start()
    try:
        got = await s3.get_object(Bucket=BUCKET, Key="big")
        read = await got["Body"].read()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert got["ContentLength"] == BIG
    assert len(read) == BIG
    assert zlib.crc32(read) == expected_crc
    # One copy is Moto's; a second copy anywhere would double the peak.
    assert peak < 1.25 * BIG
