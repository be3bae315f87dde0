"""The ways of running a client against Moto that the benchmark compares."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import moto
from aiobotocore.session import AioSession
from moto.core.base_backend import BackendDict
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.s3.models import s3_backends

import aiomoto

REGION = "us-east-1"
ACCOUNT = "123456789012"
SERVICES = ("s3", "dynamodb", "sqs")

LIST_BUCKET = "bench-list"
PUT_BUCKET = "bench-put"
BIG_BUCKET = "bench-big"
TABLE = "bench-table"
SEND_QUEUE = "bench-send"
RECEIVE_QUEUE = "bench-receive"
# Moto's SQS looks at every message in the queue on each send and at every
# message once per message on each receive, so a queue's length sets the cost
# of both.  The benchmark keeps its queues as short as a test's.
QUEUE_MESSAGES = 10
LIST_KEYS = 1000
SMALL_BODY = b"x" * 100


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    is_async: bool
    # "aiomoto", "moto" or "server"
    mock: str
    fast_path: bool = True


PRODUCT = Variant("aiomoto_aio", "aiobotocore, aiomoto.mock_aws", True, "aiomoto")
FLOOR = Variant("moto_boto3", "boto3, moto.mock_aws", False, "moto")
SERVER = Variant("server_aio", "aiobotocore, ThreadedMotoServer", True, "server")
SYNC_IN_AIOMOTO = Variant("aiomoto_boto3", "boto3, aiomoto.mock_aws", False, "aiomoto")
NO_FAST_PATH = Variant(
    "aiomoto_aio_nofast",
    "aiobotocore, aiomoto.mock_aws, AIOMOTO_FAST_PATH=0",
    True,
    "aiomoto",
    fast_path=False,
)
VARIANTS = (PRODUCT, FLOOR, SERVER, SYNC_IN_AIOMOTO, NO_FAST_PATH)
BY_KEY = {v.key: v for v in VARIANTS}


def fake_credentials() -> None:
    """Credentials for clients that talk to the server, where no mock sets them."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_ENDPOINT_URL", None)


class Server:
    """One ThreadedMotoServer on 127.0.0.1 with a port the OS picks."""

    def __init__(self) -> None:
        self._server: ThreadedMotoServer | None = None
        # The server would log every request it serves.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    @property
    def endpoint(self) -> str:
        if self._server is None:
            self._server = ThreadedMotoServer(
                ip_address="127.0.0.1", port=0, verbose=False
            )
            self._server.start()
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


@contextmanager
def fast_path(enabled: bool) -> Iterator[None]:
    """``AIOMOTO_FAST_PATH=0`` inside, unless ``enabled``; restored after."""
    saved = os.environ.get("AIOMOTO_FAST_PATH")
    if not enabled:
        os.environ["AIOMOTO_FAST_PATH"] = "0"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("AIOMOTO_FAST_PATH", None)
        else:
            os.environ["AIOMOTO_FAST_PATH"] = saved


@contextmanager
def mocked(variant: Variant, server: Server) -> Iterator[str | None]:
    """The variant's mock, active; yields the endpoint URL clients must use."""
    if variant.mock == "server":
        endpoint = server.endpoint
        BackendDict.reset()
        yield endpoint
        BackendDict.reset()
    elif variant.mock == "moto":
        with moto.mock_aws():
            yield None
    else:
        with ExitStack() as stack:
            stack.enter_context(fast_path(variant.fast_path))
            stack.enter_context(aiomoto.mock_aws())
            yield None


@contextmanager
def in_process_state(variant: Variant) -> Iterator[None]:
    """Where state can be built: the variant's own mock, or (for the server)
    a Moto mock that neither resets nor removes what is there."""
    if variant.mock != "server":
        yield
        return
    mock = moto.mock_aws()
    mock.start(reset=False)
    try:
        yield
    finally:
        mock.stop(remove_data=False)


_setup_session: boto3.session.Session | None = None


def sync_session() -> boto3.session.Session:
    global _setup_session
    if _setup_session is None:
        _setup_session = boto3.session.Session()
    return _setup_session


def populate(variant: Variant) -> None:
    """The same starting state for every variant: buckets, a table, a queue."""
    with in_process_state(variant):
        session = sync_session()
        s3 = session.client("s3", region_name=REGION)
        for bucket in (LIST_BUCKET, PUT_BUCKET, BIG_BUCKET):
            s3.create_bucket(Bucket=bucket)
        backend = s3_backends[ACCOUNT]["aws"]
        for i in range(LIST_KEYS):
            backend.put_object(LIST_BUCKET, list_key(i), SMALL_BODY)
        dynamodb = session.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName=TABLE,
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
        for i in range(10):
            dynamodb.put_item(
                TableName=TABLE,
                Item={"pk": {"S": "q"}, "sk": {"S": str(i)}, "v": {"S": "y" * 50}},
            )
        sqs = session.client("sqs", region_name=REGION)
        sqs.create_queue(QueueName=SEND_QUEUE)
        url = sqs.create_queue(QueueName=RECEIVE_QUEUE)["QueueUrl"]
        for i in range(QUEUE_MESSAGES):
            sqs.send_message(QueueUrl=url, MessageBody=f"message {i}")


def put_big_object(key: str, size: int) -> None:
    """An object of ``size`` bytes, stored without a client (and its copies)."""
    value = bytes(size)
    s3_backends[ACCOUNT]["aws"].put_object(BIG_BUCKET, key, value)
    del value


def list_key(i: int) -> str:
    return f"key-{i % LIST_KEYS:04d}"


def sync_clients(endpoint: str | None) -> dict[str, Any]:
    session = sync_session()
    return {
        name: session.client(name, region_name=REGION, endpoint_url=endpoint)
        for name in SERVICES
    }


async def async_clients(
    stack: AsyncExitStack, endpoint: str | None, session: AioSession
) -> dict[str, Any]:
    return {
        name: await stack.enter_async_context(
            session.create_client(name, region_name=REGION, endpoint_url=endpoint)
        )
        for name in SERVICES
    }
