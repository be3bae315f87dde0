"""Faults inside a context leave nothing behind, and the next context is clean.

An exception, a ``BaseException`` such as ``KeyboardInterrupt``, or a task
cancellation -- in the body of a context or in the middle of a request, on
the sync or the async path -- propagates to the caller; the context still
exits, every patch comes out, the Moto lock is free, and the next context
starts empty and works.  So does a context entered in one task and exited in
another, and a process forked after (or during) a context.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import CodeType, FrameType
from typing import Any

import boto3
import moto
import moto.s3.models
import pytest
import pytest_asyncio
import trio
from aiobotocore.config import AioConfig
from aiobotocore.httpxsession import HttpxSession
from aiobotocore.session import get_session
from tests.process_state import (
    REGION,
    Snapshot,
    assert_clean_context,
    force_clean,
    patch_points,
)

import aiomoto
from aiomoto import _patches
from aiomoto._lifecycle._state import state


@pytest.fixture(scope="module")
def points() -> list[tuple[type, str]]:
    return patch_points()


@pytest.fixture
def before(points: list[tuple[type, str]]) -> Iterator[Snapshot]:
    snapshot = Snapshot.take(points)
    yield snapshot
    try:
        snapshot.assert_restored()
    finally:
        force_clean()  # so that one failure does not fail the tests after it


class Injected(BaseException):
    """Raised by the tests into aiomoto's and Moto's code."""


class AsyncBody:
    """A request body whose ``read`` is a coroutine, as a user's may be."""

    def __init__(self, data: bytes, on_read: Callable[[], Any] | None = None) -> None:
        self._data = data
        self._position = 0
        self._on_read = on_read

    async def read(self, size: int = -1) -> bytes:
        if self._on_read is not None:
            await self._on_read()
        if size is None or size < 0:
            size = len(self._data) - self._position
        chunk = self._data[self._position : self._position + size]
        self._position += len(chunk)
        return chunk


# --- faults injected at every call in aiomoto's and Moto's request path ------

AIOMOTO_DIR = os.path.dirname(aiomoto.__file__) + os.sep
# Where Moto receives a request and hands it to a service's handler.
MOTO_ENTRY_FILES = tuple(
    os.path.join(os.path.dirname(moto.__file__), "core", name)
    for name in ("botocore_stubber.py", "responses.py", "models.py")
)


def _in_request_path(code: CodeType) -> bool:
    name = code.co_filename
    return name.startswith(AIOMOTO_DIR) or name in MOTO_ENTRY_FILES


class Injector:
    """A trace function that raises at the first call of one code object.

    While ``armed``, a 'call' event (a function entered, or a coroutine or
    generator resumed) of code in aiomoto or Moto's request entry records the
    code (discovery) or, for the target, raises the fault there.  Raising
    from a trace function raises in the traced frame and ends the tracing.
    """

    def __init__(self, target: CodeType | None, fault: BaseException) -> None:
        self.target = target
        self.fault = fault
        self.armed = False
        self.seen: dict[CodeType, None] = {}
        self.injected = False

    def __call__(self, frame: FrameType, event: str, arg: object) -> None:
        if not self.armed or event != "call" or not _in_request_path(frame.f_code):
            return
        if self.target is None:
            self.seen.setdefault(frame.f_code)
        elif frame.f_code is self.target:
            self.armed = False
            self.injected = True
            raise self.fault


async def request_scenario(injector: Injector) -> None:
    """Requests of every kind inside one context, faults armed inside it."""
    async with aiomoto.mock_aws():
        injector.armed = True
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="faults")
        session = get_session()
        async with session.create_client("s3", region_name=REGION) as s3:
            await s3.put_object(Bucket="faults", Key="a", Body=AsyncBody(b"a" * 100))
            await s3.put_object(Bucket="faults", Key="b", Body=b"b")
            got = await s3.get_object(Bucket="faults", Key="a")
            async with got["Body"] as body:
                assert await body.read() == b"a" * 100
        async with session.create_client("sqs", region_name=REGION) as sqs:
            url = (await sqs.create_queue(QueueName="faults"))["QueueUrl"]
            await sqs.send_message(QueueUrl=url, MessageBody="m")
            await sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
        injector.armed = False


def run_traced(injector: Injector) -> BaseException | None:
    sys.settrace(injector)
    try:
        asyncio.run(request_scenario(injector))
    except BaseException as raised:  # the fault, checked by the caller
        return raised
    finally:
        sys.settrace(None)
    return None


def _caused_by(raised: BaseException | None, fault: BaseException) -> bool:
    seen = set()
    while raised is not None and id(raised) not in seen:
        if raised is fault:
            return True
        seen.add(id(raised))
        raised = raised.__cause__ or raised.__context__
    return False


