"""The fast path's async emitter answers exactly as aiobotocore's ``_emit``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Generator
from typing import Any

import pytest
from aiobotocore.hooks import AioHierarchicalEmitter
from aiobotocore.session import get_session

import aiomoto
from aiomoto._fast_path import _async_emit
from aiomoto._internals import aiobotocore as aiobotocore_internals

REGION = "us-east-1"
AIOBOTOCORE_EMIT = vars(AioHierarchicalEmitter)["_emit"]


@pytest.fixture(autouse=True)
def fast_path_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # CI runs the suite a second time with the fast path off.
    monkeypatch.setenv("AIOMOTO_FAST_PATH", "1")


class AwaitableAnswer:
    """An awaitable that is not a coroutine, as some handlers return."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __await__(self) -> Generator[None, None, object]:
        yield from asyncio.sleep(0).__await__()
        return self.value


def handlers(calls: list[tuple[str, dict[str, Any]]]) -> list[Callable[..., Any]]:
    def plain(**kwargs: Any) -> None:
        calls.append(("plain", kwargs))

    def answers_dict(**kwargs: Any) -> dict[str, int]:
        calls.append(("answers_dict", kwargs))
        return {"n": 1}

    async def coroutine_none(**kwargs: Any) -> None:
        calls.append(("coroutine_none", kwargs))

    async def coroutine_answer(**kwargs: Any) -> str:
        calls.append(("coroutine_answer", kwargs))
        await asyncio.sleep(0)
        return "answered"

    def awaitable_answer(**kwargs: Any) -> AwaitableAnswer:
        calls.append(("awaitable_answer", kwargs))
        return AwaitableAnswer("late")

    return [plain, coroutine_none, answers_dict, coroutine_answer, awaitable_answer]


def emit_with(
    emit: Callable[..., Any], event: str, stop_on_response: bool, registered: bool
) -> tuple[list[tuple[str, object]], list[tuple[str, dict[str, Any]]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
    emitter = AioHierarchicalEmitter()
    if registered:
        for handler in handlers(calls):
            emitter.register("before-call.s3", handler)
    kwargs = {"params": {"Bucket": "b"}}
    responses = asyncio.run(emit(emitter, event, kwargs, stop_on_response))
    named = [(handler.__name__, answer) for handler, answer in responses]
    return named, calls


@pytest.mark.parametrize("stop_on_response", [False, True])
@pytest.mark.parametrize("registered", [False, True])
@pytest.mark.parametrize("event", ["before-call.s3.PutObject", "after-call.s3"])
def test_answers_as_aiobotocore(
    event: str, stop_on_response: bool, registered: bool
) -> None:
    expected = emit_with(AIOBOTOCORE_EMIT, event, stop_on_response, registered)
    # A second emit finds the handlers in the emitter's lookup cache.
    assert emit_with(_async_emit.emit, event, stop_on_response, registered) == expected
    if registered and event.startswith("before-call"):
        answers = [
            ("plain", None),
            ("coroutine_none", None),
            ("answers_dict", {"n": 1}),
            ("coroutine_answer", "answered"),
            ("awaitable_answer", "late"),
        ]
        assert expected[0] == (answers[:3] if stop_on_response else answers)
        assert all(kwargs["event_name"] == event for _, kwargs in expected[1])
    else:
        assert expected == ([], [])


def test_a_failing_handler_fails_the_same(caplog: pytest.LogCaptureFixture) -> None:
    def failing(**kwargs: Any) -> None:
        raise KeyError("handler failed")

    async def emit(emit: Callable[..., Any]) -> None:
        emitter = AioHierarchicalEmitter()
        emitter.register("before-call.s3", failing)
        await emit(emitter, "before-call.s3.GetObject", {}, False)

    with pytest.raises(KeyError, match="handler failed"):
        asyncio.run(emit(_async_emit.emit))
    with (
        caplog.at_level(logging.DEBUG, logger="botocore.hooks"),
        pytest.raises(KeyError),
    ):
        asyncio.run(emit(_async_emit.emit))
    assert "Event before-call.s3.GetObject: calling handler" in caplog.text


@pytest.mark.parametrize("setting", ["1", "0"])
def test_installed_with_the_fast_path_and_removed_after(
    monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv("AIOMOTO_FAST_PATH", setting)
    with aiomoto.mock_aws():
        inside = vars(AioHierarchicalEmitter)["_emit"]
    assert vars(AioHierarchicalEmitter)["_emit"] is AIOBOTOCORE_EMIT
    assert (inside is _async_emit.emit) == (setting == "1")


@pytest.mark.parametrize("setting", ["1", "0"])
def test_async_clients_are_answered_either_way(
    monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv("AIOMOTO_FAST_PATH", setting)

    async def round_trip() -> bytes:
        async with get_session().create_client("s3", region_name=REGION) as s3:
            await s3.create_bucket(Bucket="emit-bucket")
            await s3.put_object(Bucket="emit-bucket", Key="k", Body=b"body")
            found = await s3.get_object(Bucket="emit-bucket", Key="k")
            async with found["Body"] as body:
                data: bytes = await body.read()
            return data

    with aiomoto.mock_aws():
        assert asyncio.run(round_trip()) == b"body"


def test_off_for_an_untested_aiobotocore(monkeypatch: pytest.MonkeyPatch) -> None:
    assert aiobotocore_internals.missing_for_async_emit() is None
    monkeypatch.setattr(
        aiobotocore_internals, "installed_version", lambda library: "99.0.0"
    )
    why = aiobotocore_internals.missing_for_async_emit()
    assert why is not None and "untested aiobotocore" in why


def test_off_when_someone_else_replaced_emit(monkeypatch: pytest.MonkeyPatch) -> None:
    async def their_emit(self: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return []

    monkeypatch.setattr(AioHierarchicalEmitter, "_emit", their_emit)
    why = aiobotocore_internals.missing_for_async_emit()
    assert why is not None and "replaced" in why
