"""One context at a time: raw Moto mocks and aiomoto's are refused together."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
import hypothesis  # noqa: F401  (kept across pytester's in-process runs)
import moto
import pytest
from moto.core.botocore_stubber import BotocoreStubber
from moto.core.models import MockAWS
from tests.clients import async_bucket_names, bucket_names

import aiomoto

REGION = "us-east-1"


def unpatched() -> bool:
    return (
        type(BotocoreStubber.__dict__["__call__"]).__name__ == "function"
        and MockAWS.__dict__["start"].__module__ == "moto.core.models"
    )


def test_aiomoto_inside_raw_moto_is_refused_and_moto_keeps_working() -> None:
    with moto.mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="raw")
        with pytest.raises(aiomoto.MixedMocksError) as raised:
            aiomoto.mock_aws().start()
        assert unpatched()
        assert bucket_names() == ["raw"]
    message = str(raised.value)
    assert "Moto's own mock_aws is active" in message
    assert "one context per test" in message
    assert "replace moto.mock_aws" in message
    assert not aiomoto.MockAWS().active


@pytest.mark.asyncio
async def test_async_with_inside_raw_moto_is_refused() -> None:
    with moto.mock_aws():
        with pytest.raises(aiomoto.MixedMocksError):
            async with aiomoto.mock_aws():
                pass
        assert unpatched()


def test_raw_moto_inside_aiomoto_is_refused_and_aiomoto_keeps_working() -> None:
    with aiomoto.mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="ours")
        with pytest.raises(aiomoto.MixedMocksError) as raised, moto.mock_aws():
            pass
        with pytest.raises(aiomoto.MixedMocksError):
            moto.mock_aws().start()
        assert asyncio.run(async_bucket_names()) == ["ours"]
    assert "started while aiomoto.mock_aws is active" in str(raised.value)
    assert "remove Moto's decorator or with-block" in str(raised.value)
    assert MockAWS._nested_count == 0
    assert unpatched()


def test_moto_decorator_on_a_function_called_inside_aiomoto() -> None:
    @moto.mock_aws
    def uses_raw_moto() -> list[str]:
        return bucket_names()

    with aiomoto.mock_aws(), pytest.raises(aiomoto.MixedMocksError):
        uses_raw_moto()


def test_after_aiomoto_exits_raw_moto_works_again() -> None:
    with aiomoto.mock_aws():
        pass
    with moto.mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="later")
        assert bucket_names() == ["later"]
    with aiomoto.mock_aws():
        assert bucket_names() == []


def test_nested_aiomoto_contexts_are_one_context() -> None:
    with aiomoto.mock_aws(), aiomoto.mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="nested")
        assert asyncio.run(async_bucket_names()) == ["nested"]


PLUGIN_TESTS = """
import boto3
import moto
import pytest


@moto.mock_aws
def test_moto_decorator_with_the_fixture(aiomoto_mock):
    boto3.client("s3").list_buckets()


@moto.mock_aws
@pytest.mark.aiomoto
def test_moto_decorator_with_the_marker():
    boto3.client("s3").list_buckets()


@pytest.fixture
def raw_moto():
    with moto.mock_aws():
        yield


def test_raw_moto_fixture_then_ours(raw_moto, aiomoto_mock):
    pass
"""


def test_the_plugin_reports_mixed_mocks(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(PLUGIN_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    outcomes: dict[str, Any] = result.parseoutcomes()
    assert outcomes.get("failed") == 2
    assert outcomes.get("errors") == 1
    result.stdout.fnmatch_lines(
        [
            "*MixedMocksError: moto.mock_aws was started while aiomoto.mock_aws is "
            "active*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*MixedMocksError: aiomoto.mock_aws was entered while Moto's own*"]
    )
    assert unpatched()
    assert MockAWS._nested_count == 0
