"""Client features on top of operations: paginators, waiters, presigning,
retries, error shapes and handler-parsed responses."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import moto.backends
import pytest
import requests
from botocore.exceptions import ClientError, WaiterError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import DynamoDBBackend
from moto.s3.models import S3Backend
from tests.async_surface.harness import SLEEPING_MODES, Aws
from tests.clients import pk_sk_table
from werkzeug.exceptions import HTTPException

pytestmark = pytest.mark.anyio

BUCKET = "features"
KEY_COUNT = 2500


def s3_backend() -> Any:
    return moto.backends.get_backend("s3")[DEFAULT_ACCOUNT_ID]["aws"]


# --- paginators -------------------------------------------------------------


async def test_list_objects_v2_paginates_thousands_of_keys(aws: Aws) -> None:
    s3 = await aws.client("s3")
    await s3.create_bucket(Bucket=BUCKET)
    # Straight into Moto's backend: the listing is under test, not 2500 puts.
    backend = s3_backend()
    keys = sorted(f"keys/{i:05d}" for i in range(KEY_COUNT))
    for key in keys:
        backend.put_object(BUCKET, key, b"x")

    paginator = s3.get_paginator("list_objects_v2")
    pages = [page async for page in paginator.paginate(Bucket=BUCKET)]
    small_pages = [
        page
        async for page in paginator.paginate(
            Bucket=BUCKET, PaginationConfig={"PageSize": 700}
        )
    ]
    searched = paginator.paginate(
        Bucket=BUCKET, PaginationConfig={"MaxItems": 300}
    ).search("Contents[?Size == `1`].Key")
    partial = paginator.paginate(Bucket=BUCKET, PaginationConfig={"MaxItems": 1234})

    assert [page["KeyCount"] for page in pages] == [1000, 1000, 500]
    assert [o["Key"] for page in pages for o in page["Contents"]] == keys
    assert [page["KeyCount"] for page in small_pages] == [700, 700, 700, 400]
    assert [o["Key"] for page in small_pages for o in page["Contents"]] == keys
    assert [key async for key in searched] == keys[:300]
    full = await partial.build_full_result()
    assert [o["Key"] for o in full["Contents"]] == keys[:1234]
    assert "NextToken" in full


async def dynamodb_with_items(aws: Aws, count: int) -> Any:
    ddb = await aws.client("dynamodb")
    await ddb.create_table(**pk_sk_table("paged", "N"))
    for start in range(0, count, 25):
        await ddb.batch_write_item(
            RequestItems={
                "paged": [
                    {
                        "PutRequest": {
                            "Item": {
                                "pk": {"S": "even" if i % 2 == 0 else "odd"},
                                "sk": {"N": str(i)},
                            }
                        }
                    }
                    for i in range(start, min(start + 25, count))
                ]
            }
        )
    return ddb


async def test_dynamodb_scan_and_query_paginate(aws: Aws) -> None:
    ddb = await dynamodb_with_items(aws, 300)

    scan_pages = [
        page
        async for page in ddb.get_paginator("scan").paginate(
            TableName="paged", PaginationConfig={"PageSize": 70}
        )
    ]
    query_pages = [
        page
        async for page in ddb.get_paginator("query").paginate(
            TableName="paged",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "odd"}},
            PaginationConfig={"PageSize": 40},
        )
    ]

    assert [page["Count"] for page in scan_pages] == [70, 70, 70, 70, 20]
    scanned = sorted(int(i["sk"]["N"]) for p in scan_pages for i in p["Items"])
    assert scanned == list(range(300))
    assert [page["Count"] for page in query_pages] == [40, 40, 40, 30]
    queried = [int(i["sk"]["N"]) for p in query_pages for i in p["Items"]]
    assert queried == list(range(1, 300, 2))


# --- waiters ----------------------------------------------------------------


async def test_waiters_return_at_once_when_ready(aws: Aws, sleeps: list[float]) -> None:
    s3 = await aws.client("s3")
    ddb = await dynamodb_with_items(aws, 1)
    await s3.create_bucket(Bucket=BUCKET)
    await s3.put_object(Bucket=BUCKET, Key="there", Body=b"x")

    await s3.get_waiter("bucket_exists").wait(Bucket=BUCKET)
    await s3.get_waiter("object_exists").wait(Bucket=BUCKET, Key="there")
    await s3.get_waiter("object_not_exists").wait(Bucket=BUCKET, Key="absent")
    await s3.get_waiter("bucket_not_exists").wait(Bucket="no-such-bucket")
    await ddb.get_waiter("table_exists").wait(TableName="paged")
    await ddb.get_waiter("table_not_exists").wait(TableName="no-such-table")

    assert sleeps == []


@pytest.mark.modes(*SLEEPING_MODES)
async def test_waiter_polls_until_the_resource_appears(
    aws: Aws, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = await aws.client("s3")
    await s3.create_bucket(Bucket=BUCKET)
    writer = aws.boto3("s3")

    async def create_object_while_sleeping(delay: float, *args: Any) -> None:
        if delay == 0:  # a checkpoint of the httpx session, not the waiter
            return
        sleeps.append(delay)
        if len(sleeps) == 2:
            writer.put_object(Bucket=BUCKET, Key="later", Body=b"x")

    # asyncio.sleep before aiobotocore 3.9, anyio.sleep in its httpx mode after.
    monkeypatch.setattr(asyncio, "sleep", create_object_while_sleeping)
    monkeypatch.setattr(anyio, "sleep", create_object_while_sleeping)
    await s3.get_waiter("object_exists").wait(
        Bucket=BUCKET, Key="later", WaiterConfig={"Delay": 7, "MaxAttempts": 5}
    )

    assert sleeps == [7, 7]


@pytest.mark.modes(*SLEEPING_MODES)
async def test_waiter_gives_up_after_max_attempts(
    aws: Aws, sleeps: list[float]
) -> None:
    s3 = await aws.client("s3")
    await s3.create_bucket(Bucket=BUCKET)
    with pytest.raises(WaiterError, match="Max attempts exceeded"):
        await s3.get_waiter("object_exists").wait(
            Bucket=BUCKET, Key="never", WaiterConfig={"Delay": 3, "MaxAttempts": 4}
        )
    assert sleeps == [3, 3, 3]


# --- presigning ---------------------------------------------------------------
# Moto serves ``requests`` too: a presigned URL fetched with requests inside the
# context reaches the same backend the async client wrote to.


async def test_presigned_get_and_put_urls_work(aws: Aws) -> None:
    s3 = await aws.client("s3")
    await s3.create_bucket(Bucket=BUCKET)
    await s3.put_object(Bucket=BUCKET, Key="doc", Body=b"presigned content")

    get_url = await s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "doc"}, ExpiresIn=600
    )
    put_url = await s3.generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": "uploaded"}, ExpiresIn=600
    )

    assert BUCKET in get_url
    assert "Expires=" in get_url or "X-Amz-Expires=600" in get_url
    fetched = requests.get(get_url, timeout=5)
    assert fetched.status_code == 200
    assert fetched.content == b"presigned content"
    assert requests.put(put_url, data=b"via put url", timeout=5).status_code == 200
    got = await s3.get_object(Bucket=BUCKET, Key="uploaded")
    assert await got["Body"].read() == b"via put url"


async def test_presigned_post_uploads(aws: Aws) -> None:
    s3 = await aws.client("s3")
    await s3.create_bucket(Bucket=BUCKET)

    post = await s3.generate_presigned_post(
        BUCKET,
        "posted/${filename}",
        Conditions=[["content-length-range", 1, 1024]],
        ExpiresIn=600,
    )

    assert post["fields"]["key"] == "posted/${filename}"
    assert "policy" in post["fields"]
    answer = requests.post(
        post["url"],
        data=post["fields"],
        files={"file": ("report.txt", b"posted content")},
        timeout=5,
    )
    assert answer.status_code in (200, 204)
    got = await s3.get_object(Bucket=BUCKET, Key="posted/report.txt")
    assert await got["Body"].read() == b"posted content"


# --- retries ------------------------------------------------------------------


class S3ServerError(HTTPException):
    """An S3 error answered with a 5xx status, as S3 does when it is busy."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__()
        self.code = status
        self._body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        )

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [("Content-Type", "application/xml")]

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        return self._body


