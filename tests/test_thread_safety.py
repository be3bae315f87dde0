"""aiomoto's Python side with threads that run at once.

On a free-threaded CPython no run of bytecodes is atomic; on a GIL build
these tests switch threads every microsecond (``sys.setswitchinterval``), so
that the same interleavings happen there too.  Every test starts its
threads together at a barrier and checks what users rely on: a memo answers
what the function it stands in for answers and its table keeps its bound,
sessions resolving endpoints at once leave the shared data as botocore
loaded them, the routing cache answers while another thread empties it,
contexts entered and exited from many threads leave nothing behind (one
whose start fails included), and requests from many threads inside one
context all land.

Moto cannot be installed on every Python (it needs ``cryptography``, which
has no wheel for the free-threaded CPython 3.13): the tests that need it
import it themselves and skip where it is missing, so that the
process-state and session-data tests still run there.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pytest

from aiomoto._lifecycle._state import ProcessState

THREADS = 8


def needs(module: str, library: str = "Moto") -> ModuleType:
    """``module``, or a skip where ``library``, which it imports, is missing:
    Moto needs cryptography, which has no wheel for every Python (the
    free-threaded CPython 3.13 among them)."""
    imported: ModuleType = pytest.importorskip(
        module, reason=f"{library} is not installed on this Python"
    )
    return imported


@contextmanager
def switching_often() -> Iterator[None]:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def run_together(workers: list[Callable[[], None]], timeout: float = 300) -> None:
    """Run each worker in a thread of its own, all released at once; raise
    the first error any of them raised."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(worker: Callable[[], None]) -> None:
        try:
            barrier.wait()
            worker()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    with switching_often():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    if errors:
        raise errors[0]


# --- The process state ------------------------------------------------------


def test_the_process_state_applies_and_removes_once_per_activation() -> None:
    activation = ProcessState()
    installed = threading.Event()
    counts = {"applied": 0, "removed": 0}

    def apply() -> None:
        assert not installed.is_set(), "applied while applied"
        counts["applied"] += 1
        installed.set()

    def remove() -> None:
        assert installed.is_set(), "removed while removed"
        counts["removed"] += 1
        installed.clear()

    def worker() -> None:
        for _ in range(2000):
            assert activation.enter(apply) >= 1
            number = activation.current
            assert number is not None
            assert installed.is_set(), "entered without the patches"
            activation.enter(apply)
            activation.exit(remove)
            # Inside a context its activation goes on, whoever else comes and goes.
            assert activation.current == number
            assert activation.active
            activation.exit(remove)

    run_together([worker] * THREADS)
    assert (activation.depth, activation.current) == (0, None)
    assert not installed.is_set()
    assert counts["applied"] == counts["removed"] == activation.generation >= 1


# --- The memos ------------------------------------------------------------------


