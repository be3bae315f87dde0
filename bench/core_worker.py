"""One side of the C core against the Python core: ``python bench/core_worker.py``.

``bench/cores.py`` starts it twice from this project's virtual environment,
alike but for ``AIOMOTO_NO_EXTENSIONS``: unset on the C core's side, ``1``
on the Python core's, where aiomoto then never imports its extension.  The
core is chosen when aiomoto first loads, so each side needs a process of its
own.  It speaks ``bench/worker.py``'s protocol, one JSON request per line,
and times in CPU seconds of this process.

Requests:

* ``{"do": "versions"}``, as ``bench/worker.py`` answers it.
* ``{"do": "core"}``: which core runs and why, and which compiled aiomoto
  modules are loaded (none, on the Python core's side).
* ``{"do": "open"}``: enter ``aiomoto.mock_aws``, build the per-call table's
  state (``variants.populate``) and open aiobotocore clients for it, as the
  in-process ``aiomoto_aio`` variant does.
* ``{"do": "op", "op": OP, "calls": N}``: CPU seconds per call of one
  operation of the per-call table (``workloads.OPS``), in the open session.
* ``{"do": "store", "key": K, "size": S}``: an object of S bytes, stored
  without a client, in the open session.
* ``{"do": "stream", "key": K}``: CPU seconds to get K and read it in 1 MiB
  pieces, in the open session.
* ``{"do": "close"}``: close the clients and leave the mock.
* ``{"do": "test", "n": N}``: ``bench/worker.py``'s test-shaped run with a
  fresh session, N times, outside any open session.
"""

from __future__ import annotations

import importlib.machinery
import sys
import time
from contextlib import AsyncExitStack, ExitStack
from typing import Any

from aiobotocore.session import AioSession

from variants import PRODUCT, Server, async_clients, mocked, populate, put_big_object
from worker import run, serve, tests, versions
from workloads import OPS, Context, async_context, stream_async, time_op_async

OPS_BY_KEY = {op.key: op for op in OPS}


def core() -> dict[str, Any]:
    """The core aiomoto chose, and the compiled aiomoto modules loaded."""
    from aiomoto import _engine

    compiled = sorted(
        name
        for name, module in sys.modules.items()
        if name.split(".")[0] == "aiomoto"
        and str(getattr(module, "__file__", "")).endswith(
            tuple(importlib.machinery.EXTENSION_SUFFIXES)
        )
    )
    return {"core": _engine.name, "reason": _engine.reason, "compiled": compiled}


class OpenSession:
    """The mock, the per-call table's state and clients, between requests."""

    def __init__(self) -> None:
        self._mock = ExitStack()
        self._clients = AsyncExitStack()
        self._mock.enter_context(mocked(PRODUCT, Server()))
        populate(PRODUCT)
        self.clients = run(async_clients(self._clients, None, AioSession()))
        self.context: Context = run(async_context(self.clients))

    def time_op(self, key: str, calls: int) -> float:
        op = OPS_BY_KEY[key]
        seconds: float = run(
            time_op_async(self.clients, op, self.context, calls, time.process_time)
        )
        return seconds

    def store(self, key: str, size: int) -> None:
        """An object the clients can read: the session's mock is active."""
        put_big_object(key, size)

    def stream(self, key: str) -> tuple[float, int]:
        found: tuple[float, int] = run(
            stream_async(self.clients, key, time.process_time)
        )
        return found

    def close(self) -> None:
        run(self._clients.aclose())
        self._mock.close()


class CoreWorker:
    def __init__(self) -> None:
        self._session: OpenSession | None = None

    @property
    def session(self) -> OpenSession:
        if self._session is None:
            raise RuntimeError("no open session: send {'do': 'open'} first")
        return self._session

    def answer(self, request: dict[str, Any]) -> Any:
        do = request["do"]
        if do == "versions":
            return versions()
        if do == "core":
            return core()
        if do == "open":
            self._session = OpenSession()
            return None
        if do == "op":
            return self.session.time_op(request["op"], request["calls"])
        if do == "store":
            self.session.store(request["key"], request["size"])
            return None
        if do == "stream":
            return self.session.stream(request["key"])
        if do == "close":
            self.session.close()
            self._session = None
            return None
        if do == "test":
            return tests("aiomoto", "fresh", request["n"])
        raise ValueError(f"unknown request {request!r}")


if __name__ == "__main__":
    serve(CoreWorker().answer)
