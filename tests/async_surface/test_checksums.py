"""Flexible checksums on S3 and DynamoDB's CRC32 response check.

Expected checksums are computed here with zlib, hashlib and awscrt, not
with botocore's own checksum classes, so a body changed anywhere on the way
shows up as a mismatch.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable
from typing import Any

import moto.backends
import moto.utilities.aws_headers
import pytest
from aiobotocore.httpchecksum import AioAwsChunkedWrapper, StreamingChecksumBody
from aiobotocore.response import StreamingBody
from botocore.exceptions import ChecksumError, FlexibleChecksumError
from moto.core.models import DEFAULT_ACCOUNT_ID
from tests.async_surface.harness import SLEEPING_MODES, Aws
from tests.no_pypy_wheel import load, needs

pytestmark = pytest.mark.anyio

BUCKET = "checksums"
DATA = b"checksummed bytes\n" * 5000 + bytes(range(256))


def _b64(value: int, size: int) -> str:
    return base64.b64encode(value.to_bytes(size, "big")).decode()


crt: Any = load("awscrt.checksums")

EXPECTED: dict[str, Callable[[bytes], str]] = {
    "CRC32": lambda data: _b64(zlib.crc32(data), 4),
    "CRC32C": lambda data: _b64(crt.crc32c(data), 4),
    "CRC64NVME": lambda data: _b64(crt.crc64nvme(data), 8),
    "SHA1": lambda data: base64.b64encode(hashlib.sha1(data).digest()).decode(),
    "SHA256": lambda data: base64.b64encode(hashlib.sha256(data).digest()).decode(),
}


def algorithms(*names: str) -> list[Any]:
    """``names`` as parameters; botocore computes CRC32C and CRC64NVME with
    awscrt only, so those are marked as needing it."""
    needs_crt = needs("awscrt")
    return [
        pytest.param(name, marks=needs_crt) if name in ("CRC32C", "CRC64NVME") else name
        for name in names
    ]


class SentRequests:
    """Records what each PutObject/UploadPart request carried."""

    def __init__(self, client: Any) -> None:
        self.requests: list[tuple[type, dict[str, str]]] = []
        for operation in ("PutObject", "UploadPart"):
            client.meta.events.register_first(
                f"before-send.s3.{operation}", self._record
            )

    def _record(self, request: Any, **_: Any) -> None:
        headers = {
            k.lower(): v.decode() if isinstance(v, bytes) else v
            for k, v in request.headers.items()
        }
        self.requests.append((type(request.body), headers))


async def s3_client(aws: Aws, **options: Any) -> Any:
    s3 = await aws.client("s3", **options)
    await s3.create_bucket(Bucket=BUCKET)
    return s3


async def test_default_put_sends_a_crc32_trailer(aws: Aws) -> None:
    s3 = await s3_client(aws)
    sent = SentRequests(s3)

    put = await s3.put_object(Bucket=BUCKET, Key="default", Body=DATA)

    body_type, headers = sent.requests[-1]
    assert issubclass(body_type, AioAwsChunkedWrapper)
    assert headers["content-encoding"] == "aws-chunked"
    assert headers["x-amz-trailer"] == "x-amz-checksum-crc32"
    assert int(headers["x-amz-decoded-content-length"]) == len(DATA)
    assert put["ChecksumCRC32"] == EXPECTED["CRC32"](DATA)
    got = await s3.get_object(Bucket=BUCKET, Key="default")
    assert await got["Body"].read() == DATA


@pytest.mark.parametrize("algorithm", algorithms(*EXPECTED))
async def test_explicit_algorithm_on_put_round_trips(aws: Aws, algorithm: str) -> None:
    s3 = await s3_client(aws)
    sent = SentRequests(s3)
    expected = EXPECTED[algorithm](DATA)

    put = await s3.put_object(
        Bucket=BUCKET, Key="k", Body=DATA, ChecksumAlgorithm=algorithm
    )

    _, headers = sent.requests[-1]
    assert headers["x-amz-trailer"] == f"x-amz-checksum-{algorithm.lower()}"
    assert put[f"Checksum{algorithm}"] == expected
    head = await s3.head_object(Bucket=BUCKET, Key="k", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == expected
    got = await s3.get_object(Bucket=BUCKET, Key="k", ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == expected
    assert isinstance(got["Body"], StreamingChecksumBody)
    assert await got["Body"].read() == DATA


PARTS = [b"a" * (5 * 1024 * 1024), b"tail part"]


async def upload_in_parts(s3: Any, algorithm: str) -> None:
    """Upload PARTS as "multi", checking each part's checksum and ETag."""
    upload = await s3.create_multipart_upload(
        Bucket=BUCKET, Key="multi", ChecksumAlgorithm=algorithm
    )
    parts = []
    for number, data in enumerate(PARTS, start=1):
        part = await s3.upload_part(
            Bucket=BUCKET,
            Key="multi",
            UploadId=upload["UploadId"],
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm=algorithm,
        )
        assert part[f"Checksum{algorithm}"] == EXPECTED[algorithm](data)
        assert part["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
        parts.append(
            {
                "PartNumber": number,
                "ETag": part["ETag"],
                f"Checksum{algorithm}": part[f"Checksum{algorithm}"],
            }
        )
    await s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key="multi",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": parts},
    )


