"""S3 SelectObjectContent: events arrive through aiobotocore's event-stream parser."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiobotocore.eventstream import AioEventStream
from botocore.eventstream import ChecksumMismatch
from moto.s3.responses import S3Response
from tests.async_surface.harness import Aws

pytestmark = pytest.mark.anyio

BUCKET = "selects"
ROWS = [(str(i), f"name-{i}", "even" if i % 2 == 0 else "odd") for i in range(3000)]
# No final newline: Moto's CSV reader would read one more, empty, row.
CSV = "\n".join(["id,name,parity", *(",".join(row) for row in ROWS)]).encode()


async def select(s3: Any, expression: str, **kwargs: Any) -> Any:
    response = await s3.select_object_content(
        Bucket=BUCKET,
        Key="table.csv",
        Expression=expression,
        ExpressionType="SQL",
        InputSerialization={"CSV": {"FileHeaderInfo": "USE"}},
        OutputSerialization={"JSON": {}},
        **kwargs,
    )
    return response["Payload"]


async def s3_with_table(aws: Aws) -> Any:
    s3 = await aws.client("s3")
    await s3.create_bucket(Bucket=BUCKET)
    await s3.put_object(Bucket=BUCKET, Key="table.csv", Body=CSV)
    return s3


def records(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    payload = b"".join(e["Records"]["Payload"] for e in events if "Records" in e)
    return [json.loads(line) for line in payload.splitlines() if line]


async def test_select_events_arrive_in_order(aws: Aws) -> None:
    s3 = await s3_with_table(aws)
    payload = await select(s3, "SELECT * FROM s3object s WHERE s.parity = 'odd'")
    assert isinstance(payload, AioEventStream)

    events = [event async for event in payload]

    kinds = [next(iter(event)) for event in events]
    assert kinds[-2:] == ["Stats", "End"]
    assert set(kinds[:-2]) == {"Records"}
    rows = records(events)
    assert rows == [
        {"id": i, "name": name, "parity": parity}
        for i, name, parity in ROWS
        if parity == "odd"
    ]
    details = events[-2]["Stats"]["Details"]
    assert details["BytesReturned"] == sum(
        len(e["Records"]["Payload"]) for e in events if "Records" in e
    )


async def test_select_events_equal_boto3s(aws: Aws) -> None:
    s3 = await s3_with_table(aws)
    query = "SELECT s.name FROM s3object s WHERE s.parity = 'even'"
    payload = await select(s3, query)
    async_events = [event async for event in payload]

    sync_events = list(
        aws.boto3("s3").select_object_content(
            Bucket=BUCKET,
            Key="table.csv",
            Expression=query,
            ExpressionType="SQL",
            InputSerialization={"CSV": {"FileHeaderInfo": "USE"}},
            OutputSerialization={"JSON": {}},
        )["Payload"]
    )

    assert async_events == sync_events
    assert len(records(async_events)) == len(ROWS) // 2


async def test_select_payload_larger_than_one_read_chunk(aws: Aws) -> None:
    # Over 64 KiB of records: the parser must join messages across chunks.
    s3 = await s3_with_table(aws)
    payload = await select(s3, "SELECT * FROM s3object")
    events = [event async for event in payload]
    total = sum(len(e["Records"]["Payload"]) for e in events if "Records" in e)
    assert total > 64 * 1024
    assert [row["id"] for row in records(events)] == [row[0] for row in ROWS]


async def test_select_count(aws: Aws) -> None:
    s3 = await s3_with_table(aws)
    payload = await select(s3, "SELECT count(*) FROM s3object")
    events = [event async for event in payload]
    assert records(events) == [{"_1": len(ROWS)}]


async def test_select_on_missing_key_is_a_client_error(aws: Aws) -> None:
    s3 = await s3_with_table(aws)
    with pytest.raises(s3.exceptions.NoSuchKey):
        await s3.select_object_content(
            Bucket=BUCKET,
            Key="missing.csv",
            Expression="SELECT * FROM s3object",
            ExpressionType="SQL",
            InputSerialization={"CSV": {}},
            OutputSerialization={"JSON": {}},
        )


async def test_a_corrupted_event_fails_the_parser_checksum(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Flip the last byte Moto sends -- the End message's CRC.  The records
    # before it still parse; the End message must not.  Moto answers every
    # POST on a key from S3Response._key_response_post, on 5.1 (which writes
    # the event stream itself) and on 5.2 (which serializes it) alike.
    key_response_post = S3Response._key_response_post

    def corrupt_select(
        self: S3Response, request: Any, body: bytes, bucket: str, query: Any, key: str
    ) -> Any:
        status, headers, sent = key_response_post(
            self, request, body, bucket, query, key
        )
        if "select" in query:
            sent = sent[:-1] + bytes([sent[-1] ^ 0xFF])
        return status, headers, sent

    monkeypatch.setattr(S3Response, "_key_response_post", corrupt_select)
    s3 = await s3_with_table(aws)
    payload = await select(s3, "SELECT * FROM s3object s WHERE s.id = '7'")

    seen = []
    with pytest.raises(ChecksumMismatch):
        async for event in payload:
            seen.append(next(iter(event)))
    assert seen == ["Records", "Stats"]
