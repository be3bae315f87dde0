"""DynamoDB through aiomoto: tables and items shared by boto3 and async clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from botocore.exceptions import ClientError
from tests.clients import ASYNC_KINDS, Client, Clients

import aiomoto

pytestmark = pytest.mark.asyncio

HASH_ONLY_WITH_GSI: dict[str, Any] = {
    "TableName": "messages",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [
        {"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "subject", "AttributeType": "S"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "by-subject",
            "KeySchema": [{"AttributeName": "subject", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        }
    ],
    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
}

HASH_AND_RANGE: dict[str, Any] = {
    "TableName": "forum",
    "KeySchema": [
        {"AttributeName": "thread", "KeyType": "HASH"},
        {"AttributeName": "posted", "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": "thread", "AttributeType": "S"},
        {"AttributeName": "posted", "AttributeType": "N"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
}

# What describe_table must agree on between the two kinds of client.
DESCRIBED = (
    "KeySchema",
    "AttributeDefinitions",
    "TableStatus",
    "TableArn",
    "ItemCount",
)


@pytest_asyncio.fixture
async def clients() -> AsyncIterator[Clients]:
    async with aiomoto.mock_aws(), Clients() as opened:
        yield opened


async def _pair(clients: Clients, kind: str) -> tuple[Client, Client]:
    return await clients.open("boto3", "dynamodb"), await clients.open(kind, "dynamodb")


@pytest.mark.parametrize("kind", ASYNC_KINDS)
@pytest.mark.parametrize(
    "definition", [HASH_ONLY_WITH_GSI, HASH_AND_RANGE], ids=["gsi", "range"]
)
async def test_table_created_async_is_described_alike_by_both(
    clients: Clients, kind: str, definition: dict[str, Any]
) -> None:
    sync, async_ = await _pair(clients, kind)
    await async_.create_table(**definition)

    from_sync = (await sync.describe_table(TableName=definition["TableName"]))["Table"]
    from_async = (await async_.describe_table(TableName=definition["TableName"]))[
        "Table"
    ]

    for field in DESCRIBED:
        assert from_sync[field] == from_async[field], field
    assert from_async["TableStatus"] == "ACTIVE"
    assert from_async["ItemCount"] == 0
    assert from_async["TableArn"].endswith(f":table/{definition['TableName']}")
    assert from_async["KeySchema"] == definition["KeySchema"]
    assert sorted(from_async["AttributeDefinitions"], key=str) == sorted(
        definition["AttributeDefinitions"], key=str
    )
    indexes = from_async.get("GlobalSecondaryIndexes", [])
    assert [i["IndexName"] for i in indexes] == [
        i["IndexName"] for i in definition.get("GlobalSecondaryIndexes", [])
    ]
    assert from_sync.get("GlobalSecondaryIndexes") == from_async.get(
        "GlobalSecondaryIndexes"
    )


@pytest.mark.parametrize("kind", ASYNC_KINDS)
async def test_items_put_by_one_are_read_and_updated_by_the_other(
    clients: Clients, kind: str
) -> None:
    sync, async_ = await _pair(clients, kind)
    await sync.create_table(**HASH_ONLY_WITH_GSI)
    key = {"id": {"S": "m1"}}

    await async_.put_item(
        TableName="messages",
        Item={**key, "subject": {"S": "hi"}, "body": {"S": "hello"}},
    )
    seen_by_sync = await sync.get_item(TableName="messages", Key=key)
    await sync.update_item(
        TableName="messages",
        Key=key,
        UpdateExpression="SET body = :b",
        ExpressionAttributeValues={":b": {"S": "changed"}},
    )
    seen_by_async = await async_.get_item(TableName="messages", Key=key)

    assert seen_by_sync["Item"]["body"] == {"S": "hello"}
    assert "ConsumedCapacity" not in seen_by_sync
    assert seen_by_async["Item"]["body"] == {"S": "changed"}
    assert "ConsumedCapacity" not in seen_by_async


@pytest.mark.parametrize("kind", ASYNC_KINDS)
async def test_query_with_key_condition(clients: Clients, kind: str) -> None:
    sync, async_ = await _pair(clients, kind)
    await async_.create_table(**HASH_AND_RANGE)
    for posted in (1, 2, 3, 4):
        await sync.put_item(
            TableName="forum", Item={"thread": {"S": "t"}, "posted": {"N": str(posted)}}
        )
    await sync.put_item(
        TableName="forum", Item={"thread": {"S": "other"}, "posted": {"N": "9"}}
    )

    result = await async_.query(
        TableName="forum",
        KeyConditionExpression="thread = :t AND posted > :p",
        ExpressionAttributeValues={":t": {"S": "t"}, ":p": {"N": "2"}},
    )

    assert [item["posted"]["N"] for item in result["Items"]] == ["3", "4"]
    assert result["Count"] == 2


@pytest.mark.parametrize("kind", ["boto3", *ASYNC_KINDS])
async def test_missing_table_raises_resource_not_found(
    clients: Clients, kind: str
) -> None:
    dynamodb = await clients.open(kind, "dynamodb")

    with pytest.raises(ClientError) as raised:
        await dynamodb.describe_table(TableName="absent")

    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


@pytest.mark.parametrize("kind", ASYNC_KINDS)
async def test_table_in_one_region_is_absent_in_another(
    clients: Clients, kind: str
) -> None:
    east = await clients.open(kind, "dynamodb", region="us-east-1")
    west = await clients.open(kind, "dynamodb", region="eu-west-1")
    west_sync = await clients.open("boto3", "dynamodb", region="eu-west-1")
    await east.create_table(**HASH_AND_RANGE)

    assert (await east.list_tables())["TableNames"] == ["forum"]
    assert (await west.list_tables())["TableNames"] == []
    assert (await west_sync.list_tables())["TableNames"] == []
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        await west.describe_table(TableName="forum")
