"""aiomoto's benchmark: ``make bench``, or ``python bench/run.py``.

Runs every variant in this one process, interleaved round by round (the
order rotates each round), and reports medians of the rounds:

* per-operation latency for S3, DynamoDB and SQS, for aiobotocore inside
  ``aiomoto.mock_aws`` (the product), boto3 inside ``moto.mock_aws`` (the
  floor), aiobotocore against a ``ThreadedMotoServer`` on 127.0.0.1, boto3
  inside ``aiomoto.mock_aws``, and the product with ``AIOMOTO_FAST_PATH=0``;
* mock enter+exit, ``import aiomoto`` and its first use in a fresh
  interpreter, a 64 MiB object streamed in 1 MiB reads, 1,000 concurrent
  puts, and (one fresh process per variant) the peak memory growth of a
  256 MiB get;
* what a user's test suite feels, in worker processes (``workers.py``),
  in CPU time: a test-shaped run (enter, a fresh or a warm session and an
  S3 client, create a bucket, put, get, exit) for this aiomoto, the
  incumbent aiomoto 0.5.8 (installed into ``bench/.venv-incumbent``), boto3
  on ``moto.mock_aws`` and aiobotocore on a ``ThreadedMotoServer``; per-call
  CPU time of this aiomoto and the incumbent; and the cost of
  ``import aiomoto.pytest_plugin`` after ``import pytest``, which every
  pytest start pays wherever aiomoto is installed;
* what the C core buys (``cores.py``): the per-call table's operations, a
  64 MiB object streamed and the test-shaped run with a fresh session, on
  the C core and on the Python core (``AIOMOTO_NO_EXTENSIONS=1``), each in
  a worker process of its own, in CPU time, as Python core / C core.

It prints the tables, writes ``results.json`` and draws ``results.png`` in
``--out`` (``bench/`` by default).  ``--quick`` is a short run for trying
changes; its numbers are rough.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import json
import os
import platform
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import moto
from aiobotocore.session import AioSession
from moto.core.botocore_stubber import BotocoreStubber

import aiomoto
from aiomoto import _engine
from aiomoto._fast_path import _routing
from cores import measure_cores, new_raw, start_core_workers
from report import draw_chart, format_report, summarize
from variants import (
    VARIANTS,
    Server,
    Variant,
    async_clients,
    fake_credentials,
    fast_path,
    in_process_state,
    mocked,
    populate,
    put_big_object,
    sync_clients,
)
from workers import Worker, incumbent_python, rotated
from workloads import (
    MIB,
    OPS,
    STREAM_READS,
    STREAM_SIZE,
    Op,
    async_context,
    concurrent_puts_async,
    concurrent_puts_sync,
    stream_async,
    stream_sync,
    sync_context,
    time_op_async,
    time_op_sync,
)

BENCH_DIR = Path(__file__).resolve().parent
MEMORY_SIZE = 256 * MIB
CONCURRENT_TASKS = 1000
SYNC_THREADS = 10

Raw = dict[str, Any]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=150, help="calls per op per round")
    parser.add_argument("--enters", type=int, default=50, help="enter+exits per round")
    parser.add_argument("--quick", action="store_true", help="2 rounds, few calls")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--variants", default=",".join(v.key for v in VARIANTS))
    parser.add_argument("--ops", default=",".join(op.key for op in OPS))
    parser.add_argument(
        "--ops-only",
        action="store_true",
        help="only the per-operation latencies (no streaming, enter+exit, ...)",
    )
    parser.add_argument(
        "--tests", type=int, default=8, help="test-shaped runs per worker turn"
    )
    parser.add_argument(
        "--worker-calls", type=int, default=100, help="calls per op per worker turn"
    )
    parser.add_argument(
        "--skip-incumbent",
        action="store_true",
        help="leave out the incumbent (no bench/.venv-incumbent)",
    )
    parser.add_argument(
        "--skip-cores",
        action="store_true",
        help="leave out the C core against the Python core",
    )
    parser.add_argument("--out", type=Path, default=BENCH_DIR)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.calls, args.enters = 2, 30, 10
        args.tests, args.worker_calls = 3, 30
    return args


def selected_ops(raw: Raw) -> list[Op]:
    return [op for op in OPS if op.key in raw["op_keys"]]


# --- One variant, one round -------------------------------------------------


@dataclass
class Measures:
    """A session's timed workloads, as awaitables for sync and async clients
    alike; each times itself, so awaiting a sync one adds nothing timed."""

    time_op: Callable[[Op, int], Awaitable[float]]
    stream: Callable[[str], Awaitable[tuple[float, int]]]
    concurrent_puts: Callable[[], Awaitable[float]]


def sync_measures(clients: dict[str, Any]) -> Measures:
    context = sync_context(clients)

    async def time_op(op: Op, calls: int) -> float:
        return time_op_sync(clients, op, context, calls)

    async def stream(key: str) -> tuple[float, int]:
        return stream_sync(clients, key)

    async def concurrent_puts() -> float:
        return concurrent_puts_sync(clients, CONCURRENT_TASKS, SYNC_THREADS)

    return Measures(time_op, stream, concurrent_puts)


async def async_measures(clients: dict[str, Any]) -> Measures:
    context = await async_context(clients)

    async def time_op(op: Op, calls: int) -> float:
        return await time_op_async(clients, op, context, calls)

    async def stream(key: str) -> tuple[float, int]:
        return await stream_async(clients, key)

    async def concurrent_puts() -> float:
        return await concurrent_puts_async(clients, CONCURRENT_TASKS)

    return Measures(time_op, stream, concurrent_puts)


async def measure(
    variant: Variant,
    measures: Measures,
    args: argparse.Namespace,
    raw: Raw,
    round_: int,
) -> None:
    for op in selected_ops(raw):
        gc.collect()
        raw["ops"][op.key][variant.key].append(await measures.time_op(op, args.calls))
    if args.ops_only:
        return
    key = f"stream-{round_}"
    with in_process_state(variant):
        put_big_object(key, STREAM_SIZE)
    for _ in range(STREAM_READS):
        gc.collect()
        seconds, size = await measures.stream(key)
        assert size == STREAM_SIZE
        raw["streaming"][variant.key].append(STREAM_SIZE / MIB / seconds)
    gc.collect()
    seconds = await measures.concurrent_puts()
    raw["concurrency"][variant.key].append(CONCURRENT_TASKS / seconds)


async def run_variant_session(
    variant: Variant,
    endpoint: str | None,
    args: argparse.Namespace,
    raw: Raw,
    round_: int,
) -> None:
    async with AsyncExitStack() as stack:
        if variant.is_async:
            clients = await async_clients(stack, endpoint, AioSession())
            measures = await async_measures(clients)
        else:
            measures = sync_measures(sync_clients(endpoint))
        await measure(variant, measures, args, raw, round_)


def run_session(
    variant: Variant,
    server: Server,
    loop: asyncio.AbstractEventLoop,
    args: argparse.Namespace,
    raw: Raw,
    round_: int,
) -> None:
    with mocked(variant, server) as endpoint:
        populate(variant)
        loop.run_until_complete(
            run_variant_session(variant, endpoint, args, raw, round_)
        )


# --- Enter+exit, import, memory ---------------------------------------------


def _enter_exit_seconds(kind: str, times: int) -> float:
    mock = moto.mock_aws if kind == "moto" else aiomoto.mock_aws
    with fast_path(kind != "aiomoto_nofast"):
        gc.collect()
        start = time.perf_counter()
        for _ in range(times):
            with mock():
                pass
        return (time.perf_counter() - start) / times


# --- What a test suite feels: workers, CPU time ----------------------------

# (who, which worker, the worker's variant)
TEST_SUBJECTS = (
    ("aiomoto", "ours", "aiomoto"),
    ("incumbent", "incumbent", "aiomoto"),
    ("moto_boto3", "ours", "moto_boto3"),
    ("server_aio", "ours", "server_aio"),
)
SESSIONS = ("fresh", "warm")
# The per-call operations compared with the incumbent.
WORKER_OPS = ("s3_put", "s3_get", "s3_head", "ddb_put", "ddb_get", "sqs_send")
OP_SUBJECTS = (("aiomoto", "ours"), ("incumbent", "incumbent"))


def measure_in_workers(
    workers: dict[str, Worker], args: argparse.Namespace, raw: Raw, round_: int
) -> None:
    subjects = [s for s in TEST_SUBJECTS if s[1] in workers]
    for session in SESSIONS:
        for who, worker, variant in rotated(subjects, round_):
            request = {"do": "test", "variant": variant, "session": session}
            seconds = workers[worker].ask(request | {"n": args.tests})
            raw["tests"][session][who].extend(seconds)
    for op in WORKER_OPS:
        for who, worker in rotated([s for s in OP_SUBJECTS if s[1] in workers], round_):
            request = {"do": "op", "variant": "aiomoto", "op": op}
            seconds = workers[worker].ask(request | {"n": args.worker_calls})
            raw["worker_ops"][op][who].append(seconds)


PLUGIN_IMPORT = (
    "import time\nimport pytest\nstart = time.process_time()\n"
    "import aiomoto.pytest_plugin\nprint(time.process_time() - start)"
)


def _plugin_import_seconds() -> float:
    """CPU seconds of ``import aiomoto.pytest_plugin`` after ``import pytest``,
    with bytecode caching on, as users run it."""
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    output = subprocess.run(
        [sys.executable, "-c", PLUGIN_IMPORT],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
    )
    return float(output.stdout.strip().splitlines()[-1])


def start_workers(args: argparse.Namespace) -> dict[str, Worker]:
    workers = {"ours": Worker("aiomoto", sys.executable)}
    if not args.skip_incumbent:
        print("incumbent: preparing bench/.venv-incumbent", flush=True)
        workers["incumbent"] = Worker("incumbent", incumbent_python())
    return workers


IMPORTS = {
    # ``import aiomoto`` alone loads nothing; the first use loads the engine.
    "aiomoto": "import aiomoto\naiomoto.mock_aws",
    "moto": "from moto import mock_aws",
}


def _import_seconds(statement: str) -> float:
    code = (
        "import time\nstart = time.perf_counter()\n"
        f"{statement}\nprint(time.perf_counter() - start)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    )
    return float(output.stdout.strip().splitlines()[-1])


def measure_memory(variant: Variant, size: int) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, str(BENCH_DIR / "memory_probe.py"), variant.key, str(size)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    assert result["read_bytes"] == size
    return result


def fast_path_wired() -> bool:
    """Whether an aiomoto context installs the routing cache right now."""
    with aiomoto.mock_aws():
        return BotocoreStubber.__dict__.get("process_request") is (
            _routing.process_request
        )


def versions() -> dict[str, str]:
    names = ("aiomoto", "moto", "boto3", "botocore", "aiobotocore", "aiohttp")
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    fake_credentials()
    chosen = [v for v in VARIANTS if v.key in args.variants.split(",")]
    raw: Raw = {
        "rounds": args.rounds,
        "calls": args.calls,
        "variants": [v.key for v in chosen],
        "op_keys": [op.key for op in OPS if op.key in args.ops.split(",")],
        "memory_size": MEMORY_SIZE,
        "ops": defaultdict(lambda: defaultdict(list)),
        "streaming": defaultdict(list),
        "concurrency": defaultdict(list),
        "enter_exit": defaultdict(list),
        "imports": defaultdict(list),
        "memory": {},
        "tests": defaultdict(lambda: defaultdict(list)),
        "worker_ops": defaultdict(lambda: defaultdict(list)),
        "worker_versions": {},
    }
    compare_cores = not (args.ops_only or args.skip_cores)
    if compare_cores:
        raw["cores"] = new_raw()
    wired = fast_path_wired()
    if not wired:
        print(
            "warning: aiomoto.mock_aws does not install the fast path "
            "(aiomoto._fast_path._routing); the aiomoto rows measure Moto's own "
            "routing",
            file=sys.stderr,
        )
    server = Server()
    started = time.time()
    workers = {} if args.ops_only else start_workers(args)
    raw["worker_versions"] = {name: w.versions for name, w in workers.items()}
    cores = start_core_workers() if compare_cores else {}
    if not args.ops_only:
        _plugin_import_seconds()  # writes the bytecode, as a first run does
    # One event loop for every async session (asyncio.Runner is 3.11+).
    loop = asyncio.new_event_loop()
    try:
        for round_ in range(args.rounds):
            for variant in rotated(chosen, round_):
                print(f"round {round_ + 1}/{args.rounds}: {variant.key}", flush=True)
                run_session(variant, server, loop, args, raw, round_)
            if args.ops_only:
                continue
            for kind in rotated(["moto", "aiomoto", "aiomoto_nofast"], round_):
                raw["enter_exit"][kind].append(_enter_exit_seconds(kind, args.enters))
            for kind, statement in IMPORTS.items():
                raw["imports"][kind].append(_import_seconds(statement))
            raw["imports"]["plugin"].append(_plugin_import_seconds())
            print(f"round {round_ + 1}/{args.rounds}: workers", flush=True)
            measure_in_workers(workers, args, raw, round_)
            if cores:
                print(
                    f"round {round_ + 1}/{args.rounds}: C and Python cores", flush=True
                )
                measure_cores(cores, selected_ops(raw), args, raw["cores"], round_)
    finally:
        for worker in [*workers.values(), *cores.values()]:
            worker.close()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        server.stop()
    if not (args.skip_memory or args.ops_only):
        for variant in chosen:
            print(f"memory: {variant.key}", flush=True)
            raw["memory"][variant.key] = measure_memory(variant, MEMORY_SIZE)

    summary = summarize(raw)
    text = format_report(raw, summary)
    print()
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    result = {
        "meta": {
            "date": datetime.datetime.now(datetime.UTC).isoformat(),
            "seconds": round(time.time() - started, 1),
            "python": sys.version,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "versions": versions(),
            "fast_path_wired": wired,
            # The core of this process, which the in-process rows ran on.
            "core": _engine.name,
            "quick": args.quick,
        },
        "summary": summary,
        "raw": raw,
        "report_markdown": text,
    }
    (args.out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    draw_chart(raw, summary, args.out / "results.png")
    print(f"\nwrote {args.out / 'results.json'} and {args.out / 'results.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
