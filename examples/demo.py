"""aiomoto's demo: boto3, aiobotocore and aioboto3 sharing one in-memory AWS.

Run with ``make demo``.  Nothing here talks to AWS or to a server: every call
is answered by Moto inside this process.
"""

from __future__ import annotations

import asyncio
import os

import aioboto3
import boto3
from aiobotocore.session import get_session

import aiomoto

REGION = "us-east-1"


def say(who: str, what: str) -> None:
    print(f"  {who:<12} {what}")


async def s3_both_ways() -> None:
    print("S3")
    sync = boto3.client("s3", region_name=REGION)
    sync.create_bucket(Bucket="demo-bucket")
    sync.put_object(Bucket="demo-bucket", Key="hello.txt", Body=b"written by boto3")
    say("boto3", "created demo-bucket and put hello.txt")

    async with get_session().create_client("s3", region_name=REGION) as s3:
        got = await s3.get_object(Bucket="demo-bucket", Key="hello.txt")
        async with got["Body"] as body:
            say("aiobotocore", f"read hello.txt: {await body.read()!r}")
        await s3.put_object(
            Bucket="demo-bucket", Key="async.txt", Body=b"by aiobotocore"
        )
        say("aiobotocore", "put async.txt")

    async with aioboto3.Session().resource("s3", region_name=REGION) as s3r:
        bucket = await s3r.Bucket("demo-bucket")
        keys = [obj.key async for obj in bucket.objects.all()]
        say("aioboto3", f"listed demo-bucket: {keys}")
        await bucket.put_object(Key="resource.txt", Body=b"by aioboto3")
        say("aioboto3", "put resource.txt")

    for key in ("async.txt", "resource.txt"):
        body = sync.get_object(Bucket="demo-bucket", Key=key)["Body"].read()
        say("boto3", f"read {key}: {body!r}")


async def dynamodb_both_ways() -> None:
    print("DynamoDB")
    sync = boto3.client("dynamodb", region_name=REGION)
    sync.create_table(
        TableName="demo-table",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    sync.put_item(TableName="demo-table", Item={"id": {"S": "1"}, "by": {"S": "boto3"}})
    say("boto3", "created demo-table and put item 1")

    async with get_session().create_client("dynamodb", region_name=REGION) as dynamodb:
        item = (
            await dynamodb.get_item(TableName="demo-table", Key={"id": {"S": "1"}})
        )["Item"]
        say("aiobotocore", f"got item 1: {item}")
        await dynamodb.put_item(
            TableName="demo-table", Item={"id": {"S": "2"}, "by": {"S": "aiobotocore"}}
        )
        say("aiobotocore", "put item 2")

    async with aioboto3.Session().resource("dynamodb", region_name=REGION) as resource:
        table = await resource.Table("demo-table")
        count = (await table.scan())["Count"]
        say("aioboto3", f"scanned demo-table: {count} items")
        await table.put_item(Item={"id": "3", "by": "aioboto3"})
        say("aioboto3", "put item 3")

    items = sorted(
        (item["id"]["S"], item["by"]["S"])
        for item in sync.scan(TableName="demo-table")["Items"]
    )
    say("boto3", f"scanned demo-table: {items}")


async def main() -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    async with aiomoto.mock_aws():
        await s3_both_ways()
        await dynamodb_both_ways()
    print("All of it in-process: no server, no network.")


if __name__ == "__main__":
    asyncio.run(main())
