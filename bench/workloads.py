"""What the benchmark times, written once for sync and async clients."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from variants import (
    BIG_BUCKET,
    LIST_BUCKET,
    PUT_BUCKET,
    QUEUE_MESSAGES,
    RECEIVE_QUEUE,
    SEND_QUEUE,
    SMALL_BODY,
    TABLE,
    list_key,
)

MIB = 1 << 20
WARMUP_CALLS = 3
STREAM_SIZE = 64 * MIB
# Each read of a fresh 64 MiB object costs page faults the next ones do not.
STREAM_READS = 3


@dataclass
class Context:
    """Per-session values the operations need: the queues' URLs."""

    send_queue_url: str
    receive_queue_url: str


# A call a client makes between batches of an operation, not timed:
# (service, method, parameters).
Call = tuple[str, str, dict[str, Any]]


def fresh_send_queue(context: Context) -> list[Call]:
    # Moto, as SQS, allows one PurgeQueue a minute; a queue made anew is empty.
    return [
        ("sqs", "delete_queue", {"QueueUrl": context.send_queue_url}),
        ("sqs", "create_queue", {"QueueName": SEND_QUEUE}),
    ]


@dataclass(frozen=True)
class Op:
    key: str
    label: str
    service: str
    method: str
    params: Callable[[int, Context], dict[str, Any]]
    read_body: bool = False
    # The share of ``--calls`` this operation makes: Moto takes about 0.2 s
    # to list 1,000 keys, whichever way it is called.
    share: float = 1.0
    # Made, untimed, before each ``batch`` calls.
    between: Callable[[Context], list[Call]] | None = None
    batch: int = 0

    def calls(self, calls: int) -> int:
        return max(3, round(calls * self.share))

    def schedule(self, calls: int) -> list[tuple[range, bool]]:
        """Batches of call indexes, and whether each is timed: a warm-up,
        then ``calls`` calls cut where ``between`` is made."""
        size = self.batch or calls
        timed = [(range(i, min(calls, i + size)), True) for i in range(0, calls, size)]
        return [(range(WARMUP_CALLS), False), *timed]


OPS = (
    Op(
        "s3_put",
        "S3 PutObject, 100 B",
        "s3",
        "put_object",
        lambda i, c: {
            "Bucket": PUT_BUCKET,
            "Key": f"put-{i % 100}",
            "Body": SMALL_BODY,
        },
    ),
    Op(
        "s3_get",
        "S3 GetObject, 100 B, read",
        "s3",
        "get_object",
        lambda i, c: {"Bucket": LIST_BUCKET, "Key": list_key(i)},
        read_body=True,
    ),
    Op(
        "s3_head",
        "S3 HeadObject",
        "s3",
        "head_object",
        lambda i, c: {"Bucket": LIST_BUCKET, "Key": list_key(i)},
    ),
    Op(
        "s3_list",
        "S3 ListObjectsV2, 1,000 keys",
        "s3",
        "list_objects_v2",
        lambda i, c: {"Bucket": LIST_BUCKET},
        share=0.05,
    ),
    Op(
        "ddb_put",
        "DynamoDB PutItem",
        "dynamodb",
        "put_item",
        lambda i, c: {
            "TableName": TABLE,
            "Item": {"pk": {"S": f"p{i}"}, "sk": {"S": "s"}, "v": {"S": "y" * 50}},
        },
    ),
    Op(
        "ddb_get",
        "DynamoDB GetItem",
        "dynamodb",
        "get_item",
        lambda i, c: {
            "TableName": TABLE,
            "Key": {"pk": {"S": "q"}, "sk": {"S": str(i % 10)}},
        },
    ),
    Op(
        "ddb_query",
        "DynamoDB Query, 10 items",
        "dynamodb",
        "query",
        lambda i, c: {
            "TableName": TABLE,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "q"}},
        },
    ),
    Op(
        "sqs_send",
        "SQS SendMessage, queue of up to 10",
        "sqs",
        "send_message",
        lambda i, c: {"QueueUrl": c.send_queue_url, "MessageBody": f"message {i}"},
        between=fresh_send_queue,
        batch=QUEUE_MESSAGES,
    ),
    # The queue's messages stay visible, so each receive finds one.
    Op(
        "sqs_receive",
        "SQS ReceiveMessage, queue of 10",
        "sqs",
        "receive_message",
        lambda i, c: {
            "QueueUrl": c.receive_queue_url,
            "MaxNumberOfMessages": 1,
            "VisibilityTimeout": 0,
        },
    ),
)


