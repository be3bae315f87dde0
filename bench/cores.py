"""What the C core buys: the same work on aiomoto's C core and its Python core.

The core is chosen when aiomoto first loads, so each runs in a process of its
own: two ``bench/core_worker.py`` workers from this project's virtual
environment, started alike but for ``AIOMOTO_NO_EXTENSIONS`` (removed for
the C core, ``1`` for the Python core).  Each round they take turns, the
order rotating from one measurement to the next: every operation of the
per-call table (aiobotocore in ``aiomoto.mock_aws``, on the state the
in-process variants get), a 64 MiB object read in 1 MiB pieces, and the
test-shaped run with a fresh session.  All in CPU time.

Each side is asked which core it runs at the start and after every round;
a Python core's side that runs the C core or has loaded a compiled aiomoto
module, or a C core's side without the C core, stops the benchmark.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from workers import BENCH_DIR, Worker, rotated
from workloads import STREAM_READS, STREAM_SIZE, Op

CORE_WORKER = BENCH_DIR / "core_worker.py"
NO_EXTENSIONS = "AIOMOTO_NO_EXTENSIONS"
C_CORE = "C"
PYTHON_CORE = "Python"
SIDES = (C_CORE, PYTHON_CORE)


def new_raw() -> dict[str, Any]:
    """Where the rounds' measurements go: per side, CPU seconds."""
    return {
        "ops": defaultdict(lambda: defaultdict(list)),
        "streaming": defaultdict(list),
        "tests": defaultdict(list),
        "runs": {},
    }


def start_core_workers() -> dict[str, Worker]:
    workers = {
        C_CORE: Worker("C core", sys.executable, CORE_WORKER, {NO_EXTENSIONS: None}),
        PYTHON_CORE: Worker(
            "Python core", sys.executable, CORE_WORKER, {NO_EXTENSIONS: "1"}
        ),
    }
    check_cores(workers)
    return workers


def check_cores(workers: dict[str, Worker]) -> dict[str, Any]:
    """Which core each side runs; an error if either is not the one it names."""
    found = {side: workers[side].ask({"do": "core"}) for side in SIDES}
    python = found[PYTHON_CORE]
    if python["core"] != PYTHON_CORE or python["compiled"]:
        raise RuntimeError(
            f"the Python core's worker ({NO_EXTENSIONS}=1) runs the "
            f"{python['core']} core, with compiled aiomoto modules "
            f"{python['compiled']} loaded: the comparison would not measure "
            "the Python core"
        )
    if found[C_CORE]["core"] != C_CORE:
        raise RuntimeError(
            f"the C core's worker runs the {found[C_CORE]['core']} core "
            f"({found[C_CORE]['reason']}): build the extension "
            "(python setup.py build_ext --inplace), or pass --skip-cores"
        )
    return found


def measure_cores(
    workers: dict[str, Worker],
    ops: Sequence[Op],
    args: argparse.Namespace,
    raw: dict[str, Any],
    round_: int,
) -> None:
    """One round on both cores, into ``raw`` (``new_raw()``'s shape)."""
    sides = rotated(SIDES, round_)
    for side in sides:
        workers[side].ask({"do": "open"})
    for n, op in enumerate(ops):
        for side in rotated(sides, n):
            request = {"do": "op", "op": op.key, "calls": args.calls}
            raw["ops"][op.key][side].append(workers[side].ask(request))
    key = f"stream-{round_}"
    for side in sides:
        workers[side].ask({"do": "store", "key": key, "size": STREAM_SIZE})
    for n in range(STREAM_READS):
        for side in rotated(sides, n):
            seconds, size = workers[side].ask({"do": "stream", "key": key})
            if size != STREAM_SIZE:
                raise RuntimeError(f"the {side} core read {size} of {STREAM_SIZE}")
            raw["streaming"][side].append(seconds)
    for side in sides:
        workers[side].ask({"do": "close"})
    for side in sides:
        raw["tests"][side].extend(workers[side].ask({"do": "test", "n": args.tests}))
    raw["runs"] = check_cores(workers)
