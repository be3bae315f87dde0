"""Typed user code: aiomoto's API, its pytest fixtures and its marker.

A test module as a user would write it, annotated throughout.  ``make lint``
checks it with ``mypy --strict`` and ``tests/test_typing.py`` runs it as a
test module, so both the types and the behaviour they describe are checked.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import AsyncIterator
from typing import Any

import boto3
import pytest
from aiobotocore.session import get_session

import aiomoto
from aiomoto.pytest_plugin import ClientFactory

REGION = "us-east-1"


@aiomoto.mock_aws
def create_and_list(name: str) -> list[str]:
    """A decorated function keeps its signature: mypy checks its callers."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=name)
    return [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]


@aiomoto.mock_aws(config={"batch": {"use_docker": False}})
async def count_queues(prefix: str) -> int:
    """Decorated coroutines run inside the context while they are awaited."""
    async with get_session().create_client("sqs", region_name=REGION) as sqs:
        await sqs.create_queue(QueueName=f"{prefix}-1")
        queues: list[str] = (await sqs.list_queues())["QueueUrls"]
        return len(queues)


async def object_chunks(s3: Any, bucket: str, key: str) -> AsyncIterator[bytes]:
    """Read a body inside the context that produced it."""
    response = await s3.get_object(Bucket=bucket, Key=key)
    async for chunk in response["Body"].iter_chunks(4):
        yield chunk


def test_decorators() -> None:
    names: list[str] = create_and_list("typed")
    assert names == ["typed"]
    assert asyncio.run(count_queues("typed")) == 1


def test_context_manager_and_reset() -> None:
    mock: aiomoto.MockAWS
    with aiomoto.mock_aws() as mock:
        assert mock.active
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="before")
        aiomoto.reset("s3")
        assert boto3.client("s3", region_name=REGION).list_buckets()["Buckets"] == []
        with pytest.raises(ValueError, match="Known services"):
            aiomoto.reset("no-such-service")


@pytest.mark.aiomoto
def test_marker_on_a_sync_test() -> None:
    boto3.client("s3").create_bucket(Bucket="marked")


@pytest.mark.aiomoto(config={"core": {"mock_credentials": True}})
@pytest.mark.asyncio
async def test_marker_on_an_async_test() -> None:
    async with get_session().create_client("s3") as s3:
        await s3.create_bucket(Bucket="marked-async")
        await s3.put_object(Bucket="marked-async", Key="k", Body=b"typed body")
        chunks = [chunk async for chunk in object_chunks(s3, "marked-async", "k")]
    assert b"".join(chunks) == b"typed body"


@pytest.mark.asyncio
async def test_fixtures(
    aiomoto_mock: aiomoto.MockAWS, aiomoto_client: ClientFactory
) -> None:
    assert aiomoto_mock.active
    s3 = await aiomoto_client("s3")
    await s3.create_bucket(Bucket="from-fixture")
    await s3.put_object(Bucket="from-fixture", Key="k", Body=b"v")
    with pytest.raises(s3.exceptions.NoSuchKey):
        await s3.get_object(Bucket="from-fixture", Key="missing")
    listed = await s3.list_objects_v2(Bucket="from-fixture")
    assert [o["Key"] for o in listed["Contents"]] == ["k"]


@pytest.mark.skipif(
    importlib.util.find_spec("aioboto3") is None, reason="needs aioboto3"
)
@pytest.mark.asyncio
async def test_aioboto3_fixtures(
    aiomoto_client: ClientFactory, aiomoto_aioboto3_resource: ClientFactory
) -> None:
    s3 = await aiomoto_client("s3")
    await s3.create_bucket(Bucket="from-fixture")
    resource = await aiomoto_aioboto3_resource("s3")
    bucket = await resource.Bucket("from-fixture")
    await bucket.put_object(Key="k", Body=b"v")
    assert [o.key async for o in bucket.objects.all()] == ["k"]


def test_errors_are_typed() -> None:
    error: aiomoto.NotImplementedByMotoError | None = None
    with aiomoto.mock_aws():
        try:
            boto3.client("pricing", region_name=REGION).get_products(ServiceCode="x")
        except aiomoto.NotImplementedByMotoError as raised:
            error = raised
    assert error is not None
    assert (error.service, error.operation) == ("pricing", "GetProducts")
