"""aioboto3's clients and resources on aiomoto, sharing state with boto3."""

from __future__ import annotations

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from tests.clients import aioboto3, needs_aioboto3

import aiomoto

pytestmark = [pytest.mark.asyncio, needs_aioboto3]


async def test_client_sees_buckets_and_objects_from_boto3() -> None:
    async with aiomoto.mock_aws():
        sync = boto3.client("s3", region_name="us-east-1")
        sync.create_bucket(Bucket="shared")
        sync.put_object(Bucket="shared", Key="k", Body=b"from boto3")

        async with aioboto3.Session().client("s3", region_name="us-east-1") as s3:
            got = await s3.get_object(Bucket="shared", Key="k")
            body = await got["Body"].read()
            await s3.put_object(Bucket="shared", Key="back", Body=b"from aioboto3")

        assert body == b"from boto3"
        assert (
            sync.get_object(Bucket="shared", Key="back")["Body"].read()
            == b"from aioboto3"
        )


async def test_s3_resource_bucket_and_object() -> None:
    async with aiomoto.mock_aws():
        async with aioboto3.Session().resource("s3", region_name="us-east-1") as s3:
            bucket = await s3.create_bucket(Bucket="res-bucket")
            await bucket.put_object(Key="a.txt", Body=b"alpha")
            obj = await s3.Object("res-bucket", "a.txt")
            got = await obj.get()
            body = await got["Body"].read()
            keys = [o.key async for o in bucket.objects.all()]
            assert await obj.content_length == 5

        assert body == b"alpha"
        assert keys == ["a.txt"]
        sync = boto3.resource("s3", region_name="us-east-1")
        assert sync.Object("res-bucket", "a.txt").get()["Body"].read() == b"alpha"


async def test_dynamodb_resource_table_put_and_get() -> None:
    async with aiomoto.mock_aws():
        sync = boto3.resource("dynamodb", region_name="us-east-1")
        sync.create_table(
            TableName="people",
            KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        async with aioboto3.Session().resource(
            "dynamodb", region_name="us-east-1"
        ) as dynamo:
            table = await dynamo.Table("people")
            await table.put_item(Item={"name": "ada", "born": 1815})
            got = await table.get_item(Key={"name": "ada"})
            queried = await table.query(KeyConditionExpression=Key("name").eq("ada"))

        assert got["Item"] == {"name": "ada", "born": 1815}
        assert queried["Count"] == 1
        assert (
            sync.Table("people").get_item(Key={"name": "ada"})["Item"]["born"] == 1815
        )
