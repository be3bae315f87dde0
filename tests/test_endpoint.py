"""Server mode: Moto's own server in the test process, sharing its state.

Native clients (pyarrow, polars) and other processes reach the endpoint over
its socket; Python clients addressed to it are answered in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aiobotocore.session import AioSession
from tests.no_pypy_wheel import needs

import aiomoto
from aiomoto import AutoEndpointMode
from aiomoto.exceptions import (
    AutoEndpointError,
    ModeConflictError,
    ServerModeConfigurationError,
    ServerModeHealthcheckError,
    ServerModePortError,
)

pytest.importorskip("flask", reason="server mode needs moto[server] (Flask)")

BUCKET = "endpoint-bucket"


@pytest.fixture(autouse=True)
def registry_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Endpoint files go to the test's own folder, not the user's cache."""
    monkeypatch.setenv("AIOMOTO_SERVER_REGISTRY_DIR", str(tmp_path))
    return tmp_path


def _scope(service: str) -> str:
    """An Authorization header Moto takes as signed for ``service``: it reads
    the credential scope and, with authentication off, checks no signature."""
    return (
        f"AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/"
        "aws4_request, SignedHeaders=host, Signature=0"
    )


def _http(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """A signed-looking request over a real socket (S3 unless ``headers`` say
    otherwise), which nothing in aiomoto intercepts."""
    request = urllib.request.Request(url, data=body, method=method)
    for name, value in {"Authorization": _scope("s3"), **(headers or {})}.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


class ConnectCounter:
    """Counts socket connections opened while it is installed."""

    def __init__(self) -> None:
        self.addresses: list[Any] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        current = socket.socket.connect

        def connect(sock: socket.socket, address: Any) -> Any:
            self.addresses.append(address)
            return current(sock, address)

        monkeypatch.setattr(socket.socket, "connect", connect)


# --- the endpoint itself -------------------------------------------------------


def test_the_endpoint_serves_the_in_process_state_both_ways() -> None:
    with aiomoto.mock_aws(server_mode=True) as context:
        endpoint = context.server_endpoint
        assert endpoint == f"http://127.0.0.1:{context.server_port}"
        assert context.server_host == "127.0.0.1"
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=None)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="written-in-process", Body=b"in")
        assert _http("GET", f"{endpoint}/{BUCKET}/written-in-process") == (200, b"in")
        status, _ = _http(
            "PUT",
            f"{endpoint}/{BUCKET}/over-the-socket",
            b"socket",
            {"Content-Type": "application/octet-stream"},
        )
        assert status == 200
        body = s3.get_object(Bucket=BUCKET, Key="over-the-socket")["Body"].read()
        assert body == b"socket"


def test_the_port_is_released_at_the_last_exit() -> None:
    with aiomoto.mock_aws(server_mode=True) as outer:
        port = outer.server_port
        assert port is not None
        with aiomoto.mock_aws(server_mode=True) as inner:
            assert inner.server_endpoint == outer.server_endpoint
        assert _http("GET", f"{outer.server_endpoint}/moto-api/")[0] == 200
    assert outer.server_endpoint is None
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Closed connections may linger in TIME_WAIT, which SO_REUSEADDR
        # allows; a socket still listening on the port would not be.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.listen()


def test_open_connections_are_closed_at_the_last_exit() -> None:
    before = set(threading.enumerate())
    with aiomoto.mock_aws(server_mode=True) as context:
        # A client holding a connection open, mid-request: the server's
        # thread for it waits on the client, which stopping the server
        # alone would not end.
        idle = socket.create_connection(("127.0.0.1", context.server_port or 0))
        idle.sendall(b"GET /moto-api/ HTTP/1.1\r\n")
        deadline = time.monotonic() + 10
        while len(set(threading.enumerate()) - before) < 2:  # server + connection
            assert time.monotonic() < deadline, "the server never took the connection"
            time.sleep(0.01)
    try:
        assert set(threading.enumerate()) <= before
        idle.settimeout(10)
        with contextlib.suppress(ConnectionResetError):
            assert idle.recv(1) == b""
    finally:
        idle.close()


