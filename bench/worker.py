"""One benchmark worker process: ``python bench/worker.py``, driven by
``bench/workers.py`` over stdin/stdout, one JSON request per line.

It runs in this project's virtual environment and in the incumbent's, so it
imports only what both have -- ``aiomoto.mock_aws`` is whichever aiomoto the
environment holds -- and times in CPU seconds of this process (a
``ThreadedMotoServer``'s threads included).

Requests:

* ``{"do": "test", "variant": V, "session": "fresh"|"warm", "n": N}``: N
  test-shaped runs -- enter the mock, a session (new, or one made before)
  and an S3 client, create a bucket, put and get an object, exit -- and the
  CPU seconds of each.
* ``{"do": "op", "variant": V, "op": OP, "n": N}``: CPU seconds per call of
  one operation, over N calls after a warm-up, inside one context.
* ``{"do": "versions"}``.

Variants: ``aiomoto`` (aiobotocore in ``aiomoto.mock_aws``), ``moto_boto3``
(boto3 in ``moto.mock_aws``), ``server_aio`` (aiobotocore against a
``ThreadedMotoServer`` on 127.0.0.1, reset through its API as a test would).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from importlib import metadata
from typing import Any

REGION = "us-east-1"
BODY = b"x" * 100
WARMUP = 3
QUEUE_BATCH = 10

os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)

_loop = asyncio.new_event_loop()


def run(awaitable: Any) -> Any:
    return _loop.run_until_complete(awaitable)


# --- The variants' contexts -------------------------------------------------

_server: Any = None


def server_endpoint() -> str:
    global _server
    if _server is None:
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        _server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        _server.start()
    host, port = _server.get_host_and_port()
    return f"http://{host}:{port}"


@contextmanager
def server_reset() -> Iterator[None]:
    """What a test against a server does around itself: reset Moto's state."""
    endpoint = server_endpoint()
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request) as response:
        response.read()
    yield


def context(variant: str) -> AbstractContextManager[Any]:
    if variant == "aiomoto":
        import aiomoto

        return aiomoto.mock_aws()
    if variant == "moto_boto3":
        import moto

        return moto.mock_aws()
    if variant == "server_aio":
        return server_reset()
    raise ValueError(f"unknown variant {variant!r}")


def endpoint_url(variant: str) -> str | None:
    return server_endpoint() if variant == "server_aio" else None


def new_session(variant: str) -> Any:
    if variant == "moto_boto3":
        import boto3

        return boto3.session.Session()
    from aiobotocore.session import AioSession

    return AioSession()


# --- Test-shaped runs -------------------------------------------------------


async def s3_calls_async(session: Any, endpoint: str | None) -> None:
    async with session.create_client(
        "s3", region_name=REGION, endpoint_url=endpoint
    ) as s3:
        await s3.create_bucket(Bucket="bench-test")
        await s3.put_object(Bucket="bench-test", Key="k", Body=BODY)
        response = await s3.get_object(Bucket="bench-test", Key="k")
        async with response["Body"] as body:
            assert await body.read() == BODY


def s3_calls_sync(session: Any) -> None:
    s3 = session.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="bench-test")
    s3.put_object(Bucket="bench-test", Key="k", Body=BODY)
    assert s3.get_object(Bucket="bench-test", Key="k")["Body"].read() == BODY


def one_test(variant: str, warm_session: Any) -> None:
    with context(variant):
        session = warm_session or new_session(variant)
        if variant == "moto_boto3":
            s3_calls_sync(session)
        else:
            run(s3_calls_async(session, endpoint_url(variant)))


def tests(variant: str, session: str, n: int) -> list[float]:
    warm = new_session(variant) if session == "warm" else None
    one_test(variant, warm)  # imports and first-use work, as in a test run
    seconds = []
    for _ in range(n):
        start = time.process_time()
        one_test(variant, warm)
        seconds.append(time.process_time() - start)
    return seconds


# --- Per-call timings ---------------------------------------------------------

