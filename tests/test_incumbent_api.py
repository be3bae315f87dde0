"""The public API of the other aiomoto package (0.5.x), for its users.

Its names import from the same places and mean the same; the examples of its
README and server-mode guide run here as written there (save the bucket
names, which S3 requires to be 3 to 63 characters long), and its errors
carry the phrases its tests match on.
"""

from __future__ import annotations

import asyncio
import socket
import sys

import boto3
import moto.settings
import pytest
from aiobotocore.session import AioSession

import aiomoto
import aiomoto.context
import aiomoto.exceptions
from aiomoto import AutoEndpointMode, mock_aws, mock_aws_decorator


def test_the_names_it_exports() -> None:
    from aiomoto.patches.server_mode import AutoEndpointMode as from_patches

    assert from_patches is AutoEndpointMode
    assert aiomoto.context.mock_aws is mock_aws
    assert aiomoto.context.mock_aws_decorator is mock_aws_decorator
    assert [mode.value for mode in AutoEndpointMode] == [
        "force",
        "if_missing",
        "disabled",
    ]
    assert AutoEndpointMode("if_missing") is AutoEndpointMode.IF_MISSING
    for name in aiomoto.exceptions.__all__:
        assert issubclass(getattr(aiomoto.exceptions, name), Exception)


def test_its_errors_are_ours_where_they_overlap() -> None:
    exceptions = aiomoto.exceptions
    assert issubclass(exceptions.ProxyModeError, aiomoto.UnsupportedMockModeError)
    assert issubclass(
        exceptions.ServerModeRequiredError, aiomoto.UnsupportedMockModeError
    )
    assert exceptions.RealHTTPRequestBlockedError is aiomoto.RealHTTPRequestError


def test_test_server_mode_without_server_mode_raises_both_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_SERVER_MODE", "true")
    with pytest.raises(aiomoto.exceptions.ServerModeRequiredError):
        mock_aws()
    with pytest.raises(aiomoto.UnsupportedMockModeError):
        mock_aws()


def test_reset_false_and_remove_data_false_keep_the_data() -> None:
    with mock_aws(remove_data=False):
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="kept")
    with mock_aws(reset=False):
        names = [
            b["Name"]
            for b in boto3.client("s3", region_name="us-east-1").list_buckets()[
                "Buckets"
            ]
        ]
    assert names == ["kept"]
    with mock_aws():
        assert (
            boto3.client("s3", region_name="us-east-1").list_buckets()["Buckets"] == []
        )


def test_a_decorator_made_with_settings() -> None:
    @mock_aws_decorator(remove_data=False)
    def write() -> None:
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="decorated")

    write()
    with mock_aws(reset=False):
        buckets = boto3.client("s3", region_name="us-east-1").list_buckets()
        assert [b["Name"] for b in buckets["Buckets"]] == ["decorated"]


# --- its README ---------------------------------------------------------------


def test_readme_usage() -> None:
    async def demo() -> None:
        async with mock_aws():
            # Write with a synchronous boto3 client.
            boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="example")

            # Read it back with an async aiobotocore client.
            session = AioSession()
            async with session.create_client("s3", region_name="us-east-1") as s3:
                result = await s3.list_buckets()
                assert any(b["Name"] == "example" for b in result["Buckets"])

    asyncio.run(demo())


@mock_aws
def test_readme_decorator_sync_bucket() -> None:
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket="decorator-demo")


def test_readme_decorator_async_bucket() -> None:
    @mock_aws_decorator
    async def test_async_bucket() -> None:
        async with AioSession().create_client("s3", region_name="us-east-1") as client:
            await client.create_bucket(Bucket="decorator-demo")

    asyncio.run(test_async_bucket())


def test_readme_s3fs_usage() -> None:
    s3fs = pytest.importorskip("s3fs", reason="s3fs is not in this set")
    with mock_aws():
        fs = s3fs.S3FileSystem(asynchronous=False, anon=False)
        fs.call_s3("create_bucket", Bucket="bucket-123")
        fs.call_s3("put_object", Bucket="bucket-123", Key="test.txt", Body=b"hi")
        assert fs.cat("bucket-123/test.txt") == b"hi"


# --- its server-mode guide -------------------------------------------------------


