"""Peak memory growth of one large GetObject read whole, in a fresh process.

``python bench/memory_probe.py VARIANT SIZE`` prints one JSON object.  The
object is stored before measuring; the peak resident set size is then reset
(Linux's ``/proc/self/clear_refs``), the body is fetched and read in one
piece, and the new peak is compared with the resident size just before.
Where that is not available it falls back to ``tracemalloc`` (Python
allocations only), and says so.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import tracemalloc
from contextlib import AsyncExitStack
from pathlib import Path

from aiobotocore.session import AioSession

from variants import (
    BIG_BUCKET,
    BY_KEY,
    REGION,
    Server,
    Variant,
    async_clients,
    fake_credentials,
    in_process_state,
    mocked,
    put_big_object,
    sync_clients,
    sync_session,
)
from workloads import read_all_async, read_all_sync

KEY = "memory-probe"


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _can_reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        _status_kib("VmHWM")
    except (OSError, KeyError):
        return False
    return True


class PeakMeter:
    """How far memory use peaks above where it stood at ``start()``."""

    def __init__(self) -> None:
        self.exact = _can_reset_peak()
        self.method = (
            "peak RSS (VmHWM) growth"
            if self.exact
            else "tracemalloc peak (Python allocations only)"
        )
        self._before = 0

    def start(self) -> None:
        gc.collect()
        if self.exact:
            Path("/proc/self/clear_refs").write_text("5")
            self._before = _status_kib("VmRSS")
        else:
            tracemalloc.start()

    def stop(self) -> int:
        if self.exact:
            return (_status_kib("VmHWM") - self._before) * 1024
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak


def probe(variant: Variant, size: int) -> dict[str, object]:
    fake_credentials()
    server = Server()
    meter = PeakMeter()
    try:
        with mocked(variant, server) as endpoint:
            with in_process_state(variant):
                client = sync_session().client("s3", region_name=REGION)
                client.create_bucket(Bucket=BIG_BUCKET)
                put_big_object("warm-up", 1024)
                put_big_object(KEY, size)
            if variant.is_async:
                read, growth = asyncio.run(_probe_async(endpoint, meter))
            else:
                clients = sync_clients(endpoint)
                read_all_sync(clients, "warm-up")
                meter.start()
                read = read_all_sync(clients, KEY)
                growth = meter.stop()
    finally:
        server.stop()
    return {"read_bytes": read, "growth_bytes": growth, "method": meter.method}


async def _probe_async(endpoint: str | None, meter: PeakMeter) -> tuple[int, int]:
    async with AsyncExitStack() as stack:
        clients = await async_clients(stack, endpoint, AioSession())
        await read_all_async(clients, "warm-up")
        meter.start()
        read = await read_all_async(clients, KEY)
        return read, meter.stop()


def main() -> None:
    variant = BY_KEY[sys.argv[1]]
    size = int(sys.argv[2])
    print(json.dumps(probe(variant, size)))


if __name__ == "__main__":
    main()