OPS: dict[str, tuple[str, str, Callable[[int, dict[str, str]], dict[str, Any]]]] = {
    "s3_put": (
        "s3",
        "put_object",
        lambda i, c: {"Bucket": "bench-ops", "Key": f"put-{i % 100}", "Body": BODY},
    ),
    "s3_get": ("s3", "get_object", lambda i, c: {"Bucket": "bench-ops", "Key": "k"}),
    "s3_head": ("s3", "head_object", lambda i, c: {"Bucket": "bench-ops", "Key": "k"}),
    "ddb_put": (
        "dynamodb",
        "put_item",
        lambda i, c: {
            "TableName": "bench-ops",
            "Item": {"pk": {"S": f"p{i}"}, "sk": {"S": "s"}, "v": {"S": "y" * 50}},
        },
    ),
    "ddb_get": (
        "dynamodb",
        "get_item",
        lambda i, c: {
            "TableName": "bench-ops",
            "Key": {"pk": {"S": "q"}, "sk": {"S": "s"}},
        },
    ),
    "sqs_send": (
        "sqs",
        "send_message",
        lambda i, c: {"QueueUrl": c["queue"], "MessageBody": f"message {i}"},
    ),
}


async def _populate(clients: dict[str, Any]) -> dict[str, str]:
    s3, dynamodb, sqs = clients["s3"], clients["dynamodb"], clients["sqs"]
    await s3.create_bucket(Bucket="bench-ops")
    await s3.put_object(Bucket="bench-ops", Key="k", Body=BODY)
    await dynamodb.create_table(
        TableName="bench-ops",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    await dynamodb.put_item(
        TableName="bench-ops", Item={"pk": {"S": "q"}, "sk": {"S": "s"}}
    )
    queue = await sqs.create_queue(QueueName="bench-ops")
    return {"queue": queue["QueueUrl"]}


async def _time_op(variant: str, op: str, n: int) -> float:
    service, method, params = OPS[op]
    session = new_session(variant)
    endpoint = endpoint_url(variant)
    clients = {}
    for name in ("s3", "dynamodb", "sqs"):
        clients[name] = await session.create_client(
            name, region_name=REGION, endpoint_url=endpoint
        ).__aenter__()
    try:
        found = await _populate(clients)
        call = getattr(clients[service], method)
        elapsed = 0.0
        for i in range(-WARMUP, n):
            if op == "sqs_send" and i >= 0 and i % QUEUE_BATCH == 0:
                # Moto's send looks at every message in the queue: keep it
                # short.  (SQS allows one purge a minute; a new queue is empty.)
                await clients["sqs"].delete_queue(QueueUrl=found["queue"])
                queue = await clients["sqs"].create_queue(QueueName="bench-ops")
                found["queue"] = queue["QueueUrl"]
            start = time.process_time()
            response = await call(**params(i, found))
            if "Body" in response:
                async with response["Body"] as body:
                    await body.read()
            if i >= 0:
                elapsed += time.process_time() - start
        return elapsed / n
    finally:
        for client in clients.values():
            await client.__aexit__(None, None, None)


def time_op(variant: str, op: str, n: int) -> float:
    with context(variant) if variant != "server_aio" else nullcontext():
        if variant == "server_aio":
            with server_reset():
                pass
        result: float = run(_time_op(variant, op, n))
        return result


def versions() -> dict[str, str]:
    names = ("aiomoto", "moto", "botocore", "aiobotocore", "boto3", "aiohttp")
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    found["python"] = sys.version.split()[0]
    return found


def answer(request: dict[str, Any]) -> Any:
    if request["do"] == "versions":
        return versions()
    if request["do"] == "test":
        return tests(request["variant"], request["session"], request["n"])
    if request["do"] == "op":
        return time_op(request["variant"], request["op"], request["n"])
    raise ValueError(f"unknown request {request!r}")


def serve(answer: Callable[[dict[str, Any]], Any]) -> None:
    """Answer the driver's requests, one line each, until stdin closes."""
    for line in sys.stdin:
        try:
            reply = {"result": answer(json.loads(line))}
        except Exception as error:  # reported to the driver, which stops
            reply = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main() -> None:
    serve(answer)
    if _server is not None:
        _server.stop()


if __name__ == "__main__":
    main()
