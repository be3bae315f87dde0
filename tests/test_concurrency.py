"""Many clients at once against one context: nothing lost, counts exact.

One aiomoto context serves, all at the same time, 1,000 tasks on the test's
event loop, boto3 in ``asyncio.to_thread`` workers, aiobotocore on asyncio
loops in other threads and on trio loops (httpx) in others.  Every one writes
through S3, DynamoDB and SQS; afterwards every write is visible and every
count is exact.  Moto's backends are not thread safe on their own: the
dispatcher's lock makes them so, and the tests below show what it guards.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypeVar

import boto3
import moto.s3.models
import pytest
import trio
from aiobotocore.config import AioConfig
from aiobotocore.httpxsession import HttpxSession
from aiobotocore.session import get_session
from botocore.config import Config
from tests.clients import pk_sk_table

import aiomoto
from aiomoto._lifecycle import _waits
from aiomoto._lifecycle._state import state

T = TypeVar("T")

REGION = "us-east-1"
BUCKET = "concurrency"
TABLE = "concurrency"
QUEUE = "concurrency"
# No retries: an error inside Moto must surface, not be retried away.
NO_RETRIES: dict[str, Any] = {"retries": {"total_max_attempts": 1}}
# Longer than the test: a received message is never delivered twice.
INVISIBLE_FOR = 600

TASKS = 1000
THREADS_PER_KIND = {"boto3": 3, "asyncio": 3, "trio": 2}
UNITS_PER_THREAD = 12

Call = Callable[..., Awaitable[Any]]


def run_without_suspending(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine whose awaits all complete at once (boto3 wrapped)."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    coroutine.close()
    raise AssertionError("a boto3 call suspended")


@dataclass
class Ledger:
    """What the workers did, recorded under a lock; checked against Moto."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    kept: dict[str, bytes] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    items: dict[str, set[int]] = field(default_factory=dict)
    units: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    received: Counter[str] = field(default_factory=Counter)

    def add(self, **changes: Any) -> None:
        with self.lock:
            for name, value in changes.items():
                if name == "kept":
                    self.kept.update(value)
                elif name == "items":
                    actor, sk = value
                    self.items.setdefault(actor, set()).add(sk)
                elif name == "units":
                    self.units += value
                else:
                    target = getattr(self, name)
                    target.update(value)


@dataclass
class Services:
    """The three clients of one worker, as awaitable callables."""

    s3: Any
    dynamodb: Any
    sqs: Any
    queue_url: str
    sync: bool

    def call(self, service: str, operation: str) -> Call:
        method = getattr(getattr(self, service), operation)
        if not self.sync:
            return method  # type: ignore[no-any-return]

        async def sync_call(**kwargs: Any) -> Any:
            return method(**kwargs)

        return sync_call

    async def read(self, body: Any) -> bytes:
        if self.sync:
            data: bytes = body.read()
            return data
        async with body as stream:
            data = await stream.read()
        return data


async def s3_unit(services: Services, ledger: Ledger, actor: str, i: int) -> None:
    key = f"{actor}/{i}"
    body = f"{actor}:{i}:".encode() * (1 + i % 7)
    await services.call("s3", "put_object")(Bucket=BUCKET, Key=key, Body=body)
    got = await services.call("s3", "get_object")(Bucket=BUCKET, Key=key)
    assert await services.read(got["Body"]) == body
    if i % 2:
        await services.call("s3", "delete_object")(Bucket=BUCKET, Key=key)
        ledger.add(deleted={key})
    else:
        ledger.add(kept={key: body})