FAULTS: list[Callable[[], BaseException]] = [
    lambda: Injected("injected"),
    lambda: KeyboardInterrupt(),
    lambda: RuntimeError("injected"),
    lambda: asyncio.CancelledError(),
]


def test_a_fault_at_any_call_in_the_request_path_leaves_nothing_behind(
    before: Snapshot,
) -> None:
    discovery = Injector(None, Injected())
    assert run_traced(discovery) is None
    sites = list(discovery.seen)
    assert len(sites) > 30, "the scenario should pass through aiomoto and Moto"
    before.assert_restored()

    injected = 0
    for n, site in enumerate(sites):
        fault = FAULTS[n % len(FAULTS)]()
        injector = Injector(site, fault)
        raised = run_traced(injector)
        where = f"{site.co_qualname} ({site.co_filename}:{site.co_firstlineno})"
        if injector.injected:
            injected += 1
            # Libraries may handle an Exception (Moto and botocore catch some);
            # nothing may swallow a BaseException such as KeyboardInterrupt.
            if not isinstance(fault, Exception):
                assert _caused_by(raised, fault), f"{fault!r} at {where}: {raised!r}"
        before.assert_restored()
        if n % 25 == 0:
            assert_clean_context()
    # Call sites reached on the first run only (caches filled) may not recur.
    assert injected >= 0.9 * len(sites)
    assert_clean_context()


# --- faults raised by Moto in the middle of a request -------------------------


@pytest.mark.parametrize("fault", [KeyboardInterrupt, Injected, ValueError])
@pytest.mark.parametrize("kind", ["boto3", "aiobotocore"])
def test_a_fault_inside_moto_propagates_and_the_context_goes_on(
    before: Snapshot,
    monkeypatch: pytest.MonkeyPatch,
    fault: type[BaseException],
    kind: str,
) -> None:
    def failing_put_object(*args: Any, **kwargs: Any) -> None:
        raise fault("inside Moto")

    async def put_async() -> None:
        async with get_session().create_client("s3", region_name=REGION) as s3:
            await s3.put_object(Bucket="bucket", Key="k", Body=b"x")

    def put() -> None:
        if kind == "boto3":
            boto3.client("s3", region_name=REGION).put_object(
                Bucket="bucket", Key="k", Body=b"x"
            )
        else:
            asyncio.run(put_async())

    with aiomoto.mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="bucket")
        with monkeypatch.context() as patch:
            patch.setattr(moto.s3.models.S3Backend, "put_object", failing_put_object)
            with pytest.raises(fault, match="inside Moto"):
                put()
            assert not state.dispatch_lock.locked()
        put()  # the same context goes on working
        assert asyncio.run(_async_keys()) == ["k"]
    assert_clean_context()


async def _async_keys() -> list[str]:
    async with get_session().create_client("s3", region_name=REGION) as s3:
        listed = await s3.list_objects_v2(Bucket="bucket")
        return [entry["Key"] for entry in listed.get("Contents", [])]


# --- faults in the body of a context, of every form ---------------------------


@pytest.mark.parametrize("fault", [KeyboardInterrupt, SystemExit, Injected, KeyError])
def test_a_fault_in_the_body_of_every_form_of_context_propagates(
    before: Snapshot, fault: type[BaseException]
) -> None:
    def body() -> None:
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="doomed")
        raise fault("in the body")

    async def async_body() -> None:
        await asyncio.sleep(0)
        body()

    @aiomoto.mock_aws
    def decorated() -> None:
        body()

    @aiomoto.mock_aws
    async def decorated_coroutine() -> None:
        await async_body()

    async def async_with() -> None:
        async with aiomoto.mock_aws():
            await async_body()

    def with_statement() -> None:
        with aiomoto.mock_aws():
            body()

    for run in (
        with_statement,
        decorated,
        lambda: asyncio.run(async_with()),
        lambda: asyncio.run(decorated_coroutine()),
        lambda: trio.run(async_with_trio, fault),
    ):
        with pytest.raises(fault):
            run()
        before.assert_restored()
    assert_clean_context()


async def async_with_trio(fault: type[BaseException]) -> None:
    async with aiomoto.mock_aws():
        await trio.sleep(0)
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="doomed")
        raise fault("in the body")


# --- faults while entering and exiting ----------------------------------------


