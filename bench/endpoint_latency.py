"""In-process versus over-the-socket latency of one call, in one run.

``python bench/endpoint_latency.py [--calls N]`` starts
``aiomoto.mock_aws(server_mode=True)`` and times S3 ``get_object`` (a
1 KiB object, body read) with aiobotocore three ways:

* ``in-process``: a client for AWS's own endpoint, answered by the dispatcher;
* ``endpoint, in-process``: a client whose ``endpoint_url`` is the endpoint,
  answered in-process all the same (no socket);
* ``over the socket``: the same client code in another process (which is
  what native clients and subprocesses get), through the endpoint's socket.

Each is the median of ``--calls`` calls after a warm-up; the ratios are to
the first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time

import boto3
from aiobotocore.session import AioSession

import aiomoto

BUCKET = "latency-bucket"
KEY = "object"
WARM_UP = 20

_CHILD = """
import asyncio, json, sys, time
from aiobotocore.session import AioSession

async def main(calls):
    async with AioSession().create_client("s3", region_name="us-east-1") as s3:
        timings = []
        for n in range(calls + {warm_up}):
            start = time.perf_counter()
            response = await s3.get_object(Bucket="{bucket}", Key="{key}")
            await response["Body"].read()
            if n >= {warm_up}:
                timings.append(time.perf_counter() - start)
    print(json.dumps(timings))

asyncio.run(main(int(sys.argv[1])))
"""


async def _time_in_process(
    endpoint_url: str | None, calls: int
) -> dict[str, list[float]]:
    """Both in-process clients, one call each in turn, so that a busy machine
    slows both alike."""
    session = AioSession()
    timings: dict[str, list[float]] = {"in-process": [], "endpoint, in-process": []}
    async with (
        session.create_client("s3", region_name="us-east-1") as aws,
        session.create_client(
            "s3", region_name="us-east-1", endpoint_url=endpoint_url
        ) as endpoint,
    ):
        for n in range(calls + WARM_UP):
            for name, s3 in (("in-process", aws), ("endpoint, in-process", endpoint)):
                start = time.perf_counter()
                response = await s3.get_object(Bucket=BUCKET, Key=KEY)
                await response["Body"].read()
                if n >= WARM_UP:
                    timings[name].append(time.perf_counter() - start)
    return timings


def _over_the_socket(calls: int) -> list[float]:
    code = _CHILD.format(warm_up=WARM_UP, bucket=BUCKET, key=KEY)
    done = subprocess.run(
        [sys.executable, "-c", code, str(calls)],
        capture_output=True,
        text=True,
        check=True,
    )
    timings: list[float] = json.loads(done.stdout)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    calls = parser.parse_args().calls
    with aiomoto.mock_aws(
        server_mode=True, auto_endpoint=aiomoto.AutoEndpointMode.IF_MISSING
    ) as context:
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=None)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"x" * 1024)
        results = asyncio.run(_time_in_process(context.server_endpoint, calls))
        results["over the socket"] = _over_the_socket(calls)
    base = statistics.median(results["in-process"])
    print(f"S3 get_object (1 KiB) with aiobotocore, median of {calls} calls")
    for name, timings in results.items():
        median = statistics.median(timings)
        print(f"  {name:<22} {median * 1e6:8.0f} us   x{median / base:.2f}")


if __name__ == "__main__":
    main()
