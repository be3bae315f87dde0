"""What aiomoto changes in the process, captured to check it all comes back.

``patch_points()`` learns every class attribute aiomoto replaces by entering a
context once, so the checks follow the patches as they are added to.
``Snapshot`` records those attributes, the environment and the handler lists
that botocore and aiobotocore sessions start from; ``assert_restored`` checks
that nothing is left patched, locked or active, and ``assert_clean_context``
that a new context starts empty and serves sync and async clients.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import aiobotocore.hooks
import boto3
import botocore.handlers
import moto.core.models
from tests.clients import async_bucket_names

import aiomoto
from aiomoto import mock
from aiomoto._lifecycle._state import state

T = TypeVar("T")
REGION = "us-east-1"
_MISSING = object()


def patch_points() -> list[tuple[type, str]]:
    """Every (class, attribute) aiomoto replaces while a context is active."""
    assert not state.active, "learn the patch points outside a context"
    with aiomoto.mock_aws():
        return mock.patches.patched()


def environment() -> dict[str, str]:
    """os.environ, but for the variable pytest sets itself between phases."""
    return {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}


@dataclass
class Snapshot:
    points: list[tuple[type, str]]
    attributes: list[object]
    environ: dict[str, str]
    builtin_handlers: list[Any]
    aio_handler_mapping: list[tuple[Any, Any]]

    @classmethod
    def take(cls, points: list[tuple[type, str]]) -> Snapshot:
        return cls(
            points=points,
            attributes=[owner.__dict__.get(name, _MISSING) for owner, name in points],
            environ=environment(),
            builtin_handlers=list(botocore.handlers.BUILTIN_HANDLERS),
            aio_handler_mapping=list(aiobotocore.hooks._HANDLER_MAPPING.items()),
        )

    def assert_restored(self) -> None:
        """Nothing patched, active, locked or changed compared with the snapshot."""
        now = Snapshot.take(self.points)
        left = [
            f"{owner.__qualname__}.{name}"
            for (owner, name), before, after in zip(
                self.points, self.attributes, now.attributes, strict=True
            )
            if before is not after
        ]
        assert left == [], f"left patched: {left}"
        changed = {
            name: (self.environ.get(name), now.environ.get(name))
            for name in self.environ.keys() | now.environ.keys()
            if self.environ.get(name) != now.environ.get(name)
        }
        assert changed == {}, f"environment changed (before, after): {changed}"
        assert _same_items(now.builtin_handlers, self.builtin_handlers)
        assert _same_items(now.aio_handler_mapping, self.aio_handler_mapping)
        assert not state.active
        assert not mock.patches.installed
        assert not state.dispatch_lock.locked()
        assert moto.core.models.MockAWS._nested_count == 0
        assert not moto.core.models.botocore_stubber.enabled


def _same_items(a: list[Any], b: list[Any]) -> bool:
    """Equal lists of the same objects (tuples compared item by item)."""
    return len(a) == len(b) and all(
        x is y or (isinstance(x, tuple) and _same_items(list(x), list(y)))
        for x, y in zip(a, b, strict=True)
    )


def _run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run, in a thread of its own if this one runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(lambda: asyncio.run(main())).result()


def assert_clean_context() -> None:
    """A new context starts empty and serves both kinds of client."""
    with aiomoto.mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        assert s3.list_buckets()["Buckets"] == []
        assert _run(async_bucket_names) == []
        s3.create_bucket(Bucket="after-the-fault")
        assert _run(async_bucket_names) == ["after-the-fault"]
        assert (
            boto3.client("sqs", region_name=REGION).list_queues().get("QueueUrls", [])
            == []
        )
        assert (
            boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"]
            == []
        )


def force_clean() -> None:
    """After a failed check: end whatever a broken test left active."""
    while state.active:
        state.exit(mock.patches.remove)
    while moto.core.models.MockAWS._nested_count > 0:
        moto.core.models.MockAWS().stop()
    while state.dispatch_lock._is_owned():
        state.dispatch_lock.release()