def stored_checksum_type(key: str) -> str | None:
    """S3's ChecksumType (COMPOSITE or FULL_OBJECT) Moto keeps for an object.

    None where this Moto has no such notion: Moto 5.1 checksums every
    multipart upload as a checksum of part checksums with no part count,
    which is neither of S3's two kinds.
    """
    s3_backend = moto.backends.get_backend("s3")[DEFAULT_ACCOUNT_ID]["aws"]
    return getattr(s3_backend.get_object(BUCKET, key), "checksum_type", None)


@pytest.mark.parametrize("algorithm", algorithms("CRC32", "CRC64NVME", "SHA256"))
async def test_upload_part_checksums(aws: Aws, algorithm: str) -> None:
    # Read back without validating: the object's checksum is another test's.
    s3 = await s3_client(aws, response_checksum_validation="when_required")
    await upload_in_parts(s3, algorithm)

    got = await s3.get_object(Bucket=BUCKET, Key="multi")
    assert await got["Body"].read() == b"".join(PARTS)


@pytest.mark.parametrize("algorithm", algorithms("CRC32", "CRC64NVME", "SHA256"))
async def test_a_multipart_object_checksum_reads_back(aws: Aws, algorithm: str) -> None:
    s3 = await s3_client(aws)
    await upload_in_parts(s3, algorithm)
    if stored_checksum_type("multi") is None:
        pytest.skip(
            "this Moto keeps no S3 checksum type (COMPOSITE or FULL_OBJECT) "
            "for multipart uploads, so it gives S3's object checksum in neither form"
        )

    whole = b"".join(PARTS)
    got = await s3.get_object(Bucket=BUCKET, Key="multi", ChecksumMode="ENABLED")
    if algorithm == "CRC64NVME":
        # Only a full-object checksum exists for CRC64NVME; it is validated.
        assert got["ChecksumCRC64NVME"] == EXPECTED[algorithm](whole)
        assert isinstance(got["Body"], StreamingChecksumBody)
    else:
        # A checksum of part checksums ends in "-<parts>"; aiobotocore does
        # not validate those, as against S3.
        assert got[f"Checksum{algorithm}"].endswith("-2")
        assert type(got["Body"]) is StreamingBody
    assert await got["Body"].read() == whole


def corrupt_stored_object(key: str) -> None:
    """Flip bytes of the object Moto stores, leaving its checksum as it was."""
    s3_backend = moto.backends.get_backend("s3")[DEFAULT_ACCOUNT_ID]["aws"]
    stored = s3_backend.get_object(BUCKET, key)
    value = bytearray(stored.value)
    value[10] ^= 0xFF
    value[-1] ^= 0xFF
    stored.value = bytes(value)


@pytest.mark.parametrize("algorithm", algorithms("CRC32", "SHA256", "CRC64NVME"))
@pytest.mark.parametrize("reader", ["read", "read_amt", "iter_chunks", "readinto"])
async def test_a_corrupted_object_fails_validation(
    aws: Aws, algorithm: str, reader: str
) -> None:
    s3 = await s3_client(aws)
    await s3.put_object(Bucket=BUCKET, Key="k", Body=DATA, ChecksumAlgorithm=algorithm)
    corrupt_stored_object("k")

    got = await s3.get_object(Bucket=BUCKET, Key="k", ChecksumMode="ENABLED")
    body = got["Body"]
    with pytest.raises(FlexibleChecksumError, match="did not match"):
        if reader == "read":
            await body.read()
        elif reader == "read_amt":
            while await body.read(4096):
                pass
        elif reader == "iter_chunks":
            [chunk async for chunk in body.iter_chunks(4096)]
        else:
            buffer = bytearray(4096)
            while await body.readinto(buffer):
                pass