class Failing:
    """Makes a Moto backend method raise for its next ``count`` calls."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        owner: type,
        name: str,
        error: Any,
    ) -> None:
        self.count = 0
        real = getattr(owner, name)

        def failing(*args: Any, **kwargs: Any) -> Any:
            if self.count > 0:
                self.count -= 1
                raise error()
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, failing)


@pytest.mark.modes(*SLEEPING_MODES)
@pytest.mark.parametrize(
    ("status", "code"), [(500, "InternalError"), (503, "SlowDown")]
)
@pytest.mark.parametrize("retry_mode", ["legacy", "standard"])
async def test_s3_5xx_answers_are_retried(
    aws: Aws,
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    code: str,
    retry_mode: str,
) -> None:
    s3 = await aws.client("s3", retries={"mode": retry_mode, "max_attempts": 3})
    await s3.create_bucket(Bucket=BUCKET)
    failing = Failing(
        monkeypatch,
        S3Backend,
        "list_objects_v2",
        lambda: S3ServerError(status, code, "try again"),
    )

    failing.count = 2
    listed = await s3.list_objects_v2(Bucket=BUCKET)
    assert listed["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(sleeps) == 2

    failing.count = 100
    with pytest.raises(ClientError) as raised:
        await s3.list_objects_v2(Bucket=BUCKET)
    error = raised.value.response
    assert error["Error"]["Code"] == code
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error["ResponseMetadata"]["RetryAttempts"] > 2


@pytest.mark.modes(*SLEEPING_MODES)
@pytest.mark.parametrize(
    "code", ["ThrottlingException", "ProvisionedThroughputExceededException"]
)
@pytest.mark.parametrize("retry_mode", ["legacy", "standard"])
async def test_dynamodb_throttling_is_retried(
    aws: Aws,
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    retry_mode: str,
) -> None:
    from moto.core.exceptions import JsonRESTError

    ddb = await aws.client("dynamodb", retries={"mode": retry_mode})
    failing = Failing(
        monkeypatch,
        DynamoDBBackend,
        "list_tables",
        lambda: JsonRESTError(code, "Rate of requests exceeds the allowed throughput."),
    )
    failing.count = 2

    listed = await ddb.list_tables()

    assert listed["TableNames"] == []
    assert listed["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(sleeps) == 2


async def test_a_client_error_is_not_retried(aws: Aws, sleeps: list[float]) -> None:
    s3 = await aws.client("s3")
    with pytest.raises(ClientError) as raised:
        await s3.list_objects_v2(Bucket="no-such-bucket")
    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    assert sleeps == []


# --- error shapes and handler-parsed answers --------------------------------


async def test_head_object_404s(aws: Aws) -> None:
    s3 = await aws.client("s3")
    await s3.create_bucket(Bucket=BUCKET)

    with pytest.raises(ClientError) as missing_key:
        await s3.head_object(Bucket=BUCKET, Key="absent")
    with pytest.raises(ClientError) as missing_bucket:
        await s3.head_object(Bucket="no-such-bucket", Key="absent")
    with pytest.raises(s3.exceptions.NoSuchKey):
        await s3.get_object(Bucket=BUCKET, Key="absent")

    key_error = missing_key.value.response
    assert key_error["Error"] == {"Code": "404", "Message": "Not Found"}
    assert key_error["ResponseMetadata"]["HTTPStatusCode"] == 404
    # Moto puts an error body even on a HEAD's 404 for a missing bucket, so
    # botocore reads NoSuchBucket from it -- through boto3 just the same.
    bucket_error = missing_bucket.value.response
    assert bucket_error["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as sync_missing_bucket:
        aws.boto3("s3").head_object(Bucket="no-such-bucket", Key="absent")
    assert bucket_error["Error"] == sync_missing_bucket.value.response["Error"]


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2"])
async def test_get_bucket_location(aws: Aws, region: str) -> None:
    s3 = await aws.client("s3")
    create: dict[str, Any] = {"Bucket": BUCKET}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    await s3.create_bucket(**create)

    location = await s3.get_bucket_location(Bucket=BUCKET)

    expected = None if region == "us-east-1" else region
    assert location["LocationConstraint"] == expected
    assert (
        aws.boto3("s3").get_bucket_location(Bucket=BUCKET)["LocationConstraint"]
        == expected
    )
