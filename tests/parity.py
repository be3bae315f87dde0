"""Parity: one operation script through boto3 and through aiobotocore, compared.

A script is an ``async def`` taking a :class:`Session`.  It opens clients with
``await session.client("sqs")`` and calls operations on them as awaitables,
whichever kind of client is behind them, e.g.
``await sqs.send_message(QueueUrl=url, MessageBody="hi")``.  Every call's
parsed response -- or, for a call that fails, its error -- is recorded.

:func:`compare` runs a script twice inside one aiomoto context: first with
boto3 clients (Moto's own sync path), then with aiobotocore clients
(aiomoto's async path).  Before each run Moto's backends are reset and its
randomness seeded the same way, so both runs start from the same state and
Moto generates the same identifiers.  The records are then made comparable:

* ``ResponseMetadata`` is reduced to its ``HTTPStatusCode`` (request ids,
  dates and retry counts differ between any two calls);
* ``datetime`` values become ``"<time>"``, as do the values of keys that
  hold a timestamp as a number or string (``TIMESTAMP_KEYS``, plus a
  script's own);
* keys a script names as ``volatile`` become ``"<volatile>"``: values that
  are random even with Moto's randomness seeded, such as ciphertexts and
  signatures made with fresh random numbers by ``cryptography``;
* streaming bodies are read to bytes and event streams to lists of events,
  so scripts see (and records hold) the content.

The aiobotocore run can use either HTTP backend and run under asyncio or trio
(:func:`run_in_mode`).  ``python -m tests.parity`` runs every script in
``tests.parity_scripts`` in every mode and prints a report.
"""

from __future__ import annotations

import asyncio
import datetime
import sys
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import boto3
import trio
from aiobotocore.config import AioConfig
from aiobotocore.response import StreamingBody as AsyncStreamingBody
from botocore.eventstream import EventStream
from botocore.exceptions import ClientError
from botocore.response import StreamingBody as SyncStreamingBody
from moto.core.base_backend import BackendDict
from moto.moto_api._internal import mock_random
from tests.async_surface.harness import AIOBOTOCORE_SESSION, MODES, Mode
from tests.clients import Client

import aiomoto

KINDS = ("boto3", "aiobotocore")
SEED = 20260101
# Keys whose value is a timestamp written as a number or a string.
TIMESTAMP_KEYS = frozenset(
    {
        "ApproximateFirstReceiveTimestamp",
        "CreatedTimestamp",
        "LastModifiedTimestamp",
        "SentTimestamp",
        "ingestionTime",
        "creationTime",
        "lastIngestionTime",
        "lastEventTimestamp",
        "LastModified",
    }
)


@dataclass(frozen=True)
class Call:
    """One recorded call: service, operation and comparable outcome."""

    service: str
    operation: str
    outcome: Any


Script = Callable[["Session"], Awaitable[None]]


@dataclass(frozen=True)
class ParityScript:
    name: str
    run: Script
    covers: str  # what the script exercises, for the README and the report
    volatile: frozenset[str] = frozenset()


class Recorder:
    """A client whose calls are awaited and recorded.

    ``recorder.unrecorded`` is the same client without the recording, for a
    call whose response needs reducing first (see :meth:`Session.note`).
    """

    def __init__(self, client: Client, service: str, session: Session) -> None:
        self._client = client
        self._service = service
        self._session = session
        self.unrecorded = client

    def __getattr__(self, operation: str) -> Callable[..., Awaitable[Any]]:
        call = getattr(self._client, operation)

        async def recorded(*args: Any, **params: Any) -> Any:
            try:
                result = await call(*args, **params)
            except ClientError as error:
                self._session.record(
                    self._service, operation, {"Error": error.response}
                )
                raise
            result = await materialized(result)
            self._session.record(self._service, operation, result)
            return result

        return recorded


class Session:
    """Opens recording clients of one kind for a script."""

    def __init__(
        self,
        kind: str,
        stack: AsyncExitStack,
        config: AioConfig | None,
        volatile: frozenset[str],
    ) -> None:
        self.kind = kind
        self.calls: list[Call] = []
        self._stack = stack
        self._config = config
        self._volatile = volatile

    async def client(self, service: str, region: str = "us-east-1") -> Recorder:
        if self.kind == "boto3":
            raw = boto3.client(service, region_name=region)
        else:
            creator = AIOBOTOCORE_SESSION.create_client(
                service, region_name=region, config=self._config
            )
            raw = await self._stack.enter_async_context(creator)
        return Recorder(Client(self.kind, raw), service, self)

    def note(self, label: str, value: Any) -> None:
        """Record a value the script derived, e.g. a message body decoded."""
        self.record("note", label, value)

    def record(self, service: str, operation: str, result: Any) -> None:
        outcome = comparable(result, TIMESTAMP_KEYS | self._volatile)
        self.calls.append(Call(service, operation, outcome))


