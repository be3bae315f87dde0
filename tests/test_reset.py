"""aiomoto.reset: all services or some, while the context stays active."""

from __future__ import annotations

import boto3
import pytest
from aiobotocore.session import get_session
from tests.clients import bucket_names

import aiomoto

REGION = "us-east-1"


def fill() -> None:
    """One S3 bucket, one SQS queue and one DynamoDB table."""
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="bucket")
    boto3.client("sqs", region_name=REGION).create_queue(QueueName="queue")
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="table",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


async def contents() -> dict[str, list[str]]:
    """What each service holds, read through aiobotocore."""
    session = get_session()
    async with (
        session.create_client("s3", region_name=REGION) as s3,
        session.create_client("sqs", region_name=REGION) as sqs,
        session.create_client("dynamodb", region_name=REGION) as dynamodb,
    ):
        buckets = (await s3.list_buckets())["Buckets"]
        queues = (await sqs.list_queues()).get("QueueUrls", [])
        tables = (await dynamodb.list_tables())["TableNames"]
    return {
        "s3": [b["Name"] for b in buckets],
        "sqs": [url.rsplit("/", 1)[-1] for url in queues],
        "dynamodb": tables,
    }


FULL = {"s3": ["bucket"], "sqs": ["queue"], "dynamodb": ["table"]}


@pytest.mark.asyncio
async def test_reset_without_names_empties_everything_and_stays_active() -> None:
    async with aiomoto.mock_aws() as mock:
        fill()
        assert await contents() == FULL
        aiomoto.reset()
        assert mock.active
        assert await contents() == {"s3": [], "sqs": [], "dynamodb": []}
        fill()  # the context still serves both kinds of client
        assert await contents() == FULL


@pytest.mark.asyncio
async def test_reset_with_names_empties_only_those() -> None:
    async with aiomoto.mock_aws():
        fill()
        aiomoto.reset("s3", "sqs")
        assert await contents() == {"s3": [], "sqs": [], "dynamodb": ["table"]}
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="again")
        assert (await contents())["s3"] == ["again"]


def test_reset_accepts_botocore_and_moto_spellings() -> None:
    with aiomoto.mock_aws():
        boto3.client("cognito-idp", region_name=REGION).create_user_pool(PoolName="p")
        aiomoto.reset("lambda", "awslambda", "Cognito-IDP", "s3")
        pools = boto3.client("cognito-idp", region_name=REGION).list_user_pools(
            MaxResults=10
        )
        assert pools["UserPools"] == []


def test_unknown_service_raises_value_error_listing_the_known_ones() -> None:
    with aiomoto.mock_aws():
        fill()
        with pytest.raises(ValueError) as raised:
            aiomoto.reset("s3", "sqss")
        assert bucket_names() == ["bucket"]  # nothing was reset
    message = str(raised.value)
    assert "'sqss'" in message
    assert "Did you mean 'sqs'" in message
    known = message.split("Known services: ", 1)[1].split(", ")
    assert {"s3", "sqs", "dynamodb", "lambda", "cognito-idp"} <= set(known)
    assert "moto_api" not in known


def test_service_names_must_be_separate_strings() -> None:
    with aiomoto.mock_aws(), pytest.raises(TypeError, match=r"reset\('s3', 'sqs'\)"):
        aiomoto.reset(["s3", "sqs"])  # type: ignore[arg-type]


def test_reset_outside_a_context_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="none is active"):
        aiomoto.reset()
    with pytest.raises(RuntimeError, match="none is active"):
        aiomoto.reset("s3")


def test_reset_in_a_nested_context_resets_the_shared_state() -> None:
    with aiomoto.mock_aws():
        fill()
        with aiomoto.mock_aws():
            aiomoto.reset("s3")
        assert bucket_names() == []