async def test_without_validation_the_corruption_goes_unnoticed(aws: Aws) -> None:
    # The control for the test above: the same corrupted bytes, not checked.
    s3 = await s3_client(aws, response_checksum_validation="when_required")
    await s3.put_object(Bucket=BUCKET, Key="k", Body=DATA)
    corrupt_stored_object("k")

    got = await s3.get_object(Bucket=BUCKET, Key="k")

    read = await got["Body"].read()
    assert len(read) == len(DATA)
    assert read != DATA


# --- DynamoDB's x-amz-crc32 ------------------------------------------------


class Crc32Corruption:
    """Makes Moto send a wrong x-amz-crc32 on its next ``count`` responses."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = moto.utilities.aws_headers.gen_amz_crc32

        def gen_amz_crc32(response: Any, headerdict: Any = None) -> int:
            crc: int = real(response, headerdict)
            if self.count > 0 and headerdict is not None:
                self.count -= 1
                headerdict["x-amz-crc32"] = str((crc + 1) & 0xFFFFFFFF)
            return crc

        monkeypatch.setattr(moto.utilities.aws_headers, "gen_amz_crc32", gen_amz_crc32)


@pytest.fixture
def crc32(monkeypatch: pytest.MonkeyPatch) -> Crc32Corruption:
    return Crc32Corruption(monkeypatch)


async def dynamodb_with_table(aws: Aws, mode: str) -> Any:
    ddb = await aws.client("dynamodb", retries={"mode": mode, "max_attempts": 3})
    await ddb.create_table(
        TableName="crc",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return ddb


@pytest.mark.modes(*SLEEPING_MODES)
@pytest.mark.parametrize("retry_mode", ["legacy", "standard"])
async def test_dynamodb_crc32_mismatch_is_retried(
    aws: Aws, crc32: Crc32Corruption, sleeps: list[float], retry_mode: str
) -> None:
    ddb = await dynamodb_with_table(aws, retry_mode)
    crc32.count = 2

    listed = await ddb.list_tables()

    assert listed["TableNames"] == ["crc"]
    assert listed["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(sleeps) == 2
    assert crc32.count == 0


def sync_outcome(aws: Aws, crc32: Crc32Corruption, retry_mode: str) -> Any:
    """What boto3 makes of always-wrong CRC32s: its result or its error."""
    crc32.count = 100
    sync = aws.boto3("dynamodb", retries={"mode": retry_mode, "max_attempts": 3})
    try:
        return sync.list_tables()
    except ChecksumError as error:
        return error
    finally:
        crc32.count = 0


@pytest.mark.modes(*SLEEPING_MODES)
async def test_dynamodb_crc32_always_wrong_fails_as_boto3_in_legacy_mode(
    aws: Aws,
    crc32: Crc32Corruption,
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ddb = await dynamodb_with_table(aws, "legacy")
    sync_sleeps: list[float] = []
    monkeypatch.setattr("time.sleep", sync_sleeps.append)
    expected = sync_outcome(aws, crc32, "legacy")
    assert isinstance(expected, ChecksumError)

    crc32.count = 100
    with pytest.raises(ChecksumError, match="crc32") as raised:
        await ddb.list_tables()

    assert str(raised.value) == str(expected)
    assert len(sleeps) == len(sync_sleeps) > 0


@pytest.mark.modes(*SLEEPING_MODES)
async def test_dynamodb_crc32_always_wrong_matches_boto3_in_standard_mode(
    aws: Aws,
    crc32: Crc32Corruption,
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # botocore's standard mode retries a bad CRC32 and, out of attempts,
    # returns the last response; aiobotocore must do the same.
    ddb = await dynamodb_with_table(aws, "standard")
    sync_sleeps: list[float] = []
    monkeypatch.setattr("time.sleep", sync_sleeps.append)
    expected = sync_outcome(aws, crc32, "standard")

    crc32.count = 100
    got = await ddb.list_tables()

    assert got["TableNames"] == expected["TableNames"] == ["crc"]
    retries = got["ResponseMetadata"]["RetryAttempts"]
    assert retries == expected["ResponseMetadata"]["RetryAttempts"] > 0
    assert len(sleeps) == len(sync_sleeps) == retries
