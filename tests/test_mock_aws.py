"""aiomoto.mock_aws: every usage form, nesting, clean exits and the HTTP guard."""

from __future__ import annotations

import asyncio
import io
import pickle
import socket
import threading
import unittest
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aiobotocore.config import AioConfig
from aiobotocore.httpsession import AIOHTTPSession
from aiobotocore.httpxsession import HttpxSession
from aiobotocore.session import get_session
from moto.core.botocore_stubber import BotocoreStubber
from tests.clients import async_bucket_names, bucket_names

import aiomoto
import aiomoto._patches
from aiomoto._patches import Patches

PATCHED = [
    (BotocoreStubber, "__call__"),
    (AIOHTTPSession, "send"),
    (HttpxSession, "send"),
]


def patched_attributes() -> list[Any]:
    return [owner.__dict__[name] for owner, name in PATCHED]


@pytest.fixture
def originals() -> Iterator[list[Any]]:
    before = patched_attributes()
    yield before
    assert all(a is b for a, b in zip(patched_attributes(), before, strict=True))


async def async_create_bucket(name: str) -> None:
    async with get_session().create_client("s3", region_name="us-east-1") as s3:
        await s3.create_bucket(Bucket=name)


def unused_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_with_statement_serves_sync_and_async(originals: list[Any]) -> None:
    with aiomoto.mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="from-sync")
        asyncio.run(async_create_bucket("from-async"))
        assert sorted(asyncio.run(async_bucket_names())) == ["from-async", "from-sync"]
        assert sorted(bucket_names()) == ["from-async", "from-sync"]
        assert patched_attributes() != originals


@pytest.mark.asyncio
async def test_async_with_statement(originals: list[Any]) -> None:
    async with aiomoto.mock_aws() as mock:
        assert mock.active
        await async_create_bucket("inside")
        assert bucket_names() == ["inside"]
    assert not mock.active


def test_decorator_without_arguments_on_a_function(originals: list[Any]) -> None:
    @aiomoto.mock_aws
    def body() -> list[str]:
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="decorated")
        return asyncio.run(async_bucket_names())

    assert body() == ["decorated"]
    assert body.__name__ == "body"


def test_decorator_with_arguments_on_a_function(originals: list[Any]) -> None:
    @aiomoto.mock_aws(config={"core": {"reset_boto3_session": True}})
    def body() -> list[str]:
        asyncio.run(async_create_bucket("configured"))
        return bucket_names()

    assert body() == ["configured"]


def test_decorator_on_a_coroutine_function_runs_the_coroutine_inside(
    originals: list[Any],
) -> None:
    @aiomoto.mock_aws
    async def body() -> list[str]:
        await async_create_bucket("coroutine")
        return await async_bucket_names()

    @aiomoto.mock_aws()
    async def body_with_parentheses() -> list[str]:
        await async_create_bucket("parenthesised")
        return bucket_names()

    assert asyncio.run(body()) == ["coroutine"]
    assert asyncio.run(body_with_parentheses()) == ["parenthesised"]


def test_class_decorator_on_a_unittest_case(originals: list[Any]) -> None:
    seen: dict[str, list[str]] = {}

    @aiomoto.mock_aws
    class BucketTests(unittest.TestCase):
        def setUp(self) -> None:
            boto3.client("s3", region_name="us-east-1").create_bucket(
                Bucket="from-setup"
            )

        def test_sees_setup_data_async(self) -> None:
            seen["test"] = asyncio.run(async_bucket_names())

    result = unittest.TextTestRunner(stream=io.StringIO()).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(BucketTests)
    )

    assert result.wasSuccessful(), result.errors + result.failures
    assert seen["test"] == ["from-setup"]


def test_class_decorator_on_a_plain_class_resets_between_tests(
    originals: list[Any],
) -> None:
    @aiomoto.mock_aws
    class Plain:
        def leave_a_bucket(self, name: str) -> list[str]:
            # Not a test: as with Moto, no reset at entry and no removal at exit.
            asyncio.run(async_create_bucket(name))
            return sorted(bucket_names())

        def test_one(self) -> list[str]:
            asyncio.run(async_create_bucket("one"))
            return bucket_names()

        async def test_two(self) -> list[str]:
            await async_create_bucket("two")
            return await async_bucket_names()

    plain = Plain()
    assert plain.test_one() == ["one"]
    assert plain.leave_a_bucket("left") == ["left"]
    assert plain.leave_a_bucket("also-left") == ["also-left", "left"]
    assert plain.test_one() == ["one"]
    assert plain.leave_a_bucket("left") == ["left"]
    assert asyncio.run(plain.test_two()) == ["two"]


def test_nested_contexts_share_state_and_reset_at_the_last_exit(
    originals: list[Any],
) -> None:
    with aiomoto.mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="outer")
        with aiomoto.mock_aws() as inner:
            asyncio.run(async_create_bucket("inner"))
            assert sorted(bucket_names()) == ["inner", "outer"]
        assert inner.active
        assert sorted(asyncio.run(async_bucket_names())) == ["inner", "outer"]
        patched_inside = patched_attributes()
    assert patched_attributes() != patched_inside

    with aiomoto.mock_aws():
        assert asyncio.run(async_bucket_names()) == []


