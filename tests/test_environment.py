"""The environment users have: endpoints, profiles and credentials.

Inside a context, clients reach Moto whatever endpoint settings, profile or
credentials the environment holds, nothing leaves the process, and the last
exit restores the environment exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
from aiobotocore.session import AioSession, get_session
from tests.clients import aioboto3
from tests.process_state import environment

import aiomoto

REGION = "us-east-1"
CUSTOM = "http://localhost:4566"


@pytest.fixture(autouse=True)
def no_name_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any DNS lookup: a request leaving the process would start with one."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("localhost", "127.0.0.1", "::1", None):
            raise AssertionError(f"a client tried to resolve {host!r}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Empty shared config and credentials files, whatever ~/.aws holds."""
    config = tmp_path / "config"
    config.write_text("")
    (tmp_path / "credentials").write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    return config


@contextlib.contextmanager
def unchanged_environment() -> Iterator[None]:
    """The block leaves os.environ exactly as it found it."""
    before = environment()
    yield
    assert environment() == before


async def async_round_trip(name: str) -> list[str]:
    """Write with aiobotocore, read with aioboto3 (where the set has it, else
    a second aiobotocore session); the names of the buckets."""
    async with get_session().create_client("s3", region_name=REGION) as s3:
        assert s3.meta.endpoint_url == "https://s3.amazonaws.com"
        await s3.create_bucket(Bucket=name)
    if aioboto3 is not None:
        reader = aioboto3.Session().client("s3", region_name=REGION)
    else:
        reader = AioSession().create_client("s3", region_name=REGION)
    async with reader as s3:
        return sorted(b["Name"] for b in (await s3.list_buckets())["Buckets"])


def sync_round_trip() -> list[str]:
    s3 = boto3.client("s3", region_name=REGION)
    assert s3.meta.endpoint_url == "https://s3.amazonaws.com"
    s3.create_bucket(Bucket="sync-bucket")
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    assert dynamodb.list_tables()["TableNames"] == []
    return sorted(b["Name"] for b in s3.list_buckets()["Buckets"])


def check_clients_reach_moto() -> None:
    with unchanged_environment(), aiomoto.mock_aws():
        assert sync_round_trip() == ["sync-bucket"]
        assert asyncio.run(async_round_trip("async-bucket")) == [
            "async-bucket",
            "sync-bucket",
        ]


@pytest.mark.parametrize(
    "variables",
    [
        {"AWS_ENDPOINT_URL": CUSTOM},
        {"AWS_ENDPOINT_URL_S3": CUSTOM, "AWS_ENDPOINT_URL_DYNAMODB": CUSTOM},
        {"AWS_USE_FIPS_ENDPOINT": "true"},
        {"AWS_USE_DUALSTACK_ENDPOINT": "true"},
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false", "AWS_ENDPOINT_URL": CUSTOM},
    ],
    ids=["global", "per-service", "fips", "dualstack", "ignore-false"],
)
def test_endpoint_variables_do_not_take_clients_away_from_moto(
    aws_files: Path,
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str],
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    before = dict(os.environ)

    check_clients_reach_moto()

    assert dict(os.environ) == before
    # Outside the context the settings apply again.
    if "AWS_ENDPOINT_URL" in variables or "AWS_ENDPOINT_URL_S3" in variables:
        s3 = boto3.Session().client("s3", region_name=REGION)
        assert s3.meta.endpoint_url == CUSTOM


@pytest.mark.parametrize(
    "config",
    [
        f"[default]\nendpoint_url = {CUSTOM}\n",
        f"[default]\nservices = local\n\n[services local]\ns3 =\n"
        f"  endpoint_url = {CUSTOM}\ndynamodb =\n  endpoint_url = {CUSTOM}\n",
        "[default]\nuse_fips_endpoint = true\n",
    ],
    ids=["endpoint_url", "services-section", "fips"],
)
def test_endpoints_in_the_shared_config_file_do_not_redirect_clients(
    aws_files: Path, config: str
) -> None:
    aws_files.write_text(config)
    check_clients_reach_moto()
    if "endpoint_url" in config:
        s3 = boto3.Session().client("s3", region_name=REGION)
        assert s3.meta.endpoint_url == CUSTOM


