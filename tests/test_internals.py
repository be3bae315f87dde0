"""Third-party internals: a missing speed-up degrades, a missing necessity fails
clearly -- and either way nothing stays patched."""

from __future__ import annotations

import asyncio
import logging
import types
from collections.abc import Iterator
from typing import Any

import boto3
import moto.core.custom_responses_mock
import moto.core.models
import moto.core.utils
import pytest
from aiobotocore.hooks import AioHierarchicalEmitter
from moto.core.botocore_stubber import BotocoreStubber
from tests.clients import async_bucket_names
from tests.process_state import Snapshot, patch_points

import aiomoto
from aiomoto import _patches
from aiomoto._compatibility import _canary
from aiomoto._fast_path import _pieces as _fast_path
from aiomoto._fast_path import _routing

REGION = "us-east-1"


@pytest.fixture
def before() -> Iterator[Snapshot]:
    snapshot = Snapshot.take(patch_points())
    yield snapshot
    snapshot.assert_restored()


def pieces() -> dict[str, aiomoto.FastPathPiece]:
    return {piece.name: piece for piece in aiomoto.diagnostics().fast_path}


def serves_sync_and_async() -> None:
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="from-sync")
    assert asyncio.run(async_bucket_names()) == ["from-sync"]


def test_diagnostics_report_versions_and_every_piece(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AIOMOTO_FAST_PATH", raising=False)
    report = aiomoto.diagnostics()
    assert set(report.versions) >= {"moto", "botocore", "aiobotocore"}
    assert [p.name for p in report.fast_path] == list(_fast_path.PIECES)
    monkeypatch.setenv("AIOMOTO_FAST_PATH", "0")
    assert all(
        not p.enabled and p.reason == "AIOMOTO_FAST_PATH switches it off"
        for p in aiomoto.diagnostics().fast_path
    )


@pytest.mark.parametrize(
    ("owner", "attribute", "piece", "patched"),
    [
        (
            moto.core.custom_responses_mock,
            "not_implemented_callback",
            "responses registrations",
            (moto.core.models.MockAWS, "_enable_patching"),
        ),
        (
            moto.core.utils,
            "get_equivalent_url_in_aws_domain",
            "routing cache",
            (BotocoreStubber, "process_request"),
        ),
    ],
)
def test_a_missing_fast_path_internal_switches_only_its_piece_off(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    owner: Any,
    attribute: str,
    piece: str,
    patched: tuple[Any, str],
) -> None:
    monkeypatch.delenv("AIOMOTO_FAST_PATH", raising=False)
    if not pieces()[piece].enabled:
        pytest.skip(f"{piece} is off on this install already: {pieces()[piece].reason}")
    before = Snapshot.take(patch_points())
    original = vars(patched[0])[patched[1]]
    monkeypatch.delattr(owner, attribute)
    # A process that starts with the attribute missing.
    monkeypatch.setattr(_fast_path, "decisions", _fast_path.Decisions())
    with caplog.at_level(logging.DEBUG, logger="aiomoto"), aiomoto.mock_aws():
        state = pieces()
        assert not state[piece].enabled
        assert attribute in state[piece].reason
        assert [name for name, p in state.items() if not p.enabled] == [piece]
        # Moto's own code stands where the piece would.
        assert vars(patched[0])[patched[1]] is original
        serves_sync_and_async()
    logged = [r.getMessage() for r in caplog.records if r.name == "aiomoto"]
    assert any(piece in line and attribute in line for line in logged), logged
    before.assert_restored()


def test_the_routing_cache_switches_off_where_moto_wants_normalized_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Moto 5.2.0-5.2.4: process_request reads raw_url, which only Moto's
    # normalized request has, and __call__ normalizes before calling it.
    monkeypatch.delenv("AIOMOTO_FAST_PATH", raising=False)
    if not pieces()["routing cache"].enabled:
        pytest.skip("the routing cache is off on this install already")
    original_call = vars(BotocoreStubber)["__call__"]
    original_process = vars(BotocoreStubber)["process_request"]

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        request.raw_url  # noqa: B018  (only Moto's normalized request has it)
        return original_process(self, request)

    def call(self: BotocoreStubber, event_name: str, request: Any, **kw: Any) -> Any:
        from moto.core.request import normalize_request

        return original_call(self, event_name, normalize_request(request), **kw)

    before = Snapshot.take(patch_points())
    with monkeypatch.context() as patch:
        patch.setattr(BotocoreStubber, "process_request", process_request)
        patch.setattr(BotocoreStubber, "__call__", call)
        patch.setattr(_fast_path, "decisions", _fast_path.Decisions())
        with aiomoto.mock_aws():
            assert not pieces()["routing cache"].enabled
            installed = vars(BotocoreStubber)["process_request"]
            assert installed is not _routing.process_request
            serves_sync_and_async()
    before.assert_restored()


@pytest.mark.parametrize(
    ("owner", "attribute", "library"),
    [
        (moto.core.models.MockAWS, "_nested_count", "moto"),
        (AioHierarchicalEmitter, "_emit", "aiobotocore"),
    ],
)
def test_a_missing_correctness_internal_fails_clearly_at_enter(
    before: Snapshot,
    monkeypatch: pytest.MonkeyPatch,
    owner: Any,
    attribute: str,
    library: str,
) -> None:
    with monkeypatch.context() as patch:
        patch.delattr(owner, attribute)
        # A process that starts with the attribute missing.
        patch.setattr(_patches, "_required_checked", False)
        with pytest.raises(aiomoto.UnsupportedDependencyError) as raised:
            aiomoto.mock_aws().start()
        assert not aiomoto.mock_aws().active
    error = raised.value
    assert isinstance(error, ImportError)
    assert error.library == library
    assert error.version == aiomoto.diagnostics().versions[library]
    assert error.supported.startswith(">=")
    message = str(error)
    assert f"{library} {error.version}" in message
    assert attribute in message
    assert f"aiomoto supports {library} {error.supported}" in message


def test_the_frame_check_canary_fails_on_a_changed_emitter(
    before: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_emit = AioHierarchicalEmitter._emit

    async def _emit(self: Any, *args: Any, **kwargs: Any) -> Any:
        # Events now reach handlers from a frame other than the one whose
        # code aiomoto reads off _emit.
        return await real_emit(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(AioHierarchicalEmitter, "_emit", _emit)
        patch.setattr(_patches, "_required_checked", False)
        with pytest.raises(aiomoto.UnsupportedDependencyError) as raised:
            aiomoto.mock_aws().start()
    assert raised.value.library == "aiobotocore"
    assert "AioHierarchicalEmitter._emit" in str(raised.value)
    assert "async clients would get sync responses" in str(raised.value)
    _canary.check_async_emitter()  # the real emitter passes again


def test_the_canary_passes_on_the_installed_aiobotocore() -> None:
    _canary.check_async_emitter()


# --- pytest's internals -----------------------------------------------------------


def test_a_fixture_function_is_swapped_back_even_on_failure() -> None:
    from aiomoto._internals.pytest_plugins import fixture_function_swapped

    def original() -> None: ...

    def replacement() -> None: ...

    fixturedef: Any = types.SimpleNamespace(func=original)
    with pytest.raises(RuntimeError), fixture_function_swapped(fixturedef, replacement):
        assert fixturedef.func is replacement
        raise RuntimeError
    assert fixturedef.func is original


def test_a_pytest_without_fixture_functions_is_named() -> None:
    from aiomoto._internals.pytest_plugins import fixture_function_swapped

    with (
        pytest.raises(aiomoto.UnsupportedDependencyError, match=r"pytest .*FixtureDef"),
        fixture_function_swapped(object(), lambda: None),  # type: ignore[arg-type]
    ):
        pass
