"""S3 through aiomoto, in both directions between boto3 and async clients."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from itertools import permutations

import pytest
import pytest_asyncio
from botocore.exceptions import ClientError
from tests.clients import ASYNC_KINDS, Clients, needs_aioboto3

import aiomoto

pytestmark = pytest.mark.asyncio

# Every ordered pair of a sync and an async client, and of two async ones.
DIRECTIONS = [
    pytest.param(*pair, marks=needs_aioboto3) if "aioboto3" in pair else pair
    for pair in permutations(("boto3", "aiobotocore", "aioboto3"), 2)
    if set(pair) != {"boto3"}
]


@pytest_asyncio.fixture
async def clients() -> AsyncIterator[Clients]:
    async with aiomoto.mock_aws(), Clients() as opened:
        yield opened


@pytest.mark.parametrize(("writer_kind", "reader_kind"), DIRECTIONS)
async def test_bucket_created_by_one_client_is_listed_by_the_other(
    clients: Clients, writer_kind: str, reader_kind: str
) -> None:
    writer = await clients.open(writer_kind, "s3")
    reader = await clients.open(reader_kind, "s3")
    await writer.create_bucket(Bucket="mybucket")

    listed = await reader.list_buckets()

    assert [b["Name"] for b in listed["Buckets"]] == ["mybucket"]


@pytest.mark.parametrize("kind", ["boto3", *ASYNC_KINDS])
async def test_put_to_missing_bucket_raises_no_such_bucket(
    clients: Clients, kind: str
) -> None:
    s3 = await clients.open(kind, "s3")

    with pytest.raises(ClientError) as raised:
        await s3.put_object(Bucket="mybucket", Key="the-key", Body=b"foobar")

    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"
    assert (
        raised.value.response["Error"]["Message"]
        == "The specified bucket does not exist"
    )


@pytest.mark.parametrize(("writer_kind", "reader_kind"), DIRECTIONS)
async def test_binary_content_round_trips(
    clients: Clients, writer_kind: str, reader_kind: str
) -> None:
    writer = await clients.open(writer_kind, "s3")
    reader = await clients.open(reader_kind, "s3")
    content = bytes(range(256)) * 41
    await writer.create_bucket(Bucket="mybucket")
    await writer.put_object(Bucket="mybucket", Key="blob.bin", Body=content)

    got = await reader.get_object(Bucket="mybucket", Key="blob.bin")

    assert got["ContentLength"] == len(content)
    assert await reader.read(got["Body"]) == content


@pytest.mark.parametrize(("writer_kind", "reader_kind"), DIRECTIONS)
async def test_empty_body_has_zero_length(
    clients: Clients, writer_kind: str, reader_kind: str
) -> None:
    writer = await clients.open(writer_kind, "s3")
    reader = await clients.open(reader_kind, "s3")
    await writer.create_bucket(Bucket="foobar")
    await writer.put_object(Bucket="foobar", Key="the-key", Body=b"")

    got = await reader.get_object(Bucket="foobar", Key="the-key")

    assert got["ContentLength"] == 0
    assert await reader.read(got["Body"]) == b""


@pytest.mark.parametrize(("writer_kind", "reader_kind"), DIRECTIONS)
async def test_overwriting_with_empty_body_reports_new_length(
    clients: Clients, writer_kind: str, reader_kind: str
) -> None:
    writer = await clients.open(writer_kind, "s3")
    reader = await clients.open(reader_kind, "s3")
    await writer.create_bucket(Bucket="foobar")
    await writer.put_object(Bucket="foobar", Key="the-key", Body=b"some value")
    before = await reader.get_object(Bucket="foobar", Key="the-key")
    assert await reader.read(before["Body"]) == b"some value"

    await writer.put_object(Bucket="foobar", Key="the-key", Body=b"")

    after = await reader.get_object(Bucket="foobar", Key="the-key")
    assert after["ContentLength"] == 0
    assert await reader.read(after["Body"]) == b""


@pytest.mark.parametrize(("writer_kind", "reader_kind"), DIRECTIONS)
async def test_control_characters_in_key_names_round_trip_through_listings(
    clients: Clients, writer_kind: str, reader_kind: str
) -> None:
    writer = await clients.open(writer_kind, "s3")
    reader = await clients.open(reader_kind, "s3")
    names = ["file\x10name", "tab\tname", "bell\x07name", "plain"]
    await writer.create_bucket(Bucket="mybucket")
    for name in names:
        await writer.put_object(Bucket="mybucket", Key=name, Body=b"x")

    v1 = await reader.list_objects(Bucket="mybucket")
    v2 = await reader.list_objects_v2(Bucket="mybucket")

    assert sorted(o["Key"] for o in v1["Contents"]) == sorted(names)
    assert sorted(o["Key"] for o in v2["Contents"]) == sorted(names)


@pytest.mark.parametrize("kind", ASYNC_KINDS)
@pytest.mark.parametrize("operation", ["list_objects", "list_objects_v2"])
async def test_url_encoding_with_prefix_and_delimiter(
    clients: Clients, kind: str, operation: str
) -> None:
    writer = await clients.open("boto3", "s3")
    reader = await clients.open(kind, "s3")
    await writer.create_bucket(Bucket="mybucket")
    await writer.put_object(Bucket="mybucket", Key="example/file.text", Body=b"x")
    await writer.put_object(Bucket="mybucket", Key="example/sub dir/a", Body=b"x")
    await writer.put_object(Bucket="mybucket", Key="other", Body=b"x")

    query = {"Bucket": "mybucket", "Prefix": "example/", "Delimiter": "/"}
    listed = await getattr(reader, operation)(**query, EncodingType="url")
    expected = await getattr(writer, operation)(**query, EncodingType="url")

    assert [o["Key"] for o in listed["Contents"]] == ["example/file.text"]
    assert listed["Prefix"] == "example/"
    assert listed["CommonPrefixes"] == expected["CommonPrefixes"]
    assert len(listed["CommonPrefixes"]) == 1


@pytest.mark.parametrize("kind", ASYNC_KINDS)
async def test_multi_mib_object_reads_in_pieces(clients: Clients, kind: str) -> None:
    s3 = await clients.open(kind, "s3")
    content = os.urandom(5 * 1024 * 1024 + 123)
    await s3.create_bucket(Bucket="big")
    await s3.put_object(Bucket="big", Key="blob", Body=content)

    by_read = bytearray()
    body = (await s3.get_object(Bucket="big", Key="blob"))["Body"]
    while chunk := await body.read(256 * 1024):
        assert len(chunk) <= 256 * 1024
        by_read += chunk
    body.close()

    by_chunks = bytearray()
    body = (await s3.get_object(Bucket="big", Key="blob"))["Body"]
    async for chunk in body.iter_chunks(1024 * 1024):
        by_chunks += chunk
    body.close()

    assert bytes(by_read) == content
    assert bytes(by_chunks) == content