def test_the_environment_points_at_the_endpoint_and_comes_back(
    monkeypatch: pytest.MonkeyPatch, registry_in_tmp: Path
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4566")
    monkeypatch.delenv("AWS_ALLOW_HTTP", raising=False)
    before = dict(os.environ)
    with aiomoto.mock_aws(server_mode=True) as context:
        assert os.environ["AWS_ENDPOINT_URL"] == context.server_endpoint
        assert os.environ["AWS_ALLOW_HTTP"] == "true"
        assert "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" not in os.environ
        assert os.environ["AIOMOTO_SERVER_PORT"] == str(context.server_port)
        registry = Path(context.server_registry_path or "")
        assert registry.parent == registry_in_tmp
        assert json.loads(registry.read_text()) == {
            "endpoint": context.server_endpoint,
            "host": "127.0.0.1",
            "port": context.server_port,
            "pid": os.getpid(),
        }
    assert not registry.exists()
    assert dict(os.environ) == before


def test_the_aiomoto_endpoint_fixture(aiomoto_endpoint: aiomoto.MockAWS) -> None:
    assert aiomoto_endpoint.server_endpoint is not None
    assert os.environ["AWS_ENDPOINT_URL"] == aiomoto_endpoint.server_endpoint
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    status, body = _http("GET", f"{aiomoto_endpoint.server_endpoint}/")
    assert status == 200
    assert BUCKET.encode() in body


def test_a_plain_context_inside_server_mode_keeps_the_endpoint() -> None:
    with aiomoto.mock_aws(server_mode=True) as server, aiomoto.mock_aws():
        assert os.environ["AWS_ENDPOINT_URL"] == server.server_endpoint
        assert boto3.client("s3").meta.endpoint_url == server.server_endpoint


def test_server_port_attaches_to_the_running_endpoint() -> None:
    with aiomoto.mock_aws(server_mode=True) as server:
        port = server.server_port
        with aiomoto.mock_aws(server_mode=True, server_port=port) as attached:
            assert attached.server_endpoint == server.server_endpoint
            assert attached.server_registry_path is None
        with pytest.raises(ServerModePortError, match="share one server"):
            aiomoto.mock_aws(
                server_mode=True, server_port=(port or 0) % 65535 + 1
            ).start()


def test_server_port_attaches_to_another_server_and_refuses_mixing() -> None:
    from moto.server import ThreadedMotoServer

    other = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    other.start()
    try:
        port = other.get_host_and_port()[1]
        with aiomoto.mock_aws(server_mode=True, server_port=port) as attached:
            assert attached.server_endpoint == f"http://127.0.0.1:{port}"
            assert os.environ["AWS_ENDPOINT_URL"] == attached.server_endpoint
            with pytest.raises(ModeConflictError, match="another process"):
                aiomoto.mock_aws().start()
        with aiomoto.mock_aws(), pytest.raises(ModeConflictError):
            aiomoto.mock_aws(server_mode=True, server_port=port).start()
    finally:
        other.stop()


def test_server_mode_arguments_are_checked() -> None:
    with pytest.raises(ServerModeConfigurationError, match="server_mode=True"):
        aiomoto.mock_aws(server_port=5000)
    with pytest.raises(ServerModeConfigurationError, match="not str"):
        aiomoto.mock_aws(server_mode=True, server_port="5000")  # type: ignore[arg-type]
    with pytest.raises(ServerModePortError, match=r"1\.\.65535, not 70000"):
        aiomoto.mock_aws(server_mode=True, server_port=70000).start()
    with pytest.raises(AutoEndpointError, match="add server_mode=True"):
        aiomoto.mock_aws(auto_endpoint=AutoEndpointMode.FORCE)
    with pytest.raises(AutoEndpointError, match="'if_missing'"):
        aiomoto.mock_aws(server_mode=True, auto_endpoint="sometimes")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(ServerModeHealthcheckError, match="no Moto server answered"):
        aiomoto.mock_aws(server_mode=True, server_port=port).start()
    assert not aiomoto.mock_aws().active


# --- auto_endpoint ---------------------------------------------------------------


def test_force_gives_every_new_client_the_endpoint() -> None:
    with aiomoto.mock_aws(server_mode=True) as context:
        client = boto3.client("s3", endpoint_url="http://example.com")
        assert client.meta.endpoint_url == context.server_endpoint
        client.create_bucket(Bucket=BUCKET)
    client = boto3.client("s3", endpoint_url="http://example.com")
    assert client.meta.endpoint_url == "http://example.com"


def test_if_missing_keeps_an_explicit_endpoint() -> None:
    with aiomoto.mock_aws(server_mode=True, auto_endpoint="if_missing") as context:
        assert boto3.client("s3").meta.endpoint_url == context.server_endpoint
        explicit = boto3.client("s3", endpoint_url="http://example.com")
        assert explicit.meta.endpoint_url == "http://example.com"


def test_disabled_points_nothing_at_the_endpoint() -> None:
    with aiomoto.mock_aws(
        server_mode=True, auto_endpoint=AutoEndpointMode.DISABLED
    ) as context:
        assert "AWS_ENDPOINT_URL" not in os.environ
        assert boto3.client("s3").meta.endpoint_url == "https://s3.amazonaws.com"
        explicit = boto3.client("s3", endpoint_url=context.server_endpoint)
        explicit.create_bucket(Bucket=BUCKET)
        assert _http("GET", f"{context.server_endpoint}/{BUCKET}")[0] == 200


def test_contexts_active_together_share_one_auto_endpoint() -> None:
    second = aiomoto.mock_aws(server_mode=True, auto_endpoint="disabled")
    with (
        aiomoto.mock_aws(server_mode=True),
        pytest.raises(AutoEndpointError, match="share one"),
    ):
        second.start()


# --- Python clients stay in-process ------------------------------------------------


def test_python_clients_sent_to_the_endpoint_open_no_socket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aioboto3 = pytest.importorskip("aioboto3", reason="aioboto3 is not in this set")
    s3fs = pytest.importorskip("s3fs", reason="s3fs is not in this set")
    counter = ConnectCounter()
    with aiomoto.mock_aws(server_mode=True) as context:
        endpoint = context.server_endpoint
        counter.install(monkeypatch)
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="boto3", Body=b"1")

        async def async_clients() -> None:
            async with AioSession().create_client("s3") as client:
                assert client.meta.endpoint_url == endpoint
                await client.put_object(Bucket=BUCKET, Key="aiobotocore", Body=b"2")
            async with aioboto3.Session().client("s3") as client:
                got = await client.get_object(Bucket=BUCKET, Key="aiobotocore")
                assert await got["Body"].read() == b"2"
            async with AioSession().create_client("dynamodb") as dynamodb:
                await dynamodb.list_tables()

        asyncio.run(async_clients())
        fs = s3fs.S3FileSystem(anon=False)
        assert fs.endpoint_url == endpoint
        assert fs.cat(f"{BUCKET}/boto3") == b"1"
        fs.pipe(f"{BUCKET}/s3fs", b"3")
        assert counter.addresses == []
        # The same objects are there for a client that does use the socket.
        assert _http("GET", f"{endpoint}/{BUCKET}/s3fs") == (200, b"3")
        assert counter.addresses == [("127.0.0.1", context.server_port)]