def test_the_same_object_can_be_entered_twice(originals: list[Any]) -> None:
    mock = aiomoto.mock_aws()
    with mock, mock:
        asyncio.run(async_create_bucket("twice"))
    assert not mock.active


def test_exception_inside_the_context_propagates_and_unpatches(
    originals: list[Any],
) -> None:
    with pytest.raises(KeyError, match="boom"), aiomoto.mock_aws():
        asyncio.run(async_create_bucket("doomed"))
        raise KeyError("boom")

    with aiomoto.mock_aws():
        assert bucket_names() == []


@pytest.mark.asyncio
async def test_exception_inside_async_context_and_decorated_coroutine(
    originals: list[Any],
) -> None:
    @aiomoto.mock_aws
    async def failing() -> None:
        await async_create_bucket("created-then-failed")
        raise ValueError("inside")

    with pytest.raises(ValueError, match="inside"):
        await failing()
    with pytest.raises(ValueError, match="async inside"):
        async with aiomoto.mock_aws():
            raise ValueError("async inside")


def test_threads_entering_together_keep_one_consistent_state(
    originals: list[Any],
) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            for round_ in range(10):
                with aiomoto.mock_aws():
                    boto3.client("s3", region_name="us-east-1").create_bucket(
                        Bucket=f"t{index}-{round_}"
                    )
        except BaseException as error:  # handed to the main thread's assertion
            errors.append(error)

    with aiomoto.mock_aws():
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(bucket_names()) == 40
    assert errors == []


@pytest.mark.asyncio
@pytest.mark.parametrize("session_class", [AIOHTTPSession, HttpxSession])
async def test_guard_refuses_real_http(
    originals: list[Any], session_class: type
) -> None:
    url = f"http://127.0.0.1:{unused_loopback_port()}"
    config = AioConfig(http_session_cls=session_class)
    async with (
        aiomoto.mock_aws(),
        get_session().create_client(
            "s3", region_name="us-east-1", endpoint_url=url, config=config
        ) as s3,
    ):
        with pytest.raises(aiomoto.RealHTTPRequestError) as raised:
            await s3.list_buckets()

    assert raised.value.method == "GET"
    assert raised.value.url.startswith(url)
    assert f"GET {url}" in str(raised.value)
    assert "Moto has no handler for this URL" in str(raised.value)
    assert "remove its endpoint_url" in str(raised.value)


def test_real_http_request_error_is_a_plain_exception_that_pickles() -> None:
    assert aiomoto.RealHTTPRequestError.__module__ == "aiomoto.errors"
    plain = aiomoto.RealHTTPRequestError("message")
    assert (plain.method, plain.url) == (None, None)
    error = aiomoto.RealHTTPRequestError("blocked", method="POST", url="https://z")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.method, copy.url, str(copy)) == (
        aiomoto.RealHTTPRequestError,
        "POST",
        "https://z",
        "blocked",
    )


@pytest.mark.parametrize(
    ("variable", "mode"), [("TEST_SERVER_MODE", "server"), ("TEST_PROXY_MODE", "proxy")]
)
def test_server_and_proxy_modes_are_refused(
    monkeypatch: pytest.MonkeyPatch, originals: list[Any], variable: str, mode: str
) -> None:
    monkeypatch.setenv(variable, "true")

    with pytest.raises(aiomoto.UnsupportedMockModeError, match=f"Unset {variable}"):
        aiomoto.mock_aws()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: aiomoto.mock_aws(42), "first argument is the function or class"),
        (lambda: aiomoto.mock_aws(config="s3"), "takes a dict of Moto settings"),
        (lambda: aiomoto.mock_aws(lambda: None, config={}), "not both"),
        (lambda: aiomoto.mock_aws()(42), "decorates a function"),
    ],
)
def test_wrong_arguments_raise_type_error(call: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        call()


def test_stopping_more_than_starting_is_an_error(originals: list[Any]) -> None:
    with pytest.raises(RuntimeError, match="stopped more times than started"):
        aiomoto.mock_aws().stop()


def test_an_interrupted_removal_is_finished_by_the_next_install(
    monkeypatch: pytest.MonkeyPatch, originals: list[Any]
) -> None:
    patches = Patches()
    patches.install()
    calls = 0

    def setattr_interrupted_once(owner: object, name: str, value: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        setattr(owner, name, value)

    monkeypatch.setattr(
        aiomoto._patches, "setattr", setattr_interrupted_once, raising=False
    )
    with pytest.raises(KeyboardInterrupt):
        patches.remove()
    monkeypatch.undo()
    assert patched_attributes() != originals

    patches.install()
    patches.remove()

    assert patched_attributes() == originals