# --- Sync clients -----------------------------------------------------------


def sync_context(clients: dict[str, Any]) -> Context:
    sqs = clients["sqs"]
    return Context(
        sqs.get_queue_url(QueueName=SEND_QUEUE)["QueueUrl"],
        sqs.get_queue_url(QueueName=RECEIVE_QUEUE)["QueueUrl"],
    )


def time_op_sync(
    clients: dict[str, Any], op: Op, context: Context, calls: int
) -> float:
    """Seconds per call over ``op.calls(calls)`` calls, after a short warm-up."""
    call = getattr(clients[op.service], op.method)
    calls = op.calls(calls)
    elapsed = 0.0
    for batch, timed in op.schedule(calls):
        for service, method, params in op.between(context) if op.between else []:
            getattr(clients[service], method)(**params)
        start = time.perf_counter()
        for i in batch:
            response = call(**op.params(i, context))
            if op.read_body:
                response["Body"].read()
        if timed:
            elapsed += time.perf_counter() - start
    return elapsed / calls


def stream_sync(clients: dict[str, Any], key: str) -> tuple[float, int]:
    """Seconds to get ``key`` and read it in 1 MiB pieces, and the bytes read."""
    start = time.perf_counter()
    body = clients["s3"].get_object(Bucket=BIG_BUCKET, Key=key)["Body"]
    total = 0
    while chunk := body.read(MIB):
        total += len(chunk)
    body.close()
    return time.perf_counter() - start, total


def read_all_sync(clients: dict[str, Any], key: str) -> int:
    body = clients["s3"].get_object(Bucket=BIG_BUCKET, Key=key)["Body"]
    data = body.read()
    body.close()
    return len(data)


def concurrent_puts_sync(clients: dict[str, Any], tasks: int, threads: int) -> float:
    """Seconds for ``tasks`` puts spread over a pool of ``threads``."""
    s3 = clients["s3"]

    def put(i: int) -> None:
        s3.put_object(Bucket=PUT_BUCKET, Key=f"concurrent-{i}", Body=SMALL_BODY)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        start = time.perf_counter()
        list(pool.map(put, range(tasks)))
        return time.perf_counter() - start


# --- Async clients ----------------------------------------------------------


async def async_context(clients: dict[str, Any]) -> Context:
    sqs = clients["sqs"]
    send = await sqs.get_queue_url(QueueName=SEND_QUEUE)
    receive = await sqs.get_queue_url(QueueName=RECEIVE_QUEUE)
    return Context(send["QueueUrl"], receive["QueueUrl"])


async def _read_body_async(body: Any) -> int:
    data = await body.read()
    body.close()
    return len(data)


async def time_op_async(
    clients: dict[str, Any],
    op: Op,
    context: Context,
    calls: int,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Seconds per call by ``clock`` (wall time unless told), after a short
    warm-up."""
    call = getattr(clients[op.service], op.method)
    calls = op.calls(calls)
    elapsed = 0.0
    for batch, timed in op.schedule(calls):
        for service, method, params in op.between(context) if op.between else []:
            await getattr(clients[service], method)(**params)
        start = clock()
        for i in batch:
            response = await call(**op.params(i, context))
            if op.read_body:
                await _read_body_async(response["Body"])
        if timed:
            elapsed += clock() - start
    return elapsed / calls


async def stream_async(
    clients: dict[str, Any], key: str, clock: Callable[[], float] = time.perf_counter
) -> tuple[float, int]:
    start = clock()
    response = await clients["s3"].get_object(Bucket=BIG_BUCKET, Key=key)
    body = response["Body"]
    total = 0
    while chunk := await body.read(MIB):
        total += len(chunk)
    body.close()
    return clock() - start, total


async def read_all_async(clients: dict[str, Any], key: str) -> int:
    response = await clients["s3"].get_object(Bucket=BIG_BUCKET, Key=key)
    return await _read_body_async(response["Body"])


async def concurrent_puts_async(clients: dict[str, Any], tasks: int) -> float:
    """Seconds for ``tasks`` asyncio tasks, each doing one put, all at once."""
    s3 = clients["s3"]

    async def put(i: int) -> None:
        await s3.put_object(Bucket=PUT_BUCKET, Key=f"concurrent-{i}", Body=SMALL_BODY)

    start = time.perf_counter()
    await asyncio.gather(*(put(i) for i in range(tasks)))
    return time.perf_counter() - start
