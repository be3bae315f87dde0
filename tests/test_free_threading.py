"""The C core used from many threads at once.

On a free-threaded CPython (3.13t and later) the extension declares that it
runs without the GIL, so its own guards are all that keep its objects whole
when threads share them.  Each test starts its threads together at a barrier
and checks what a user relies on: every byte of a shared stream is read
exactly once, threads racing for a response's raw stream all get the same
one, the Moto lock lets one thread in at a time however deeply it is
re-entered, configure() can run while requests use the settings it
replaces, and a Ready answers every thread that awaits it.  On a build with
the GIL the same tests run with the thread switch interval at a microsecond,
so that threads interleave there too.

Nothing here waits for time to pass: every loop is bounded, and the only
timeout is the one that reports a deadlock instead of hanging.

Only ``aiomoto._core`` is imported (``import aiomoto`` alone loads nothing
else), so this runs where Moto cannot be installed, such as the
free-threaded CPython 3.13.  Each test works on a module object of its own,
so configure() here never changes the settings the rest of the suite uses.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

THREADS = 8
# A thread that has not finished by then is deadlocked.
DEADLOCK_SECONDS = 300
FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
# Every raise adds to the exception's traceback.  CPython 3.13's
# free-threaded build does that without a guard, so one exception raised in
# several threads at once can be corrupted there, whoever raises it; 3.14
# guards it with the exception's critical section, as the core does.
RAISING_ONE_EXCEPTION_IN_THREADS_IS_UNSAFE = FREE_THREADED and sys.version_info < (
    3,
    14,
)


def fresh_core() -> ModuleType:
    """A module object of its own for aiomoto._core (the extension), as a new
    interpreter's import would make it, without touching sys.modules."""
    spec = importlib.util.find_spec("aiomoto._core")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def core() -> ModuleType:
    from aiomoto import _engine

    if _engine.name != _engine.C_CORE:
        pytest.skip(f"the C core does not run here: {_engine.reason}")
    return fresh_core()


