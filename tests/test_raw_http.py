"""aiohttp and httpx requests to AWS are answered by Moto in-process, as Moto
answers ``requests``; requests to other hosts are left alone."""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator

import aiohttp
import boto3
import httpx
import pytest

import aiomoto

BUCKET = "raw-http-bucket"


class _Local(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"answered by the local server"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1, started by the test itself."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Local)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/resource"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def s3() -> Iterator[object]:
    with aiomoto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_object(Bucket=BUCKET, Key="object", Body=b"stored by boto3")
        yield client


def test_presigned_get_with_aiohttp(s3: object) -> None:
    url = s3.generate_presigned_url(  # type: ignore[attr-defined]
        "get_object", Params={"Bucket": BUCKET, "Key": "object"}
    )

    async def fetch() -> tuple[int, bytes, str]:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status, await response.read(), response.headers["ETag"]

    status, body, etag = asyncio.run(fetch())
    assert (status, body) == (200, b"stored by boto3")
    assert etag == s3.head_object(Bucket=BUCKET, Key="object")["ETag"]  # type: ignore[attr-defined]


def test_presigned_put_with_httpx_sync_and_async(s3: object) -> None:
    def put_url(key: str) -> str:
        return s3.generate_presigned_url(  # type: ignore[attr-defined, no-any-return]
            "put_object", Params={"Bucket": BUCKET, "Key": key}
        )

    with httpx.Client() as client:
        assert client.put(put_url("sync"), content=b"httpx sync").status_code == 200

    async def put() -> int:
        async with httpx.AsyncClient() as client:
            response = await client.put(put_url("async"), content=b"httpx async")
            return response.status_code

    assert asyncio.run(put()) == 200
    for key, body in (("sync", b"httpx sync"), ("async", b"httpx async")):
        got = s3.get_object(Bucket=BUCKET, Key=key)  # type: ignore[attr-defined]
        assert got["Body"].read() == body


def test_presigned_post_with_aiohttp_form_data(s3: object) -> None:
    post = s3.generate_presigned_post(BUCKET, "posted")  # type: ignore[attr-defined]

    async def upload() -> int:
        form = aiohttp.FormData()
        for name, value in post["fields"].items():
            form.add_field(name, value)
        form.add_field("file", b"posted by aiohttp", filename="upload.bin")
        async with (
            aiohttp.ClientSession() as session,
            session.post(post["url"], data=form) as response,
        ):
            return response.status

    assert asyncio.run(upload()) == 204
    got = s3.get_object(Bucket=BUCKET, Key="posted")  # type: ignore[attr-defined]
    assert got["Body"].read() == b"posted by aiohttp"


@pytest.mark.parametrize(
    "url",
    [
        f"https://{BUCKET}.s3.amazonaws.com/object",
        f"https://s3.amazonaws.com/{BUCKET}/object",
        f"https://s3.us-east-1.amazonaws.com/{BUCKET}/object",
    ],
    ids=["virtual-host", "path", "regional-path"],
)
def test_aws_urls_in_both_styles_reach_moto(s3: object, url: str) -> None:
    presigned = s3.generate_presigned_url(  # type: ignore[attr-defined]
        "get_object", Params={"Bucket": BUCKET, "Key": "object"}
    )
    query = presigned.split("?", 1)[1]
    with httpx.Client() as client:
        response = client.get(f"{url}?{query}")
    assert (response.status_code, response.content) == (200, b"stored by boto3")

    async def fetch() -> int:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status

    # Unsigned, the object is private: Moto refuses, as S3 would.
    assert asyncio.run(fetch()) == 403


def test_a_loopback_server_is_left_alone(s3: object, local_server: str) -> None:
    with httpx.Client() as client:
        assert client.get(local_server).text == "answered by the local server"

    async def fetch() -> tuple[bytes, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(local_server) as response,
        ):
            aiohttp_body = await response.read()
        async with httpx.AsyncClient() as client:
            httpx_text = (await client.get(local_server)).text
        return aiohttp_body, httpx_text

    assert asyncio.run(fetch()) == (
        b"answered by the local server",
        "answered by the local server",
    )


def test_the_patches_go_at_the_last_exit() -> None:
    originals = (
        vars(aiohttp.ClientSession)["_request"],
        vars(httpx.HTTPTransport)["handle_request"],
        vars(httpx.AsyncHTTPTransport)["handle_async_request"],
    )
    with aiomoto.mock_aws():
        assert vars(aiohttp.ClientSession)["_request"] is not originals[0]
        assert vars(httpx.HTTPTransport)["handle_request"] is not originals[1]
    assert (
        vars(aiohttp.ClientSession)["_request"],
        vars(httpx.HTTPTransport)["handle_request"],
        vars(httpx.AsyncHTTPTransport)["handle_async_request"],
    ) == originals