async def dynamodb_unit(services: Services, ledger: Ledger, actor: str, i: int) -> None:
    put = services.call("dynamodb", "put_item")
    update = services.call("dynamodb", "update_item")
    key = {"pk": {"S": actor}, "sk": {"N": str(i)}}
    await put(TableName=TABLE, Item={**key, "n": {"N": "0"}})
    add_one = {"UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {}}
    add_one["ExpressionAttributeValues"][":one"] = {"N": "1"}
    await update(TableName=TABLE, Key=key, **add_one)
    total = {"pk": {"S": "total"}, "sk": {"N": "0"}}
    await update(TableName=TABLE, Key=total, **add_one)
    found = await services.call("dynamodb", "query")(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk AND sk = :sk",
        ExpressionAttributeValues={":pk": key["pk"], ":sk": key["sk"]},
        ConsistentRead=True,
    )
    assert [item["n"] for item in found["Items"]] == [{"N": "1"}]
    ledger.add(items=(actor, i), units=1)


async def sqs_unit(services: Services, ledger: Ledger, actor: str, i: int) -> None:
    body = f"{actor}/{i}"
    await services.call("sqs", "send_message")(
        QueueUrl=services.queue_url, MessageBody=body
    )
    ledger.add(sent={body: 1})
    answer = await services.call("sqs", "receive_message")(
        QueueUrl=services.queue_url,
        MaxNumberOfMessages=1 + i % 3,
        VisibilityTimeout=INVISIBLE_FOR,
    )
    for message in answer.get("Messages", []):
        await services.call("sqs", "delete_message")(
            QueueUrl=services.queue_url, ReceiptHandle=message["ReceiptHandle"]
        )
        ledger.add(received={message["Body"]: 1})


UNITS = (s3_unit, dynamodb_unit, sqs_unit)


async def all_units(services: Services, ledger: Ledger, actor: str, i: int) -> None:
    for unit in UNITS:
        await unit(services, ledger, actor, i)


def boto3_services() -> Services:
    config = Config(**NO_RETRIES)
    clients = {
        name: boto3.client(name, region_name=REGION, config=config)  # type: ignore[call-overload]
        for name in ("s3", "dynamodb", "sqs")
    }
    url = clients["sqs"].get_queue_url(QueueName=QUEUE)["QueueUrl"]
    return Services(**clients, queue_url=url, sync=True)


async def async_services(stack: AsyncExitStack, http: type | None = None) -> Services:
    config = AioConfig(
        **NO_RETRIES, **({"http_session_cls": http} if http is not None else {})
    )
    session = get_session()
    clients = {
        name: await stack.enter_async_context(
            session.create_client(name, region_name=REGION, config=config)
        )
        for name in ("s3", "dynamodb", "sqs")
    }
    url = (await clients["sqs"].get_queue_url(QueueName=QUEUE))["QueueUrl"]
    return Services(**clients, queue_url=url, sync=False)


def boto3_worker(ledger: Ledger, actor: str) -> None:
    services = boto3_services()
    for i in range(UNITS_PER_THREAD):
        run_without_suspending(all_units(services, ledger, actor, i))


async def async_worker(ledger: Ledger, actor: str, http: type | None) -> None:
    async with AsyncExitStack() as stack:
        services = await async_services(stack, http)
        for i in range(UNITS_PER_THREAD):
            await all_units(services, ledger, actor, i)


def asyncio_loop_worker(ledger: Ledger, actor: str) -> None:
    asyncio.run(async_worker(ledger, actor, None))


def trio_loop_worker(ledger: Ledger, actor: str) -> None:
    trio.run(async_worker, ledger, actor, HttpxSession)


class Threads:
    """Threads whose exceptions are re-raised when they are joined."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []

    def start(self, target: Callable[..., None], *args: Any) -> None:
        def run() -> None:
            try:
                target(*args)
            except BaseException as error:  # re-raised by join_all
                self.errors.append(error)

        thread = threading.Thread(target=run, name=f"{target.__name__}{args[1:]}")
        thread.start()
        self._threads.append(thread)

    def alive(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def join_all(self) -> None:
        for thread in self._threads:
            thread.join()
        if self.errors:
            raise self.errors[0]


def create_resources() -> None:
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    boto3.client("dynamodb", region_name=REGION).create_table(**pk_sk_table(TABLE, "N"))
    boto3.client("sqs", region_name=REGION).create_queue(QueueName=QUEUE)


def check_against_moto(ledger: Ledger) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    keys = {
        entry["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        for entry in page.get("Contents", [])
    }
    assert keys == set(ledger.kept)
    assert not keys & ledger.deleted
    for key, body in ledger.kept.items():
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == body

    dynamodb = boto3.client("dynamodb", region_name=REGION)
    total = dynamodb.get_item(
        TableName=TABLE, Key={"pk": {"S": "total"}, "sk": {"N": "0"}}
    )["Item"]
    assert total["n"] == {"N": str(ledger.units)}
    for actor, expected in ledger.items.items():
        pages = dynamodb.get_paginator("query").paginate(
            TableName=TABLE,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": actor}},
        )
        items = [item for page in pages for item in page["Items"]]
        assert {int(item["sk"]["N"]) for item in items} == expected
        assert len(items) == len(expected)
        assert all(item["n"] == {"N": "1"} for item in items)

    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    while messages := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=INVISIBLE_FOR
    ).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            ledger.received[message["Body"]] += 1
    assert ledger.received == ledger.sent
    assert max(ledger.received.values()) == 1
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"


@pytest.mark.asyncio
async def test_a_thousand_tasks_and_eight_threads_lose_nothing() -> None:
    ledger = Ledger()
    async with aiomoto.mock_aws():
        create_resources()
        threads = Threads()
        for n in range(THREADS_PER_KIND["asyncio"]):
            threads.start(asyncio_loop_worker, ledger, f"asyncio-thread-{n}")
        for n in range(THREADS_PER_KIND["trio"]):
            threads.start(trio_loop_worker, ledger, f"trio-thread-{n}")
        async with AsyncExitStack() as stack:
            services = await async_services(stack)
            tasks = [
                UNITS[n % len(UNITS)](services, ledger, f"task-{n}", n)
                for n in range(TASKS)
            ]
            to_thread = [
                asyncio.to_thread(boto3_worker, ledger, f"to-thread-{n}")
                for n in range(THREADS_PER_KIND["boto3"])
            ]
            await asyncio.gather(*tasks, *to_thread)
        threads.join_all()

        units_per_kind = sum(THREADS_PER_KIND.values()) * UNITS_PER_THREAD
        assert ledger.units == units_per_kind + len(range(1, TASKS, 3))
        assert sum(ledger.sent.values()) == units_per_kind + len(range(2, TASKS, 3))
        assert len(ledger.kept) + len(ledger.deleted) == units_per_kind + len(
            range(0, TASKS, 3)
        )
        check_against_moto(ledger)


@contextmanager
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every microsecond, so that unguarded races show."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def test_concurrent_updates_of_one_item_are_all_counted() -> None:
    """DynamoDB's update is read-modify-write with no lock of Moto's own.

    Without the dispatcher's lock, about one update in ten is lost here.
    """
    threads, rounds = 8, 60
    with aiomoto.mock_aws():
        create_resources()
        key = {"pk": {"S": "counter"}, "sk": {"N": "0"}}

        def add(times: int) -> None:
            client = boto3.client(
                "dynamodb", region_name=REGION, config=Config(**NO_RETRIES)
            )
            for _ in range(times):
                client.update_item(
                    TableName=TABLE,
                    Key=key,
                    UpdateExpression="ADD n :one",
                    ExpressionAttributeValues={":one": {"N": "1"}},
                )

        async def add_async(times: int) -> None:
            async with get_session().create_client(
                "dynamodb", region_name=REGION, config=AioConfig(**NO_RETRIES)
            ) as client:
                for _ in range(times):
                    await client.update_item(
                        TableName=TABLE,
                        Key=key,
                        UpdateExpression="ADD n :one",
                        ExpressionAttributeValues={":one": {"N": "1"}},
                    )

        running = Threads()
        with frequent_thread_switches():
            for _ in range(threads // 2):
                running.start(add, rounds)
                running.start(lambda times: asyncio.run(add_async(times)), rounds)
            running.join_all()

        item = boto3.client("dynamodb", region_name=REGION).get_item(
            TableName=TABLE, Key=key
        )["Item"]
        assert item["n"] == {"N": str(threads * rounds)}


@pytest.mark.asyncio
async def test_moto_runs_holding_the_lock_on_both_paths(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    held: list[tuple[str, bool]] = []
    create_bucket = moto.s3.models.S3Backend.create_bucket

    def spying_create_bucket(self: Any, bucket_name: str, *args: Any, **kw: Any) -> Any:
        held.append((bucket_name, state.dispatch_lock._is_owned()))
        return create_bucket(self, bucket_name, *args, **kw)

    monkeypatch.setattr(moto.s3.models.S3Backend, "create_bucket", spying_create_bucket)
    async with aiomoto.mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="from-boto3")
        async with get_session().create_client("s3", region_name=REGION) as s3:
            await s3.create_bucket(Bucket="from-aiobotocore")
        assert not state.dispatch_lock.locked()
    assert held == [("from-boto3", True), ("from-aiobotocore", True)]


def test_an_sqs_long_poll_waits_without_the_lock() -> None:
    """A long poll must let other threads in, or the send it waits for would
    wait for it: the poller gives the lock up while Moto waits."""
    with aiomoto.mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
        queue = moto.sqs.models.sqs_backends["123456789012"][REGION].queues[QUEUE]
        received: list[Any] = []

        def poll() -> None:
            client = boto3.client("sqs", region_name=REGION)
            received.append(client.receive_message(QueueUrl=url, WaitTimeSeconds=20))

        poller = Threads()
        poller.start(poll)
        while not queue._messages_lock._waiters and poller.alive():
            threading.Event().wait(0.01)  # until Moto waits
        took = state.dispatch_lock.acquire(blocking=False)
        if took:
            state.dispatch_lock.release()
        sqs.send_message(QueueUrl=url, MessageBody="wake up")
        poller.join_all()

    assert took, "the long poll held the Moto lock while waiting"
    assert [m["Body"] for m in received[0]["Messages"]] == ["wake up"]


@pytest.mark.asyncio
async def test_an_async_long_poll_is_answered_by_a_send_from_another_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    polling = threading.Event()
    locked_while_polling: list[bool] = []
    sleep = _waits._sleep

    async def signal_then_sleep(seconds: float) -> None:
        if not polling.is_set():
            locked_while_polling.append(state.dispatch_lock.locked())
            polling.set()
        await sleep(seconds)

    monkeypatch.setattr(_waits, "_sleep", signal_then_sleep)
    async with (
        aiomoto.mock_aws(),
        get_session().create_client("sqs", region_name=REGION) as sqs,
    ):
        url = (await sqs.create_queue(QueueName=QUEUE))["QueueUrl"]

        def send_when_polling() -> None:
            polling.wait()
            boto3.client("sqs", region_name=REGION).send_message(
                QueueUrl=url, MessageBody="from a thread"
            )

        sender = Threads()
        sender.start(send_when_polling)
        try:
            answer = await sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        finally:
            polling.set()
            sender.join_all()
    assert locked_while_polling == [False]
    assert [m["Body"] for m in answer["Messages"]] == ["from a thread"]


# --- the lock itself ---------------------------------------------------------


def other_thread(action: Callable[[], T]) -> T:
    results: list[T] = []
    thread = threading.Thread(target=lambda: results.append(action()))
    thread.start()
    thread.join()
    return results[0]


def test_the_lock_is_reentrant_and_excludes_other_threads(core: ModuleType) -> None:
    lock = core.DispatchLock()
    with lock:
        with lock:
            assert lock._is_owned()
            assert other_thread(lambda: lock.acquire(blocking=False)) is False
        assert lock._is_owned()
    assert not lock.locked()
    assert other_thread(lambda: lock.acquire(blocking=False)) is True
    assert lock.locked()
    assert not lock._is_owned()
    with pytest.raises(RuntimeError, match="un-acquired"):
        lock.release()


def test_release_save_gives_up_every_level_and_restore_takes_them_back(
    core: ModuleType,
) -> None:
    lock = core.DispatchLock()
    assert lock._release_save() == 0  # not held: nothing to give up
    lock._acquire_restore(0)
    assert not lock.locked()
    with lock, lock, lock:
        depth = lock._release_save()
        assert depth == 3
        assert not lock.locked()
        assert other_thread(lambda: (lock.acquire(blocking=False), lock.release())[0])
        lock._acquire_restore(depth)
        assert lock._is_owned()
        with pytest.raises(RuntimeError, match="while holding"):
            lock._acquire_restore(1)
    assert not lock.locked()


def test_after_fork_frees_a_lock_held_by_a_thread_that_is_gone(
    core: ModuleType,
) -> None:
    lock = core.DispatchLock()
    assert other_thread(lambda: lock.acquire(blocking=False))  # never released
    assert lock.locked()
    lock._after_fork()
    assert not lock.locked()
    with lock:
        lock._after_fork()  # the forking thread itself keeps its hold
        assert lock._is_owned()
    assert not lock.locked()


def test_bad_lock_and_dispatcher_arguments_are_refused(core: ModuleType) -> None:
    lock = core.DispatchLock()
    code = (lambda: None).__code__
    with pytest.raises(ValueError, match=">= 0"):
        lock._acquire_restore(-1)
    with pytest.raises(TypeError):
        lock._acquire_restore("1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"DispatchLock\S* takes"):
        core.DispatchLock(1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="must be a DispatchLock or None"):
        core.Dispatcher(print, code, print, lock=threading.RLock())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be >= 0 or None"):
        core.Dispatcher(print, code, print, max_body_bytes=-5)
    with pytest.raises(TypeError, match="must be an int or None"):
        core.Dispatcher(print, code, print, max_body_bytes="5")  # type: ignore[arg-type]
    assert core.Dispatcher(print, code, print).lock is None
    assert core.Dispatcher(print, code, print).max_body_bytes == -1
    assert not lock.locked()
