"""SQS long polls wait on the event loop, not inside Moto.

If a receive with a wait time blocked the event loop's thread, no other task
could run until it returned, so a message sent by another task during the
wait could never be the one it returns.  Every test here is built so that it
can only pass if other tasks run while the receive waits.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import anyio
import pytest
from botocore.exceptions import ClientError
from tests.async_surface.harness import Aws

from aiomoto._lifecycle import _waits

pytestmark = pytest.mark.anyio


async def queue(aws: Aws, **attributes: str) -> tuple[Any, str]:
    sqs = await aws.client("sqs")
    url = (await sqs.create_queue(QueueName="waits", Attributes=attributes))["QueueUrl"]
    return sqs, url


async def send_once_receive_waits(
    sqs: Any, url: str, polls: list[int], **receive: Any
) -> dict[str, Any]:
    """Receive with a wait; a second task sends once the receive is polling."""
    result: dict[str, Any] = {}
    done = anyio.Event()

    async def receiver() -> None:
        result.update(await sqs.receive_message(QueueUrl=url, **receive))
        done.set()

    async def sender() -> None:
        # Sends once the receive sleeps between polls; a receive that never
        # gave the loop back has returned by the time this runs.
        while not polls and not done.is_set():
            await anyio.sleep(0)
        if not done.is_set():
            await sqs.send_message(QueueUrl=url, MessageBody="sent during the wait")

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(receiver)
        tasks.start_soon(sender)
    return result


@pytest.fixture
def polls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the receive's sleeps on the event loop."""
    counted: list[int] = []
    sleep = _waits._sleep

    async def counting_sleep(seconds: float) -> None:
        counted.append(1)
        await sleep(seconds)

    monkeypatch.setattr(_waits, "_sleep", counting_sleep)
    return counted


async def test_a_message_sent_during_the_wait_is_received(
    aws: Aws, polls: list[int]
) -> None:
    sqs, url = await queue(aws)

    result = await send_once_receive_waits(sqs, url, polls, WaitTimeSeconds=20)

    assert [m["Body"] for m in result["Messages"]] == ["sent during the wait"]


async def test_the_queue_wait_time_applies_without_wait_time_seconds(
    aws: Aws, polls: list[int]
) -> None:
    sqs, url = await queue(aws, ReceiveMessageWaitTimeSeconds="20")

    result = await send_once_receive_waits(sqs, url, polls)

    assert [m["Body"] for m in result["Messages"]] == ["sent during the wait"]


async def test_a_boto3_send_from_another_thread_ends_the_wait(
    aws: Aws, polls: list[int]
) -> None:
    sqs, url = await queue(aws)
    sync = aws.boto3("sqs")
    polling = threading.Event()

    def send_when_polling() -> None:
        polling.wait()
        sync.send_message(QueueUrl=url, MessageBody="from a thread")

    thread = threading.Thread(target=send_when_polling)
    thread.start()
    real_sleep = _waits._sleep

    async def signal_then_sleep(seconds: float) -> None:
        polling.set()
        await real_sleep(seconds)

    try:
        _waits._sleep = signal_then_sleep  # type: ignore[assignment]
        result = await sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    finally:
        _waits._sleep = real_sleep  # type: ignore[assignment]
        polling.set()
        thread.join()

    assert [m["Body"] for m in result["Messages"]] == ["from a thread"]


async def test_an_empty_wait_lets_other_tasks_run_and_returns_nothing(
    aws: Aws, polls: list[int]
) -> None:
    sqs, url = await queue(aws)
    ticks_during_receive: list[int] = []
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await anyio.sleep(0)

    async def receiver() -> None:
        nonlocal done
        result = await sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
        ticks_during_receive.append(ticks)
        done = True
        assert "Messages" not in result

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(receiver)
        tasks.start_soon(ticker)

    assert ticks_during_receive[0] > 0
    assert len(polls) > 1


async def test_messages_already_there_come_back_without_waiting(
    aws: Aws, polls: list[int]
) -> None:
    sqs, url = await queue(aws)
    await sqs.send_message(QueueUrl=url, MessageBody="waiting already")

    result = await sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)

    assert [m["Body"] for m in result["Messages"]] == ["waiting already"]
    assert polls == []


async def test_cancelling_a_wait_stops_it_and_consumes_nothing(
    aws: Aws, polls: list[int]
) -> None:
    # A consumer task stopped at the end of a test: it must stop at once and
    # leave a message sent afterwards for the next receive.
    sqs, url = await queue(aws)
    returned = anyio.Event()
    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as tasks:

            async def consume() -> None:
                await sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
                returned.set()

            async def cancel_when_polling() -> None:
                while not polls and not returned.is_set():
                    await anyio.sleep(0)
                scope.cancel()

            tasks.start_soon(consume)
            tasks.start_soon(cancel_when_polling)
    assert scope.cancelled_caught
    assert not returned.is_set()

    await sqs.send_message(QueueUrl=url, MessageBody="after the cancel")
    result = await sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert [m["Body"] for m in result["Messages"]] == ["after the cancel"]


@pytest.mark.parametrize("wait", [21, -1])
async def test_an_invalid_wait_gets_moto_s_error_at_once(
    aws: Aws, polls: list[int], wait: int
) -> None:
    sqs, url = await queue(aws)
    with pytest.raises(ClientError) as raised:
        await sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait)
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert polls == []


async def test_a_missing_queue_is_reported_without_waiting(
    aws: Aws, polls: list[int]
) -> None:
    sqs, url = await queue(aws)
    await sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as raised:
        await sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    assert "NonExistentQueue" in raised.value.response["Error"]["Code"]
    assert polls == []


async def test_sync_boto3_keeps_moto_s_own_wait(aws: Aws) -> None:
    # Moto's blocking wait is what a sync caller expects; it must still
    # return what is there.
    sync = aws.boto3("sqs")
    url = sync.create_queue(QueueName="sync-waits")["QueueUrl"]
    sync.send_message(QueueUrl=url, MessageBody="sync")
    result = sync.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert [m["Body"] for m in result["Messages"]] == ["sync"]


async def test_the_request_botocore_holds_is_left_as_it_was(
    aws: Aws, polls: list[int]
) -> None:
    # aiomoto asks Moto with a copy; botocore may resend its own on a retry.
    sqs, url = await queue(aws)
    seen: list[Any] = []
    sqs.meta.events.register_first(
        "before-send.sqs.ReceiveMessage", lambda request, **_: seen.append(request)
    )

    result = await send_once_receive_waits(sqs, url, polls, WaitTimeSeconds=20)

    assert "Messages" in result
    [request] = seen
    assert json.loads(request.body)["WaitTimeSeconds"] == 20
    assert int(request.headers["Content-Length"]) == len(request.body)