async def expect_error(call: Awaitable[Any]) -> dict[str, Any]:
    """Await a call that must fail with a ClientError; return its Error."""
    try:
        await call
    except ClientError as error:
        return dict(error.response["Error"])
    raise AssertionError("the call was expected to fail")


async def materialized(result: Any) -> Any:
    """The result with streaming bodies read and event streams collected."""
    if not isinstance(result, dict):
        return result
    out = dict(result)
    for key, value in result.items():
        # aiobotocore 3.x's body subclasses botocore's: the async test first.
        if isinstance(value, AsyncStreamingBody):
            out[key] = await value.read()
        elif isinstance(value, SyncStreamingBody):
            out[key] = value.read()
        elif isinstance(value, EventStream) and hasattr(value, "__aiter__"):
            out[key] = [event async for event in value]
        elif isinstance(value, EventStream):
            out[key] = list(value)
    return out


def comparable(value: Any, masked: Iterable[str]) -> Any:
    masked = frozenset(masked)

    def walk(value: Any, key: str | None) -> Any:
        if key in masked:
            return "<time>" if key in TIMESTAMP_KEYS else "<volatile>"
        if isinstance(value, dict):
            out = {k: walk(v, k) for k, v in value.items() if k != "ResponseMetadata"}
            if "ResponseMetadata" in value:
                out["HTTPStatusCode"] = value["ResponseMetadata"]["HTTPStatusCode"]
            return out
        if isinstance(value, (list, tuple)):
            return [walk(item, None) for item in value]
        if isinstance(value, datetime.datetime):
            return "<time>"
        return value

    return walk(value, None)


def reset_and_seed() -> None:
    BackendDict.reset()
    mock_random.seed(SEED)


@dataclass
class Parity:
    script: ParityScript
    runs: dict[str, list[Call]] = field(default_factory=dict)

    def first_difference(self) -> str | None:
        sync, other = (self.runs[kind] for kind in KINDS)
        for index, (a, b) in enumerate(zip(sync, other, strict=False)):
            if a != b:
                where = f"call {index} ({a.service}.{a.operation})"
                return f"{where}: {difference(a.outcome, b.outcome)}"
        if len(sync) != len(other):
            return f"{len(sync)} calls through boto3, {len(other)} through aiobotocore"
        return None


def difference(a: Any, b: Any, path: str = "") -> str:
    """Where two comparable values first differ, briefly."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if a.get(key, "<absent>") != b.get(key, "<absent>"):
                return difference(
                    a.get(key, "<absent>"), b.get(key, "<absent>"), f"{path}.{key}"
                )
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return difference(x, y, f"{path}[{index}]")
    return f"{path or 'value'}: {a!r:.120} != {b!r:.120}"


async def compare(script: ParityScript, config: AioConfig | None = None) -> Parity:
    """Run the script with each kind of client inside one aiomoto context.

    ``config`` is the aiobotocore clients' (e.g. to choose the httpx backend).
    """
    parity = Parity(script)
    async with aiomoto.mock_aws(), AsyncExitStack() as stack:
        for kind in KINDS:
            reset_and_seed()
            session = Session(kind, stack, config, script.volatile)
            await script.run(session)
            parity.runs[kind] = session.calls
    return parity


def run_in_mode(script: ParityScript, mode: Mode) -> Parity:
    """``compare`` under the mode's async library and HTTP backend."""
    config = AioConfig(http_session_cls=mode.session_class)
    if mode.library == "trio":
        return trio.run(compare, script, config)
    return asyncio.run(compare(script, config))


def main() -> int:
    from tests.parity_scripts import SCRIPTS

    failed = 0
    print(f"{'service':<16} {'calls':>5}  " + "  ".join(MODES))
    for script in SCRIPTS:
        results, calls = [], 0
        for mode in MODES.values():
            try:
                parity = run_in_mode(script, mode)
            except Exception as error:
                results.append(f"failed: {error!r:.200}")
                continue
            calls = len(parity.runs["boto3"])
            results.append(parity.first_difference() or "equal")
        failed += any(result != "equal" for result in results)
        cells = "  ".join(f"{r:<{len(m)}}" for r, m in zip(results, MODES, strict=True))
        print(f"{script.name:<16} {calls:>5}  {cells}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