def test_a_fault_while_installing_any_patch_installs_none(
    before: Snapshot, points: list[tuple[type, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_patch = _patches.Patches._set
    for fail_at in range(len(points)):
        calls = 0

        def failing_set(
            self: _patches.Patches, *args: Any, fail_at: int = fail_at
        ) -> None:
            nonlocal calls
            calls += 1
            if calls > fail_at:
                raise KeyboardInterrupt
            set_patch(self, *args)

        with monkeypatch.context() as patch:
            patch.setattr(_patches.Patches, "_set", failing_set)
            with pytest.raises(KeyboardInterrupt):
                aiomoto.mock_aws().start()
        before.assert_restored()
    assert_clean_context()


@pytest.mark.parametrize(
    ("owner", "method"),
    [
        (moto.core.models.MockAWS, "reset"),
        (moto.core.models.responses_mock, "start"),
    ],
)
def test_a_fault_while_moto_starts_leaves_moto_stopped(
    before: Snapshot, monkeypatch: pytest.MonkeyPatch, owner: object, method: str
) -> None:
    def failing(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(owner, method, failing)
        with pytest.raises(KeyboardInterrupt):
            aiomoto.mock_aws().start()
    before.assert_restored()
    assert_clean_context()


def test_a_fault_while_moto_stops_still_removes_every_patch(
    before: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop = moto.core.models.MockAWS.stop

    def stop_then_fail(self: Any, *args: Any, **kwargs: Any) -> None:
        stop(self, *args, **kwargs)
        raise KeyboardInterrupt

    context = aiomoto.mock_aws()
    context.start()
    with monkeypatch.context() as patch:
        patch.setattr(moto.core.models.MockAWS, "stop", stop_then_fail)
        with pytest.raises(KeyboardInterrupt):
            context.stop()
    before.assert_restored()
    assert_clean_context()


# --- a signal while waiting for the Moto lock ---------------------------------


def test_ctrl_c_while_waiting_for_the_moto_lock_interrupts_the_request(
    before: Snapshot,
) -> None:
    holding = threading.Event()
    release = threading.Event()
    calling = threading.Event()
    interrupted = threading.Event()

    def hold_the_lock() -> None:
        with state.dispatch_lock:
            holding.set()
            release.wait(60)  # bounded: a broken wait fails rather than hangs

    # One Ctrl-C, as a user gives: the first SIGINT raises, and any still in
    # flight once it has are ignored, so none can land after the request.
    def on_sigint(signum: int, frame: object) -> None:
        if not interrupted.is_set():
            interrupted.set()
            raise KeyboardInterrupt

    def interrupt() -> None:
        calling.wait()
        while not interrupted.is_set() and not release.is_set():
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
            interrupted.wait(0.05)

    with aiomoto.mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="bucket")
        holder = threading.Thread(target=hold_the_lock)
        interrupter = threading.Thread(target=interrupt)
        holder.start()
        interrupter.start()
        holding.wait()
        previous_handler = signal.signal(signal.SIGINT, on_sigint)
        try:
            with pytest.raises(KeyboardInterrupt):
                calling.set()
                s3.list_buckets()
            assert state.dispatch_lock.locked()  # still the holder's
            assert not state.dispatch_lock._is_owned()
        finally:
            release.set()
            holder.join()
            interrupter.join()
            signal.signal(signal.SIGINT, previous_handler)
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["bucket"]
    assert_clean_context()


# --- cancellation in the middle of a request ----------------------------------


@pytest.mark.asyncio
async def test_cancelling_a_request_mid_body_under_asyncio(before: Snapshot) -> None:
    reading = asyncio.Event()
    never = asyncio.Event()

    async def block() -> None:
        reading.set()
        await never.wait()

    async with (
        aiomoto.mock_aws(),
        get_session().create_client("s3", region_name=REGION) as s3,
    ):
        await s3.create_bucket(Bucket="bucket")
        put = asyncio.create_task(
            s3.put_object(Bucket="bucket", Key="k", Body=AsyncBody(b"x", block))
        )
        await reading.wait()
        assert not state.dispatch_lock.locked()  # never held across await
        put.cancel()
        with pytest.raises(asyncio.CancelledError):
            await put
        await s3.put_object(Bucket="bucket", Key="after", Body=b"y")
        listed = await s3.list_objects_v2(Bucket="bucket")
        assert [entry["Key"] for entry in listed["Contents"]] == ["after"]
    before.assert_restored()
    assert_clean_context()


def test_cancelling_a_request_mid_body_under_trio(before: Snapshot) -> None:
    async def main() -> list[str]:
        config = AioConfig(http_session_cls=HttpxSession)
        async with (
            aiomoto.mock_aws(),
            get_session().create_client("s3", region_name=REGION, config=config) as s3,
        ):
            await s3.create_bucket(Bucket="bucket")
            with trio.CancelScope() as scope:

                async def block() -> None:
                    assert not state.dispatch_lock.locked()
                    scope.cancel()
                    await trio.sleep_forever()

                await s3.put_object(
                    Bucket="bucket", Key="k", Body=AsyncBody(b"x", block)
                )
            assert scope.cancelled_caught
            await s3.put_object(Bucket="bucket", Key="after", Body=b"y")
            listed = await s3.list_objects_v2(Bucket="bucket")
            return [entry["Key"] for entry in listed["Contents"]]

    assert trio.run(main) == ["after"]
    before.assert_restored()
    assert_clean_context()


@pytest.mark.asyncio
async def test_cancelling_the_task_that_holds_the_context(before: Snapshot) -> None:
    inside = asyncio.Event()

    async def holder() -> None:
        async with (
            aiomoto.mock_aws(),
            get_session().create_client("sqs", region_name=REGION) as sqs,
        ):
            url = (await sqs.create_queue(QueueName="q"))["QueueUrl"]
            inside.set()
            await sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)

    task = asyncio.create_task(holder())
    await inside.wait()
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    before.assert_restored()
    assert_clean_context()


# --- contexts entered and exited in different tasks ---------------------------


@pytest_asyncio.fixture
async def context_from_a_fixture() -> Any:
    async with aiomoto.mock_aws() as context:
        yield context
    assert not state.active
    assert_clean_context()


@pytest.mark.asyncio
async def test_a_context_opened_by_an_async_fixture(
    context_from_a_fixture: aiomoto.MockAWS,
) -> None:
    assert context_from_a_fixture.active
    async with get_session().create_client("s3", region_name=REGION) as s3:
        await s3.create_bucket(Bucket="from-the-test")
        assert [b["Name"] for b in (await s3.list_buckets())["Buckets"]] == [
            "from-the-test"
        ]


@pytest.mark.asyncio
async def test_a_context_entered_in_one_task_and_exited_in_another(
    before: Snapshot,
) -> None:
    context = aiomoto.mock_aws()
    await asyncio.create_task(context.__aenter__())
    async with get_session().create_client("s3", region_name=REGION) as s3:
        await s3.create_bucket(Bucket="across-tasks")
    await asyncio.create_task(context.__aexit__(None, None, None))
    assert not context.active


def test_a_context_entered_and_exited_in_different_trio_tasks(
    before: Snapshot,
) -> None:
    async def main() -> None:
        context = aiomoto.mock_aws()
        entered = trio.Event()
        done = trio.Event()

        async def enter() -> None:
            await context.__aenter__()
            entered.set()

        async def use_and_exit() -> None:
            await entered.wait()
            boto3.client("s3", region_name=REGION).create_bucket(Bucket="trio")
            await context.__aexit__(None, None, None)
            done.set()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(use_and_exit)
            nursery.start_soon(enter)
        assert done.is_set()

    trio.run(main)


# --- fork ---------------------------------------------------------------------


def _child_uses_aiomoto(results: Any) -> None:
    try:
        with aiomoto.mock_aws():
            boto3.client("s3", region_name=REGION).create_bucket(Bucket="child")

            async def names() -> list[str]:
                async with get_session().create_client("s3", region_name=REGION) as s3:
                    await s3.create_bucket(Bucket="child-async")
                    listed = await s3.list_buckets()
                    return sorted(b["Name"] for b in listed["Buckets"])

            found = asyncio.run(names())
        results.put(("ok", found, state.active))
    except BaseException as error:  # reported to the parent
        results.put(("error", repr(error), None))


def _run_forked(target: Callable[[Any], None]) -> Any:
    context = multiprocessing.get_context("fork")
    results = context.SimpleQueue()
    child = context.Process(target=target, args=(results,))
    child.start()
    child.join(120)  # bounded: a deadlocked child fails instead of hanging
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail("the forked child hung")
    assert child.exitcode == 0
    return results.get()


forking = pytest.mark.filterwarnings(
    "ignore:.*fork.*:DeprecationWarning"  # Python 3.12+: fork with threads
)


@forking
def test_a_child_forked_after_a_context_is_usable(before: Snapshot) -> None:
    with aiomoto.mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="parent")
    assert _run_forked(_child_uses_aiomoto) == (
        "ok",
        ["child", "child-async"],
        False,
    )


@forking
def test_a_child_forked_while_another_thread_holds_the_locks_is_usable(
    before: Snapshot,
) -> None:
    holding = threading.Event()
    release = threading.Event()

    def hold_the_lock() -> None:
        with state.dispatch_lock:
            holding.set()
            release.wait(120)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        holding.wait()
        result = _run_forked(_child_uses_aiomoto)
    finally:
        release.set()
        holder.join()
    assert result == ("ok", ["child", "child-async"], False)


def _child_inside_the_parents_context(results: Any) -> None:
    try:
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="child")
        names = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
        results.put(("ok", names, state.active))
    except BaseException as error:  # reported to the parent
        results.put(("error", repr(error), None))


@forking
def test_a_child_forked_inside_a_context_has_its_own_copy(before: Snapshot) -> None:
    with aiomoto.mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="parent")
        result = _run_forked(_child_inside_the_parents_context)
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["parent"]
    assert result == ("ok", ["child", "parent"], True)