@pytest.fixture(autouse=True)
def _registry_in_tmp(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIOMOTO_SERVER_REGISTRY_DIR", str(tmp_path))


def test_guide_server_mode() -> None:
    with mock_aws(server_mode=True) as ctx:
        client = boto3.client("s3")
        assert client.meta.endpoint_url == ctx.server_endpoint
        client.create_bucket(Bucket="server-mode")


def test_guide_if_missing() -> None:
    with mock_aws(server_mode=True, auto_endpoint=AutoEndpointMode.IF_MISSING):
        client = boto3.client("s3", endpoint_url="http://example.com")
        assert client.meta.endpoint_url == "http://example.com"


def test_guide_disabled() -> None:
    with mock_aws(server_mode=True, auto_endpoint=AutoEndpointMode.DISABLED) as ctx:
        client = boto3.client("s3", endpoint_url=ctx.server_endpoint)
        client.create_bucket(Bucket="server-mode-explicit")


def test_guide_attach() -> None:
    with mock_aws(server_mode=True) as server:
        port = server.server_port
        assert port is not None
        with mock_aws(server_mode=True, server_port=port) as client:
            assert client.server_endpoint == server.server_endpoint


def test_guide_session_fixture_layout(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        from collections.abc import Iterator

        import boto3
        import pytest

        from aiomoto import mock_aws


        @pytest.fixture(scope="session", autouse=True)
        def aiomoto_context() -> Iterator[None]:
            with mock_aws(server_mode=True):
                yield


        @pytest.fixture
        def s3_bucket():
            s3 = boto3.resource("s3", region_name="us-east-1")
            bucket = s3.Bucket("example-bucket")
            bucket.create()
            yield bucket
            bucket.objects.all().delete()
            bucket.delete()
        """
    )
    pytester.makepyfile(
        """
        def test_round_trip(s3_bucket) -> None:
            s3_bucket.put_object(Key="hello.txt", Body=b"hi")
            assert s3_bucket.Object("hello.txt").get()["Body"].read() == b"hi"


        def test_again(s3_bucket) -> None:
            assert list(s3_bucket.objects.all()) == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


# --- its error wording -----------------------------------------------------------
# Its users match these phrases with pytest.raises(..., match=...), as its own
# tests do; each pattern here is the one its tests use.


def test_test_server_mode_wording(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto.settings, "TEST_SERVER_MODE", True)
    with pytest.raises(
        aiomoto.exceptions.ServerModeRequiredError, match="server_mode must be enabled"
    ):
        mock_aws()


def test_test_proxy_mode_wording(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto.settings, "is_test_proxy_mode", lambda: True)
    with pytest.raises(
        aiomoto.exceptions.ProxyModeError, match="does not support Moto proxy mode"
    ):
        mock_aws()


def test_server_mode_argument_wording() -> None:
    exceptions = aiomoto.exceptions
    with pytest.raises(
        exceptions.ServerModeConfigurationError, match="server_port requires"
    ):
        mock_aws(server_port=1234)
    with pytest.raises(exceptions.AutoEndpointError, match="server_mode=True"):
        mock_aws(auto_endpoint=AutoEndpointMode.FORCE)
    with pytest.raises(
        exceptions.ServerModePortError, match=r"server_port must be in 1\.\.65535"
    ):
        mock_aws(server_mode=True, server_port=0).start()


def test_server_port_change_wording() -> None:
    with mock_aws(server_mode=True) as server:
        other_port = (server.server_port or 0) % 65535 + 1
        with pytest.raises(
            aiomoto.exceptions.ServerModePortError, match="server_port changed"
        ):
            mock_aws(server_mode=True, server_port=other_port).start()


def test_healthcheck_wording() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(
        aiomoto.exceptions.ServerModeHealthcheckError, match="healthcheck failed"
    ):
        mock_aws(server_mode=True, server_port=port).start()


def test_missing_server_dependencies_wording(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "flask_cors", None)
    with pytest.raises(
        aiomoto.exceptions.ServerModeDependencyError, match="moto\\[server\\]"
    ):
        mock_aws(server_mode=True).start()
    assert not mock_aws().active


def test_mode_conflict_wording() -> None:
    from moto.server import ThreadedMotoServer

    other = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    other.start()
    try:
        port = other.get_host_and_port()[1]
        with (
            mock_aws(server_mode=True, server_port=port),
            pytest.raises(aiomoto.exceptions.ModeConflictError, match="server_mode"),
        ):
            mock_aws().start()
    finally:
        other.stop()


def test_real_http_request_wording() -> None:
    async def send_elsewhere() -> None:
        async with (
            mock_aws(),
            AioSession().create_client(
                "s3", region_name="us-east-1", endpoint_url="http://localhost:4566"
            ) as s3,
        ):
            await s3.list_buckets()

    with pytest.raises(
        aiomoto.exceptions.RealHTTPRequestBlockedError,
        match="attempted real HTTP request",
    ):
        asyncio.run(send_elsewhere())
