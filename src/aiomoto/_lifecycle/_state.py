"""The process state of aiomoto: every piece of it, in one object.

Moto's backends are process-global, so every aiomoto context shares one
state: how deeply contexts are nested, which activation (outermost enter to
last exit) is current, the lock that orders enters and exits, the lock held
while aiomoto starts or stops one of Moto's mocks, and the lock the
dispatcher holds while Moto runs.  Nothing else in aiomoto keeps a counter
or a flag of its own; read ``aiomoto._lifecycle._state.state``.

Threads, free-threaded builds included: the depth and the activation number
change only under ``_lock``.  What other threads read without it -- whether a
context is active, and which -- is one attribute, written under the lock
whenever the depth leaves or reaches zero, so that no reader pairs one
activation's depth with another's number.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from aiomoto._engine import core as _core

_REENTERED = (
    "aiomoto.mock_aws cannot be entered or exited while it is applying or "
    "removing its patches"
)


class ProcessState:
    """Nesting depth, activation number and the locks of this process.

    ``enter(apply)`` and ``exit(remove)`` are called by every context: the
    outermost enter calls ``apply`` (installing aiomoto's patches) and starts
    a new activation, the last exit ends it and calls ``remove``.  Other
    threads wait while one applies or removes; the thread that is applying
    or removing may not enter or exit again.
    """

    def __init__(self) -> None:
        # Orders enters and exits; guards _depth, _generation and _current.
        self._lock = threading.Lock()
        self._depth = 0
        self._generation = 0
        # The active activation's number, None while none is active.
        self._current: int | None = None
        # The thread applying or removing patches right now, if any.  Read
        # without the lock only to compare with the reader's own thread,
        # which alone sets it to itself.
        self._busy: int | None = None
        # Held while aiomoto starts or stops one of Moto's mocks: Moto counts
        # its mocks in one process-wide number, and a start that fails tells
        # from that number whether it counted itself.
        self.mock_lock = threading.Lock()
        # Held by the dispatcher while Moto runs: one for the process, as
        # Moto's backends are.
        self.dispatch_lock = _core.DispatchLock()

    @property
    def depth(self) -> int:
        """How many contexts are entered and not yet exited."""
        return self._depth

    @property
    def active(self) -> bool:
        """Whether any aiomoto context is active."""
        return self._current is not None

    @property
    def generation(self) -> int:
        """How many activations this process has started (the latest's number)."""
        return self._generation

    @property
    def current(self) -> int | None:
        """The number of the active activation, None while none is active."""
        return self._current

    def _refuse_reentry(self) -> None:
        if self._busy == threading.get_ident():
            raise RuntimeError(_REENTERED)

    def enter(self, apply: Callable[[], object]) -> int:
        """Enter a context; the outermost calls ``apply``.  Returns the depth."""
        if not callable(apply):
            raise TypeError(f"apply must be callable, not {type(apply).__name__}")
        self._refuse_reentry()
        with self._lock:
            if self._depth == 0:
                self._busy = threading.get_ident()
                try:
                    apply()
                finally:
                    self._busy = None
                self._generation += 1
                self._current = self._generation
            self._depth += 1
            return self._depth

    def exit(self, remove: Callable[[], object]) -> int:
        """Leave a context; the last exit calls ``remove``.  Returns the depth.

        The depth goes down even when ``remove`` raises: the activation is
        over either way, and a removal cut short finishes at the next enter.
        """
        self._refuse_reentry()
        with self._lock:
            if self._depth == 0:
                raise RuntimeError(
                    "aiomoto.mock_aws was exited more times than it was entered"
                )
            self._depth -= 1
            if self._depth == 0:
                self._current = None
                self._busy = threading.get_ident()
                try:
                    remove()
                finally:
                    self._busy = None
            return self._depth

    def after_fork_in_child(self) -> None:
        """Give a forked child locks it can take.

        A thread that held a lock at the fork does not exist in the child, so
        its hold would never end: the child starts with fresh locks and the
        same depth and activation.
        """
        self._lock = threading.Lock()
        self._busy = None
        self.mock_lock = threading.Lock()
        self.dispatch_lock._after_fork()

    def __repr__(self) -> str:
        return (
            f"<aiomoto ProcessState depth={self._depth} activation={self._generation}>"
        )


state = ProcessState()
os.register_at_fork(after_in_child=state.after_fork_in_child)