@contextmanager
def switching_often() -> Iterator[None]:
    """Threads interleave every microsecond on a build with the GIL."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def run_together(worker: Callable[[int, threading.Barrier], None]) -> None:
    """worker(index, barrier) in THREADS threads released at once; the
    barrier is theirs to meet at again.  Raises the first error any raised."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            worker(index, barrier)
        except threading.BrokenBarrierError:
            pass  # another thread failed and broke the barrier
        except BaseException as error:
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    with switching_often():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(DEADLOCK_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "deadlocked"
    if errors:
        raise errors[0]


async def awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


def resolved(awaitable: Awaitable[T]) -> T:
    """What an awaitable that never suspends (a Ready, or a coroutine that
    awaits only those) resolves to, without an event loop."""
    coroutine = awaited(awaitable)
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    coroutine.close()
    raise AssertionError("the awaitable suspended")


# --- RawStream: every byte read exactly once --------------------------------

WORD = 4


def counting_body(words: int) -> bytes:
    """Big-endian 4-byte counters 0, 1, 2, ...: any chunk that starts at a
    word boundary says which words it holds."""
    return b"".join(number.to_bytes(WORD, "big") for number in range(words))


def words_in(chunk: bytes) -> list[int]:
    """The counters in a chunk, which one read must have taken in one piece."""
    assert len(chunk) % WORD == 0, "a read split a word"
    words = [
        int.from_bytes(chunk[i : i + WORD], "big") for i in range(0, len(chunk), WORD)
    ]
    assert words == list(range(words[0], words[0] + len(words))), "a torn read"
    return words


async def drain(stream: Any, index: int) -> list[bytes]:
    """Read until the end, each thread through another of the reading
    methods, always a whole number of words at a time."""
    size = WORD * (1 + index % 5)
    chunks: list[bytes] = []
    method = index % 7
    if method == 4:
        async for chunk in stream.iter_chunked(size):
            chunks.append(chunk)
        return chunks
    if method == 5:
        async for chunk, _ in stream.iter_chunks():
            chunks.append(chunk)
        return chunks
    if method == 6:
        async for chunk in stream.iter_any():
            chunks.append(chunk)
        return chunks
    while True:
        if method == 0:
            chunk = await stream.read(size)
        elif method == 1:
            chunk = await stream.readany()
        elif method == 2:
            try:
                chunk = await stream.readexactly(size)
            except asyncio.IncompleteReadError as short:
                chunk = short.partial
        else:
            chunk, _ = await stream.readchunk()
        if not chunk:
            return chunks
        chunks.append(chunk)


def stress_stream_reads(core: ModuleType) -> None:
    words = 50_000
    stream = core.RawStream(counting_body(words))
    taken: list[list[int]] = [[] for _ in range(THREADS)]

    def worker(index: int, _: threading.Barrier) -> None:
        for chunk in resolved(drain(stream, index)):
            taken[index] += words_in(chunk)

    run_together(worker)
    every = sorted(word for words_taken in taken for word in words_taken)
    assert every == list(range(words))
    assert stream.at_eof()
    assert stream.tell() == words * WORD


def stress_stream_lines(core: ModuleType) -> None:
    lines = [b"%07d\n" % number for number in range(20_000)]
    stream = core.RawStream(b"".join(lines))
    taken: list[list[bytes]] = [[] for _ in range(THREADS)]

    def worker(index: int, _: threading.Barrier) -> None:
        while line := resolved(stream.readline()):
            taken[index].append(line)

    run_together(worker)
    assert sorted(line for lines_taken in taken for line in lines_taken) == lines


def stress_stream_close(core: ModuleType) -> None:
    class Closed(Exception):
        pass

    core.configure(headers_class=None, encoding_from_headers=None, closed_error=Closed)
    stream = core.RawStream(counting_body(50_000))
    taken: list[list[int]] = [[] for _ in range(THREADS)]
    closed = threading.Event()

    def read(index: int) -> bool:
        """One read; False once the stream is closed or at its end."""
        closed_before = closed.is_set()
        try:
            chunk = resolved(stream.read(WORD))
        except Closed:
            return False
        assert not closed_before, "a read succeeded after close() returned"
        taken[index] += words_in(chunk) if chunk else []
        return bool(chunk)

    def worker(index: int, _: threading.Barrier) -> None:
        if index == 0:
            for _ in range(200):
                read(index)
            stream.close()
            closed.set()
            assert not read(index)
            return
        while read(index):
            pass

    run_together(worker)
    # The reads before the close took the start of the body, each word once.
    every = sorted(word for words_taken in taken for word in words_taken)
    assert every == list(range(len(every)))
    assert stream.tell() == len(every) * WORD
    assert stream.closed


def test_threads_reading_one_stream_get_each_byte_exactly_once(
    core: ModuleType,
) -> None:
    stress_stream_reads(core)


def test_threads_reading_lines_of_one_stream_get_each_line_once(
    core: ModuleType,
) -> None:
    stress_stream_lines(core)


def test_closing_a_stream_others_are_reading_stops_them_cleanly(
    core: ModuleType,
) -> None:
    stress_stream_close(core)


# --- AsyncResponse: one raw stream, whole status codes ----------------------


def stress_response_raw(core: ModuleType) -> None:
    rounds = 200
    responses = [
        core.AsyncResponse("u", 200, {}, b"body %d" % n) for n in range(rounds)
    ]
    seen: list[list[Any]] = [[None] * THREADS for _ in range(rounds)]

    def worker(index: int, barrier: threading.Barrier) -> None:
        for number, response in enumerate(responses):
            barrier.wait()  # all threads ask the same fresh response at once
            seen[number][index] = response.raw

    run_together(worker)
    for number, streams in enumerate(seen):
        assert all(stream is streams[0] for stream in streams)
        assert resolved(streams[0].read()) == b"body %d" % number


def stress_response_status(core: ModuleType) -> None:
    response = core.AsyncResponse("u", 200, {}, b"")
    statuses = {200 + index for index in range(THREADS)}

    def worker(index: int, _: threading.Barrier) -> None:
        for _ in range(5_000):
            response.status_code = 200 + index
            assert response.status_code in statuses
            assert repr(response) in {f"<AsyncResponse [{s}]>" for s in statuses}

    run_together(worker)


def test_threads_racing_for_raw_all_get_the_one_stream(core: ModuleType) -> None:
    stress_response_raw(core)


def test_status_codes_set_from_many_threads_stay_whole(core: ModuleType) -> None:
    stress_response_status(core)


# --- DispatchLock: one holder at a time, however deep -----------------------


class Occupancy:
    """Counts who is inside the lock; asserts it is never more than one."""

    def __init__(self) -> None:
        self.inside = 0
        self.entries = 0

    def enter(self) -> None:
        self.inside += 1
        assert self.inside == 1, "two threads held the lock at once"

    def leave(self) -> None:
        self.entries += 1
        self.inside -= 1


def stress_lock(core: ModuleType) -> None:
    lock = core.DispatchLock()
    occupancy = Occupancy()
    rounds = 2_000

    def worker(index: int, _: threading.Barrier) -> None:
        for number in range(rounds):
            if number % 4 == 0:
                if not lock.acquire(blocking=False):
                    lock.acquire()
            else:
                lock.acquire()
            with lock:
                assert lock._is_owned()
                occupancy.enter()
                if number % 3 == 0:
                    # Give up both levels, as a long poll does, and take
                    # them back: others may run in between.
                    occupancy.leave()
                    assert lock._release_save() == 2
                    assert not lock._is_owned()
                    lock._acquire_restore(2)
                    occupancy.enter()
                occupancy.leave()
            lock.release()
            assert not lock._is_owned()

    run_together(worker)
    assert occupancy.inside == 0
    # One stay a round, and a second in every third round.
    assert occupancy.entries == THREADS * (rounds + len(range(0, rounds, 3)))
    assert not lock.locked()


def stress_dispatcher_lock(core: ModuleType) -> None:
    lock = core.DispatchLock()
    occupancy = Occupancy()
    rounds = 2_000

    def moto_call(stubber: object, event_name: str, request: object) -> None:
        assert lock._is_owned()
        occupancy.enter()
        occupancy.leave()

    async def never_called(*args: object) -> None:
        raise AssertionError("a sync call took the async path")

    code = never_called.__code__
    dispatcher = core.Dispatcher(moto_call, code, never_called, lock=lock)

    def worker(index: int, _: threading.Barrier) -> None:
        for _ in range(rounds):
            assert dispatcher(object(), "before-send.s3.GetObject", object()) is None

    run_together(worker)
    assert occupancy.entries == THREADS * rounds
    assert not lock.locked()


def test_the_lock_lets_one_thread_in_at_a_time(core: ModuleType) -> None:
    stress_lock(core)


def test_dispatcher_calls_from_many_threads_hold_the_lock_one_at_a_time(
    core: ModuleType,
) -> None:
    stress_dispatcher_lock(core)


# --- configure() while requests use the settings -----------------------------


class Headers(dict[str, str]):
    pass


class ClosedOne(Exception):
    pass


class ClosedTwo(Exception):
    pass


def latin_1(headers: object) -> str:
    return "latin-1"


def stress_configure(core: ModuleType) -> None:
    body = "café".encode()
    texts = {"café", body.decode("latin-1")}
    closed_errors = (ClosedOne, ClosedTwo, RuntimeError)

    def configure(number: int) -> None:
        # New callables every time, so a replaced one is freed at once.
        core.configure(
            headers_class=functools.partial(Headers) if number % 2 else None,
            encoding_from_headers=functools.partial(latin_1) if number % 3 else None,
            closed_error=closed_errors[number % 3] if number % 3 < 2 else None,
        )

    def request() -> None:
        response = core.AsyncResponse("u", 200, {"a": "b"}, body)
        assert type(response.headers) in (Headers, dict)
        assert response.headers == {"a": "b"}
        assert resolved(response.text) in texts
        stream = response.raw
        stream.close()
        with pytest.raises(closed_errors, match="Connection closed"):
            resolved(stream.read())

    def worker(index: int, _: threading.Barrier) -> None:
        for number in range(3_000):
            if index % 2:
                configure(number)
            else:
                request()

    run_together(worker)


def test_configure_while_other_threads_make_responses(core: ModuleType) -> None:
    stress_configure(core)


# --- Ready: one outcome for every thread --------------------------------------


def stress_ready(core: ModuleType) -> None:
    value = object()
    shared = core.Ready(value)

    def worker(index: int, _: threading.Barrier) -> None:
        for number in range(5_000):
            assert resolved(shared) is value
            error = ValueError(index, number)
            failed = core.Ready.failed(error)
            depths = []
            for _ in range(2):
                with pytest.raises(ValueError) as raised:
                    resolved(failed)
                assert raised.value is error
                depths.append(traceback_depth(error))
            assert depths[0] == depths[1], "the traceback grew between awaits"

    run_together(worker)


def traceback_depth(error: BaseException) -> int:
    depth, tb = 0, error.__traceback__
    while tb is not None:
        depth, tb = depth + 1, tb.tb_next
    return depth


def stress_shared_failure(core: ModuleType) -> None:
    error = KeyError("shared")
    failed = core.Ready.failed(error)

    def worker(index: int, _: threading.Barrier) -> None:
        for _ in range(2_000):
            with pytest.raises(KeyError) as raised:
                resolved(failed)
            assert raised.value is error

    run_together(worker)


def test_a_ready_answers_every_thread(core: ModuleType) -> None:
    stress_ready(core)


@pytest.mark.skipif(
    RAISING_ONE_EXCEPTION_IN_THREADS_IS_UNSAFE,
    reason="CPython 3.13 free-threaded does not guard an exception's traceback, "
    "so one exception cannot be raised in several threads at once",
)
def test_a_failed_ready_raises_its_exception_in_every_thread(core: ModuleType) -> None:
    stress_shared_failure(core)


# --- the GIL stays off ---------------------------------------------------------

STRESSES = [
    stress_stream_reads,
    stress_stream_lines,
    stress_stream_close,
    stress_response_raw,
    stress_response_status,
    stress_lock,
    stress_dispatcher_lock,
    stress_configure,
    stress_ready,
    *([] if RAISING_ONE_EXCEPTION_IN_THREADS_IS_UNSAFE else [stress_shared_failure]),
]

# Run in a process of its own, so that nothing else this session imported
# can have turned the GIL on: import the core with every warning an error
# (a free-threaded CPython warns when an extension turns the GIL back on),
# then run every stress above on it.
GIL_CHILD = """
import json, sys, warnings
sys.path[:] = {path!r}
before = sys._is_gil_enabled()
with warnings.catch_warnings():
    warnings.simplefilter("error")
    import aiomoto._core as core
after_import = sys._is_gil_enabled()
import importlib.util
spec = importlib.util.spec_from_file_location("stresses", {test_file!r})
stresses = importlib.util.module_from_spec(spec)
spec.loader.exec_module(stresses)
for stress in stresses.STRESSES:
    stress(core)
print(json.dumps([before, after_import, sys._is_gil_enabled()]))
"""


@pytest.mark.skipif(
    not FREE_THREADED, reason="this CPython has a GIL: it is not a free-threaded build"
)
def test_the_core_keeps_the_gil_off_on_a_free_threaded_build() -> None:
    code = GIL_CHILD.format(path=sys.path, test_file=__file__)
    # PYTHON_GIL=1 would turn the GIL on whatever the core declares.
    env = {name: value for name, value in os.environ.items() if name != "PYTHON_GIL"}
    child = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    assert child.stderr == ""
    before, after_import, after_stress = json.loads(child.stdout.splitlines()[-1])
    if before:
        pytest.skip("the GIL was on before aiomoto._core was imported")
    assert (after_import, after_stress) == (False, False)
