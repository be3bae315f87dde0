"""The process state: nesting, activations and the lock ordering them."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

import aiomoto
from aiomoto._lifecycle._state import ProcessState, state


def returns_none(function: object) -> bool:
    return function() is None  # type: ignore[operator]


class Calls:
    def __init__(self) -> None:
        self.applied = 0
        self.removed = 0

    def apply(self) -> None:
        self.applied += 1

    def remove(self) -> None:
        self.removed += 1


def test_state_nesting_applies_and_removes_once() -> None:
    activation = ProcessState()
    calls = Calls()
    assert (activation.depth, activation.active) == (0, False)
    assert [activation.enter(calls.apply) for _ in range(3)] == [1, 2, 3]
    assert (activation.depth, activation.active) == (3, True)
    assert calls.applied == 1
    assert [activation.exit(calls.remove) for _ in range(3)] == [2, 1, 0]
    assert (activation.depth, activation.active) == (0, False)
    assert (calls.applied, calls.removed) == (1, 1)
    activation.enter(calls.apply)
    activation.exit(calls.remove)
    assert (calls.applied, calls.removed) == (2, 2)
    assert repr(activation) == "<aiomoto ProcessState depth=0 activation=2>"


def test_state_apply_failure_rolls_back() -> None:
    activation = ProcessState()

    def fail() -> None:
        raise OSError("cannot patch")

    with pytest.raises(OSError, match="cannot patch"):
        activation.enter(fail)
    assert activation.depth == 0
    with pytest.raises(TypeError):
        activation.enter(None)  # type: ignore[arg-type]
    assert activation.depth == 0
    calls = Calls()
    assert activation.enter(calls.apply) == 1
    assert calls.applied == 1


def test_state_remove_failure_still_exits() -> None:
    activation = ProcessState()
    activation.enter(lambda: None)

    def fail() -> None:
        raise OSError("cannot unpatch")

    with pytest.raises(OSError, match="cannot unpatch"):
        activation.exit(fail)
    assert activation.depth == 0
    calls = Calls()
    activation.enter(calls.apply)
    assert calls.applied == 1


def test_state_exit_underflow() -> None:
    activation = ProcessState()
    with pytest.raises(RuntimeError, match="exited more times than it was entered"):
        activation.exit(lambda: None)
    assert activation.depth == 0
    activation.enter(lambda: None)
    activation.exit(lambda: None)
    with pytest.raises(RuntimeError, match="exited more times"):
        activation.exit(lambda: None)


def test_state_reentry_from_apply_or_remove_is_refused() -> None:
    activation = ProcessState()
    refusals: list[str] = []

    def reenter() -> None:
        with pytest.raises(RuntimeError) as info:
            activation.enter(lambda: None)
        refusals.append(str(info.value))
        with pytest.raises(RuntimeError):
            activation.exit(lambda: None)

    activation.enter(reenter)
    assert activation.depth == 1
    activation.exit(reenter)
    assert activation.depth == 0
    assert (
        refusals
        == [
            "aiomoto.mock_aws cannot be entered or exited while it is applying or "
            "removing its patches"
        ]
        * 2
    )

    def reenter_and_propagate() -> None:
        activation.enter(lambda: None)

    with pytest.raises(RuntimeError, match="while it is applying"):
        activation.enter(reenter_and_propagate)
    assert activation.depth == 0


def test_state_other_threads_wait_for_apply() -> None:
    activation = ProcessState()
    applying, release = threading.Event(), threading.Event()
    depths: list[int] = []

    def slow_apply() -> None:
        applying.set()
        assert release.wait(10)

    first = threading.Thread(target=lambda: depths.append(activation.enter(slow_apply)))
    first.start()
    assert applying.wait(10)
    second = threading.Thread(
        target=lambda: depths.append(activation.enter(lambda: None))
    )
    second.start()
    time.sleep(0.05)
    assert depths == []  # the second thread is blocked on the lock
    release.set()
    first.join(10)
    second.join(10)
    assert sorted(depths) == [1, 2]
    assert activation.depth == 2


def test_state_many_threads_stay_consistent() -> None:
    activation = ProcessState()
    state = {"installed": False, "applied": 0, "removed": 0}
    errors: list[str] = []

    def apply() -> None:
        if state["installed"]:
            errors.append("applied twice")
        time.sleep(0)  # let other threads run while the lock is held
        state["installed"] = True
        state["applied"] += 1

    def remove() -> None:
        if not state["installed"]:
            errors.append("removed twice")
        time.sleep(0)
        state["installed"] = False
        state["removed"] += 1

    def worker() -> None:
        for _ in range(1000):
            activation.enter(apply)
            if not state["installed"]:
                errors.append("entered without patches")
            activation.exit(remove)

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        sys.setswitchinterval(old_interval)
    assert errors == []
    assert activation.depth == 0
    assert state["installed"] is False
    assert state["applied"] == state["removed"] >= 1


def test_state_after_fork_keeps_depth_and_a_usable_lock() -> None:
    activation = ProcessState()
    activation.enter(lambda: None)
    assert returns_none(activation.after_fork_in_child)
    assert activation.depth == 1
    assert activation.enter(lambda: None) == 2
    calls = Calls()
    activation.exit(calls.remove)
    activation.exit(calls.remove)
    assert calls.removed == 1


# Run in a fresh interpreter: the suite's own threads (s3fs's loop, pools)
# would make fork() in this one unsafe.
FORK_WHILE_ANOTHER_THREAD_APPLIES = """
import os, threading
from aiomoto._lifecycle._state import state