@pytest.mark.asyncio
async def test_keep_endpoints_opts_out(
    aws_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", CUSTOM)
    monkeypatch.setenv("AIOMOTO_KEEP_ENDPOINTS", "1")
    with unchanged_environment():
        async with (
            aiomoto.mock_aws(),
            get_session().create_client("s3", region_name=REGION) as s3,
        ):
            assert os.environ["AWS_ENDPOINT_URL"] == CUSTOM
            assert s3.meta.endpoint_url == CUSTOM
            # The endpoint is not AWS, so Moto does not answer and the guard
            # refuses to send the request.
            with pytest.raises(aiomoto.RealHTTPRequestError, match="localhost:4566"):
                await s3.list_buckets()


@pytest.mark.parametrize("variable", ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"])
def test_a_missing_profile_is_set_aside(
    aws_files: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "no-such-profile")
    with pytest.raises(botocore.exceptions.ProfileNotFound):
        boto3.Session().client("s3", region_name=REGION)

    check_clients_reach_moto()

    assert os.environ[variable] == "no-such-profile"


def test_an_existing_profile_is_kept(
    aws_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_files.write_text(
        f"[profile dev]\nregion = eu-west-2\nendpoint_url = {CUSTOM}\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with unchanged_environment(), aiomoto.mock_aws():
        assert os.environ["AWS_PROFILE"] == "dev"
        s3 = boto3.client("s3")
        assert s3.meta.region_name == "eu-west-2"  # from the profile
        assert s3.meta.endpoint_url == "https://s3.eu-west-2.amazonaws.com"
        s3.create_bucket(
            Bucket="in-dev",
            CreateBucketConfiguration={"LocationConstraint": "eu-west-2"},
        )
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["in-dev"]


@pytest.mark.asyncio
async def test_no_credentials_at_all(
    aws_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    # Outside a context botocore would now ask the instance metadata service.

    with unchanged_environment():
        async with aiomoto.mock_aws():
            session = get_session()
            credentials = await session.get_credentials()
            assert credentials is not None
            assert credentials.access_key == "FOOBARKEY"
            assert await async_round_trip("no-credentials") == ["no-credentials"]

    assert "AWS_ACCESS_KEY_ID" not in os.environ


@pytest.mark.asyncio
async def test_real_looking_credentials_are_never_used(
    aws_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv(
        "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    )
    monkeypatch.setenv("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLETOKEN")
    with unchanged_environment():
        async with aiomoto.mock_aws():
            credentials = await get_session().get_credentials()
            assert credentials.access_key == "FOOBARKEY"
            assert await async_round_trip("real-looking") == ["real-looking"]
            assert sync_round_trip() == ["real-looking", "sync-bucket"]
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAIOSFODNN7EXAMPLE"


def test_the_environment_is_restored_exactly(
    aws_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Empty values, which Moto's own restore would delete, and values aiomoto
    # changes inside.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "")
    monkeypatch.setenv("AWS_ENDPOINT_URL", CUSTOM)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "")
    monkeypatch.setenv("AWS_PROFILE", "missing")
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "true")
    monkeypatch.delenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", raising=False)
    before = dict(os.environ)

    with aiomoto.mock_aws():
        inside = dict(os.environ)
        with aiomoto.mock_aws():
            pass
        assert dict(os.environ) == inside  # an inner exit restores nothing
        os.environ["AWS_ENDPOINT_URL"] = "http://changed.inside"
    assert dict(os.environ) == before

    with pytest.raises(KeyError), aiomoto.mock_aws():
        raise KeyError("failing test")
    assert dict(os.environ) == before

    assert inside["AWS_ACCESS_KEY_ID"] == "FOOBARKEY"
    assert inside["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] == "true"
    assert inside["AWS_USE_FIPS_ENDPOINT"] == "false"
    assert not {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_PROFILE"} & set(inside)