# --- native clients and other processes ------------------------------------------


def _subprocess(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_boto3_subprocess_reads_and_writes_the_state() -> None:
    with aiomoto.mock_aws(server_mode=True):
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="from-test", Body=b"parent")
        out = _subprocess(
            "import boto3\n"
            "s3 = boto3.client('s3')\n"
            f"print(s3.get_object(Bucket='{BUCKET}', Key='from-test')['Body'].read())\n"
            f"s3.put_object(Bucket='{BUCKET}', Key='from-child', Body=b'child')\n"
        )
        assert out.strip() == "b'parent'"
        assert s3.get_object(Bucket=BUCKET, Key="from-child")["Body"].read() == b"child"


def test_the_aws_cli_reads_and_writes_the_state(tmp_path: Path) -> None:
    # Looked up, not imported: importing awscli sets AWS_DATA_PATH for the
    # whole process, which would change every later botocore session.
    if importlib.util.find_spec("awscli") is None:
        pytest.skip(
            "awscli is not in this set: each release pins one botocore, "
            "and none pins this set's"
        )
    source = tmp_path / "upload.txt"
    source.write_bytes(b"from the cli")
    with aiomoto.mock_aws(server_mode=True):
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="listed", Body=b"x")
        cli = "from awscli.clidriver import main; import sys; sys.exit(main())"
        done = subprocess.run(
            [sys.executable, "-c", cli, "s3", "ls", f"s3://{BUCKET}/"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "listed" in done.stdout
        done = subprocess.run(
            [sys.executable, "-c", cli, "s3", "cp", str(source), f"s3://{BUCKET}/cli"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert s3.get_object(Bucket=BUCKET, Key="cli")["Body"].read() == b"from the cli"


@pytest.fixture
def endpoint_bucket() -> Iterator[Any]:
    with aiomoto.mock_aws(server_mode=True) as context:
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        yield s3, context


@needs("pandas", "pyarrow")
def test_pandas_parquet_without_storage_options(endpoint_bucket: Any) -> None:
    import pandas as pd

    s3, _ = endpoint_bucket
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    frame.to_parquet(f"s3://{BUCKET}/pandas.parquet")
    written = s3.get_object(Bucket=BUCKET, Key="pandas.parquet")["Body"].read()
    assert written.startswith(b"PAR1")
    s3.put_object(Bucket=BUCKET, Key="boto3.parquet", Body=written)
    pd.testing.assert_frame_equal(
        pd.read_parquet(f"s3://{BUCKET}/boto3.parquet"), frame
    )


@needs("pandas")
def test_pandas_csv_without_storage_options(endpoint_bucket: Any) -> None:
    import pandas as pd

    s3, _ = endpoint_bucket
    s3.put_object(Bucket=BUCKET, Key="in.csv", Body=b"a,b\n1,x\n")
    frame = pd.read_csv(f"s3://{BUCKET}/in.csv")
    assert frame.to_dict("list") == {"a": [1], "b": ["x"]}
    frame.to_csv(f"s3://{BUCKET}/out.csv", index=False)
    assert s3.get_object(Bucket=BUCKET, Key="out.csv")["Body"].read() == b"a,b\n1,x\n"


@needs("polars")
@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_polars_reads_scans_and_writes(endpoint_bucket: Any, kind: str) -> None:
    import polars as pl

    s3, _ = endpoint_bucket
    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    path = f"s3://{BUCKET}/polars.{kind}"
    getattr(frame, f"write_{kind}")(path)
    written = s3.get_object(Bucket=BUCKET, Key=f"polars.{kind}")["Body"].read()
    s3.put_object(Bucket=BUCKET, Key=f"boto3.{kind}", Body=written)
    other = f"s3://{BUCKET}/boto3.{kind}"
    assert getattr(pl, f"read_{kind}")(other).equals(frame)
    assert getattr(pl, f"scan_{kind}")(other).collect().equals(frame)


@needs("pyarrow")
def test_pyarrow_s3filesystem_with_endpoint_override(endpoint_bucket: Any) -> None:
    from pyarrow import fs as pafs

    s3, context = endpoint_bucket
    s3.put_object(Bucket=BUCKET, Key="by-boto3", Body=b"boto3 wrote")
    fs = pafs.S3FileSystem(
        endpoint_override=f"{context.server_host}:{context.server_port}",
        scheme="http",
        region="us-east-1",
        access_key="testing",
        secret_key="testing",
    )
    with fs.open_input_stream(f"{BUCKET}/by-boto3") as stream:
        assert stream.read() == b"boto3 wrote"
    with fs.open_output_stream(f"{BUCKET}/by-pyarrow") as stream:
        stream.write(b"pyarrow wrote")
    assert s3.get_object(Bucket=BUCKET, Key="by-pyarrow")["Body"].read() == (
        b"pyarrow wrote"
    )


# --- one lock for server threads and in-process clients ----------------------------


def _add_over_the_socket(endpoint: str, times: int) -> None:
    body = json.dumps(
        {
            "TableName": "counters",
            "Key": {"pk": {"S": "hits"}},
            "UpdateExpression": "ADD hits :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    ).encode()
    headers = {
        "X-Amz-Target": "DynamoDB_20120810.UpdateItem",
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": _scope("dynamodb"),
    }
    for _ in range(times):
        assert _http("POST", f"{endpoint}/", body, headers)[0] == 200


def test_server_threads_and_in_process_tasks_lose_no_writes() -> None:
    threads, per_thread, tasks, per_task = 4, 25, 10, 10
    with aiomoto.mock_aws(server_mode=True) as context:
        endpoint = context.server_endpoint or ""
        dynamodb = boto3.client("dynamodb")
        dynamodb.create_table(
            TableName="counters",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        workers = [
            threading.Thread(target=_add_over_the_socket, args=(endpoint, per_thread))
            for _ in range(threads)
        ]

        async def add_in_process() -> None:
            async with AioSession().create_client("dynamodb") as client:

                async def add(times: int) -> None:
                    for _ in range(times):
                        await client.update_item(
                            TableName="counters",
                            Key={"pk": {"S": "hits"}},
                            UpdateExpression="ADD hits :one",
                            ExpressionAttributeValues={":one": {"N": "1"}},
                        )

                await asyncio.gather(*(add(per_task) for _ in range(tasks)))

        for worker in workers:
            worker.start()
        asyncio.run(add_in_process())
        for worker in workers:
            worker.join()
        item = dynamodb.get_item(TableName="counters", Key={"pk": {"S": "hits"}})
        assert item["Item"]["hits"]["N"] == str(threads * per_thread + tasks * per_task)