applying, release = threading.Event(), threading.Event()

def slow_apply():
    applying.set()
    release.wait(10)

holder = threading.Thread(target=lambda: state.enter(slow_apply))
holder.start()
applying.wait(10)
read_end, write_end = os.pipe()
pid = os.fork()
if pid == 0:
    # The holder thread does not exist here; its hold must not either.
    depths = (state.enter(lambda: None), state.exit(lambda: None))
    os.write(write_end, repr((depths, state.active, state.generation)).encode())
    os._exit(0)
os.close(write_end)
with os.fdopen(read_end, "rb") as pipe:
    print(pipe.read().decode())
os.waitpid(pid, 0)
release.set()
holder.join(10)
print(state.depth, state.generation)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_while_another_thread_holds_the_lock_can_enter() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", FORK_WHILE_ANOTHER_THREAD_APPLIES],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # The child started at depth 0 (the parent's apply had not finished) and
    # entered and left once; the parent then finished its own enter.
    assert result.stdout.split("\n")[:2] == ["((1, 0), False, 1)", "1 1"]


def test_state_numbers_each_activation() -> None:
    activation = ProcessState()
    assert (activation.generation, activation.current) == (0, None)
    activation.enter(lambda: None)
    activation.enter(lambda: None)
    assert (activation.generation, activation.current) == (1, 1)
    activation.exit(lambda: None)
    assert activation.current == 1
    activation.exit(lambda: None)
    assert (activation.generation, activation.current) == (1, None)
    with pytest.raises(OSError):
        activation.enter(lambda: (_ for _ in ()).throw(OSError("no")))
    assert (activation.generation, activation.current) == (1, None)
    activation.enter(lambda: None)
    assert activation.current == 2


def test_state_removal_sees_the_activation_over() -> None:
    activation = ProcessState()
    seen: list[object] = []
    activation.enter(lambda: seen.append(activation.current))
    activation.exit(lambda: seen.append(activation.current))
    assert seen == [None, None]


def test_mock_aws_reports_through_the_process_state() -> None:
    before = state.generation
    assert not state.active
    with aiomoto.mock_aws() as outer:
        assert (state.depth, state.current) == (1, before + 1)
        with aiomoto.mock_aws():
            assert (state.depth, state.current) == (2, before + 1)
        assert outer.active
    assert (state.active, state.current, state.generation) == (False, None, before + 1)