@pytest.fixture
def memo(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """aiomoto._fast_path._memo with small tables, so that they fill and empty often."""
    module = needs("aiomoto._fast_path._memo")
    monkeypatch.setattr(module, "TABLE_LIMIT", 64)
    return module


class SlowToCount(dict[Any, Any]):
    """A table whose length gives other threads a turn, as anything may on a
    free-threaded build."""

    def __len__(self) -> int:
        length = super().__len__()
        time.sleep(0)
        return length


def test_a_table_keeps_its_bound_and_its_answers(memo: ModuleType) -> None:
    table = SlowToCount()

    def worker(number: int) -> Callable[[], None]:
        def insert() -> None:
            for index in range(2000):
                key = (number, index)
                assert memo._remember(table, key, index) == index
                assert len(table) <= memo.TABLE_LIMIT, "the bound was passed"
                assert table.get(key) in (None, index)

        return insert

    run_together([worker(number) for number in range(THREADS)])
    assert 0 < len(table) <= memo.TABLE_LIMIT


def test_memos_answer_as_their_functions_while_emptied(memo: ModuleType) -> None:
    import botocore.session
    import botocore.utils

    zone = botocore.utils.get_tzinfo_options()[0]

    s3 = botocore.session.get_session().create_client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    provider = s3._ruleset_resolver._provider
    # Each memo, an input for each of 200 misses, and the original function.
    memos: list[tuple[Callable[..., Any], Callable[[int], Any], Callable[..., Any]]]
    memos = [
        (
            memo.camelcase_to_underscores,
            lambda i: ((f"Attribute{i}Name",), {}),
            memo._camelcase_to_underscores,
        ),
        (
            memo.sanitize_user_agent_string_component,
            lambda i: ((f"comp/{i} (x)", False), {}),
            memo._sanitize_user_agent_string_component,
        ),
        (
            memo.parse_timestamp_with_tzinfo,
            lambda i: ((f"2024-01-01T00:{i // 60:02d}:{i % 60:02d}Z", zone), {}),
            memo._parse_timestamp_with_tzinfo,
        ),
        (
            memo.resolve_endpoint,
            lambda i: ((provider,), {"Bucket": f"bucket-{i}", "Region": "us-east-1"}),
            memo._botocore_resolve_endpoint,
        ),
    ]
    cases = []
    for function, arguments, original in memos:
        for index in range(200):
            args, kwargs = arguments(index)
            cases.append((function, args, kwargs, original(*args, **kwargs)))
    done = threading.Event()

    def ask() -> None:
        try:
            for _ in range(4):
                for function, args, kwargs, expected in cases:
                    assert function(*args, **kwargs) == expected, (function, args)
        finally:
            done.set()

    def empty() -> None:
        # Often, but not so often that no memo ever answers from a table.
        while not done.wait(0.0005):
            memo.clear()

    run_together([ask] * (THREADS - 1) + [empty])
    for table in (memo._snake_case, memo._user_agent_components, memo._timestamps):
        assert len(table) <= memo.TABLE_LIMIT


# --- The session data ---------------------------------------------------------


def test_sessions_resolving_in_many_threads_leave_the_shared_data_alone() -> None:
    session_data = needs("aiomoto._fast_path._session_data", "botocore")
    internals = needs("aiomoto._internals.botocore", "botocore")
    from botocore.loaders import Loader
    from botocore.regions import EndpointResolver

    if (missing := internals.missing_for_session_data()) is not None:
        pytest.skip(f"the installed botocore lacks what sharing needs: {missing}")
    fresh = Loader().load_data("endpoints")
    services = sorted(
        {name for partition in fresh["partitions"] for name in partition["services"]}
    )
    unshared = EndpointResolver(Loader().load_data("endpoints"))
    answers = {s: unshared.construct_endpoint(s, "us-east-1") for s in services}
    for _ in range(4):
        # A session's resolver, as a session made in a context gets it,
        # resolving every service for the first time in 8 threads at once.
        shared, builtin = session_data.shared.endpoints()
        resolver = EndpointResolver(
            session_data.own_endpoints(shared), uses_builtin_data=builtin
        )

        def resolve(resolver: Any = resolver) -> None:
            for service in services:
                answer = resolver.construct_endpoint(service, "us-east-1")
                assert answer == answers[service], service

        run_together([resolve] * THREADS)
    assert session_data.shared.endpoints()[0] == fresh


# --- The routing cache --------------------------------------------------------


def test_the_routing_cache_answers_while_it_is_emptied() -> None:
    routing = needs("aiomoto._fast_path._routing")
    fast_path = needs("aiomoto._fast_path._pieces")
    from botocore.awsrequest import AWSRequest

    if (missing := fast_path.PIECES["routing cache"]()) is not None:
        pytest.skip(f"the installed Moto lacks what the cache needs: {missing}")
    # Hosts no service serves: each new one is planned against every host
    # pattern, and none reaches a Moto handler.
    requests: list[tuple[Any, object]] = [
        (AWSRequest("GET", url).prepare(), answer)
        for index in range(100)
        for url, answer in (
            (f"https://host-{index}.example.test/key", None),
            (
                f"https://nothing-{index}.amazonaws.com/key",
                (404, {}, "Not yet implemented"),
            ),
        )
    ]
    done = threading.Event()

    def route() -> None:
        try:
            for _ in range(2):
                for request, answer in requests:
                    assert routing.router.process_request(request) == answer
        finally:
            done.set()

    def empty() -> None:
        while not done.wait(0.0005):
            routing.router.clear()

    run_together([route] * (THREADS - 1) + [empty])


# --- Contexts -----------------------------------------------------------------


@pytest.fixture
def snapshot() -> Iterator[Any]:
    """What aiomoto patches, as it is before the test; checked after it."""
    process_state = needs("tests.process_state")
    taken = process_state.Snapshot.take(process_state.patch_points())
    try:
        yield taken
    finally:
        if needs("aiomoto._lifecycle._state").state.active:
            process_state.force_clean()


def test_contexts_from_many_threads_leave_nothing_behind(snapshot: Any) -> None:
    mock = needs("aiomoto.mock")
    moto_models = needs("moto.core.models")
    from aiomoto._lifecycle._state import state

    def worker() -> None:
        for _ in range(150):
            with mock.mock_aws():
                activation = state.current
                assert activation is not None
                assert mock.patches.installed
                assert moto_models.botocore_stubber.enabled
                with mock.mock_aws(reset=False, remove_data=False):
                    assert moto_models.MockAWS._nested_count >= 2
                # However many other threads came and went meanwhile.
                assert state.current == activation

    run_together([worker] * THREADS)
    assert state.depth == 0
    assert not state.mock_lock.locked()
    snapshot.assert_restored()


def test_a_start_failing_in_one_thread_leaves_the_others_contexts_whole(
    snapshot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock = needs("aiomoto.mock")
    moto_models = needs("moto.core.models")
    from aiomoto._lifecycle._state import state

    failing = threading.local()
    mock_env_variables = moto_models.MockAWS._mock_env_variables

    def fail_in_one_thread(self: Any) -> None:
        # Moto's start fails here before it counts itself as started.
        if getattr(failing, "on", False):
            raise OSError("cannot set the fake credentials")
        mock_env_variables(self)

    monkeypatch.setattr(moto_models.MockAWS, "_mock_env_variables", fail_in_one_thread)
    done = threading.Event()

    def fail() -> None:
        failing.on = True
        try:
            for _ in range(600):
                with pytest.raises(OSError, match="fake credentials"):
                    mock.mock_aws().start()
        finally:
            done.set()

    def use() -> None:
        while not done.is_set():
            with mock.mock_aws():
                # Moto stays started for the whole of the context.
                for _ in range(20):
                    assert moto_models.MockAWS._nested_count >= 1
                    assert moto_models.botocore_stubber.enabled

    run_together([fail] + [use] * (THREADS - 1))
    assert state.depth == 0
    assert not state.mock_lock.locked()
    snapshot.assert_restored()


def test_puts_and_gets_from_many_threads_in_one_context_all_land() -> None:
    mock = needs("aiomoto.mock")
    boto3 = needs("boto3")
    bucket = "threads"
    per_thread = 40

    def worker(number: int) -> Callable[[], None]:
        def put_and_get() -> None:
            # A session each, made in the context: its data are the shared ones.
            s3 = boto3.session.Session().client("s3", region_name="us-east-1")
            for index in range(per_thread):
                key, body = f"{number}/{index}", f"body {number} {index}".encode()
                s3.put_object(Bucket=bucket, Key=key, Body=body)
                assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body

        return put_and_get

    with mock.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        run_together([worker(number) for number in range(THREADS)])
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        keys = {item["Key"] for page in pages for item in page.get("Contents", [])}
        assert keys == {f"{n}/{i}" for n in range(THREADS) for i in range(per_thread)}
        for key in sorted(keys)[:: per_thread // 4]:
            number, index = key.split("/")
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            assert body == f"body {number} {index}".encode()
