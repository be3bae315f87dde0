"""Multipart uploads by hand, and aioboto3's managed transfers.

A multipart object's ETag is the MD5 of its parts' MD5s followed by
``-<parts>``; a single PUT's is the MD5 of the body.  The ETag therefore shows
which way a managed transfer went, and every transfer is checked byte for
byte.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from tests.async_surface.harness import ASYNCIO_MODES, Aws
from tests.clients import aioboto3, needs_aioboto3

pytestmark = pytest.mark.anyio

BUCKET = "transfers"
MIB = 1024 * 1024
PART = 5 * MIB  # S3's smallest part but the last
# Small parts keep the test quick while still splitting "large" objects.
CONFIG = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART)
SMALL = os.urandom(MIB + 17)
LARGE = os.urandom(2 * PART + 1234)  # three parts


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def multipart_etag(parts: list[bytes]) -> str:
    digests = b"".join(hashlib.md5(part).digest() for part in parts)
    return f'"{hashlib.md5(digests).hexdigest()}-{len(parts)}"'


def split(data: bytes) -> list[bytes]:
    return [data[i : i + PART] for i in range(0, len(data), PART)]


async def s3_with_bucket(aws: Aws, aioboto3: bool = False) -> Any:
    s3 = await (aws.aioboto3_client("s3") if aioboto3 else aws.client("s3"))
    await s3.create_bucket(Bucket=BUCKET)
    return s3


async def read_object(s3: Any, key: str) -> tuple[bytes, str]:
    got = await s3.get_object(Bucket=BUCKET, Key=key)
    return await got["Body"].read(), got["ETag"]


# --- by hand ------------------------------------------------------------------


async def test_multipart_upload_by_hand(aws: Aws) -> None:
    s3 = await s3_with_bucket(aws)
    parts = split(LARGE)
    upload = await s3.create_multipart_upload(
        Bucket=BUCKET, Key="manual", ContentType="application/octet-stream"
    )
    upload_id = upload["UploadId"]

    etags = []
    for number, data in enumerate(parts, start=1):
        part = await s3.upload_part(
            Bucket=BUCKET,
            Key="manual",
            UploadId=upload_id,
            PartNumber=number,
            Body=data,
        )
        assert part["ETag"] == f'"{md5(data)}"'
        etags.append(part["ETag"])

    listed = await s3.list_parts(Bucket=BUCKET, Key="manual", UploadId=upload_id)
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed["Parts"]] == [
        (n, etag, len(data))
        for n, (etag, data) in enumerate(zip(etags, parts, strict=True), start=1)
    ]
    uploads = await s3.list_multipart_uploads(Bucket=BUCKET)
    assert [u["UploadId"] for u in uploads["Uploads"]] == [upload_id]

    completed = await s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key="manual",
        UploadId=upload_id,
        MultipartUpload={
            "Parts": [
                {"PartNumber": n, "ETag": etag} for n, etag in enumerate(etags, 1)
            ]
        },
    )

    assert completed["ETag"] == multipart_etag(parts)
    body, etag = await read_object(s3, "manual")
    assert body == LARGE
    assert etag == completed["ETag"]
    head = await s3.head_object(Bucket=BUCKET, Key="manual", PartNumber=2)
    assert head["ContentLength"] == len(parts[1])
    assert head["PartsCount"] == len(parts)


async def test_abort_multipart_upload(aws: Aws) -> None:
    s3 = await s3_with_bucket(aws)
    upload_id = (await s3.create_multipart_upload(Bucket=BUCKET, Key="dropped"))[
        "UploadId"
    ]
    await s3.upload_part(
        Bucket=BUCKET, Key="dropped", UploadId=upload_id, PartNumber=1, Body=b"x"
    )

    await s3.abort_multipart_upload(Bucket=BUCKET, Key="dropped", UploadId=upload_id)

    assert "Uploads" not in await s3.list_multipart_uploads(Bucket=BUCKET)
    with pytest.raises(ClientError) as raised:
        await s3.list_parts(Bucket=BUCKET, Key="dropped", UploadId=upload_id)
    assert raised.value.response["Error"]["Code"] == "NoSuchUpload"
    with pytest.raises(s3.exceptions.NoSuchKey):
        await s3.get_object(Bucket=BUCKET, Key="dropped")


async def test_completing_with_a_wrong_etag_or_a_small_part_fails(aws: Aws) -> None:
    s3 = await s3_with_bucket(aws)
    upload_id = (await s3.create_multipart_upload(Bucket=BUCKET, Key="bad"))["UploadId"]
    etags = []
    for number, data in enumerate([b"tiny", b"also tiny"], start=1):
        part = await s3.upload_part(
            Bucket=BUCKET, Key="bad", UploadId=upload_id, PartNumber=number, Body=data
        )
        etags.append(part["ETag"])

    with pytest.raises(ClientError) as wrong_etag:
        await s3.complete_multipart_upload(
            Bucket=BUCKET,
            Key="bad",
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0" * 32'}]},
        )
    with pytest.raises(ClientError) as too_small:
        await s3.complete_multipart_upload(
            Bucket=BUCKET,
            Key="bad",
            UploadId=upload_id,
            MultipartUpload={
                "Parts": [
                    {"PartNumber": n, "ETag": etag} for n, etag in enumerate(etags, 1)
                ]
            },
        )

    assert wrong_etag.value.response["Error"]["Code"] == "InvalidPart"
    assert too_small.value.response["Error"]["Code"] == "EntityTooSmall"


async def test_upload_part_copy(aws: Aws) -> None:
    s3 = await s3_with_bucket(aws)
    await s3.put_object(Bucket=BUCKET, Key="source", Body=LARGE)
    upload_id = (await s3.create_multipart_upload(Bucket=BUCKET, Key="copied"))[
        "UploadId"
    ]
    parts = []
    for number, start in enumerate(range(0, len(LARGE), PART), start=1):
        end = min(start + PART, len(LARGE)) - 1
        copied = await s3.upload_part_copy(
            Bucket=BUCKET,
            Key="copied",
            UploadId=upload_id,
            PartNumber=number,
            CopySource={"Bucket": BUCKET, "Key": "source"},
            CopySourceRange=f"bytes={start}-{end}",
        )
        parts.append({"PartNumber": number, "ETag": copied["CopyPartResult"]["ETag"]})
    await s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key="copied",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts},
    )

    body, etag = await read_object(s3, "copied")
    assert body == LARGE
    assert etag == multipart_etag(split(LARGE))


# --- aioboto3's managed transfers ----------------------------------------------
# They schedule their part uploads and downloads with asyncio primitives, so
# they run under asyncio only.

SIZES = {"below-threshold": SMALL, "above-threshold": LARGE}


def expected_etag(data: bytes) -> str:
    return multipart_etag(split(data)) if len(data) >= PART else f'"{md5(data)}"'


class RangedGets:
    """Counts the GetObject requests that ask for a byte range."""

    def __init__(self, client: Any) -> None:
        self.ranges: list[str] = []
        client.meta.events.register_first("before-send.s3.GetObject", self._record)

    def _record(self, request: Any, **_: Any) -> None:
        if "Range" in request.headers:
            self.ranges.append(str(request.headers["Range"]))


@needs_aioboto3
@pytest.mark.modes(*ASYNCIO_MODES)
@pytest.mark.parametrize("size", list(SIZES))
async def test_upload_fileobj_and_download_fileobj(aws: Aws, size: str) -> None:
    data = SIZES[size]
    s3 = await s3_with_bucket(aws, aioboto3=True)
    ranged = RangedGets(s3)

    await s3.upload_fileobj(io.BytesIO(data), BUCKET, "obj", Config=CONFIG)
    downloaded = io.BytesIO()
    await s3.download_fileobj(BUCKET, "obj", downloaded, Config=CONFIG)

    body, etag = await read_object(s3, "obj")
    assert body == data
    assert etag == expected_etag(data)
    assert downloaded.getvalue() == data
    # aioboto3 downloads in ranged gets of one chunk size each.
    assert len(ranged.ranges) == len(split(data))


@needs_aioboto3
@pytest.mark.modes(*ASYNCIO_MODES)
@pytest.mark.parametrize("size", list(SIZES))
async def test_upload_file_and_download_file(
    aws: Aws, size: str, tmp_path: Path
) -> None:
    data = SIZES[size]
    source, target = tmp_path / "source.bin", tmp_path / "target.bin"
    source.write_bytes(data)
    s3 = await s3_with_bucket(aws, aioboto3=True)
    progress: list[int] = []

    await s3.upload_file(
        str(source), BUCKET, "file", Config=CONFIG, Callback=progress.append
    )
    await s3.download_file(BUCKET, "file", str(target), Config=CONFIG)

    assert target.read_bytes() == data
    assert sum(progress) == len(data)
    assert (await read_object(s3, "file"))[1] == expected_etag(data)


@needs_aioboto3
@pytest.mark.modes(*ASYNCIO_MODES)
@pytest.mark.parametrize("size", list(SIZES))
async def test_managed_copy(aws: Aws, size: str) -> None:
    data = SIZES[size]
    s3 = await s3_with_bucket(aws, aioboto3=True)
    await s3.put_object(Bucket=BUCKET, Key="original", Body=data)

    await s3.copy(
        {"Bucket": BUCKET, "Key": "original"}, BUCKET, "duplicate", Config=CONFIG
    )

    body, etag = await read_object(s3, "duplicate")
    assert body == data
    assert etag == expected_etag(data)


@needs_aioboto3
@pytest.mark.modes(*ASYNCIO_MODES)
async def test_resource_upload_and_download(aws: Aws, tmp_path: Path) -> None:
    # The same transfers reached through aioboto3's resource objects.
    target = tmp_path / "target.bin"
    async with aioboto3.Session().resource(
        "s3", region_name="us-east-1", config=aws.config()
    ) as s3:
        bucket = await s3.create_bucket(Bucket=BUCKET)
        await bucket.upload_fileobj(io.BytesIO(LARGE), "via-resource", Config=CONFIG)
        obj = await s3.Object(BUCKET, "via-resource")
        await obj.download_file(str(target), Config=CONFIG)
        assert await obj.e_tag == expected_etag(LARGE)
    assert target.read_bytes() == LARGE
