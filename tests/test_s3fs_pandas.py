"""s3fs and pandas on s3:// paths, in-process, sharing Moto's state with boto3.

s3fs runs aiobotocore (aiohttp backend): its async API on the test's event
loop, its sync API on fsspec's own loop in a background thread.  pandas reads
and writes s3:// through s3fs.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import boto3
import pytest
import pytest_asyncio
import s3fs
from s3fs import S3FileSystem
from tests import no_pypy_wheel

import aiomoto

BUCKET = "frames"
MIB = 1024 * 1024


@pytest.fixture
def mocked() -> Iterator[Any]:
    """A context with a bucket; s3fs's instance cache starts and ends empty."""
    s3fs.S3FileSystem.clear_instance_cache()
    with aiomoto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        yield s3
        s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture
def fs(mocked: Any) -> S3FileSystem:
    return s3fs.S3FileSystem(skip_instance_cache=True)


# --- sync API ---------------------------------------------------------------


def test_pipe_cat_ls_info(fs: S3FileSystem, mocked: Any) -> None:
    fs.pipe(f"{BUCKET}/dir/a.txt", b"alpha")
    fs.pipe({f"{BUCKET}/dir/b.txt": b"beta", f"{BUCKET}/top.txt": b"top"})

    assert fs.cat(f"{BUCKET}/dir/a.txt") == b"alpha"
    assert fs.cat_file(f"{BUCKET}/dir/b.txt", start=1, end=3) == b"et"
    assert sorted(fs.ls(BUCKET)) == [f"{BUCKET}/dir", f"{BUCKET}/top.txt"]
    listed = fs.ls(f"{BUCKET}/dir", detail=True)
    assert {(e["name"], e["size"], e["type"]) for e in listed} == {
        (f"{BUCKET}/dir/a.txt", 5, "file"),
        (f"{BUCKET}/dir/b.txt", 4, "file"),
    }
    assert fs.info(f"{BUCKET}/top.txt")["size"] == 3
    assert fs.exists(f"{BUCKET}/dir/a.txt")
    assert not fs.exists(f"{BUCKET}/dir/missing.txt")
    # Written through s3fs, read through boto3.
    assert mocked.get_object(Bucket=BUCKET, Key="dir/a.txt")["Body"].read() == b"alpha"


def test_glob_find_du(fs: S3FileSystem) -> None:
    for path in ("logs/2024/a.log", "logs/2024/b.log", "logs/2025/c.log", "x.csv"):
        fs.pipe(f"{BUCKET}/{path}", path.encode())

    assert sorted(fs.glob(f"{BUCKET}/logs/*/*.log")) == [
        f"{BUCKET}/logs/2024/a.log",
        f"{BUCKET}/logs/2024/b.log",
        f"{BUCKET}/logs/2025/c.log",
    ]
    assert fs.glob(f"{BUCKET}/*.csv") == [f"{BUCKET}/x.csv"]
    assert len(fs.find(f"{BUCKET}/logs")) == 3
    assert fs.du(f"{BUCKET}/logs") == sum(
        len(f"logs/{p}") for p in ("2024/a.log", "2024/b.log", "2025/c.log")
    )


def test_open_write_and_read_in_blocks(fs: S3FileSystem, mocked: Any) -> None:
    # 12 MiB in 5 MiB blocks: s3fs writes it as a multipart upload.
    data = os.urandom(12 * MIB + 5)
    with fs.open(f"{BUCKET}/big.bin", "wb", block_size=5 * MIB) as f:
        for start in range(0, len(data), MIB):
            f.write(data[start : start + MIB])

    assert mocked.head_object(Bucket=BUCKET, Key="big.bin")["ETag"].endswith('-3"')
    with fs.open(f"{BUCKET}/big.bin", "rb", block_size=2 * MIB) as f:
        assert f.read(10) == data[:10]
        f.seek(7 * MIB)
        assert f.read(100) == data[7 * MIB : 7 * MIB + 100]
        f.seek(0)
        assert f.read() == data


def test_text_mode_and_boto3_written_objects(fs: S3FileSystem, mocked: Any) -> None:
    mocked.put_object(Bucket=BUCKET, Key="from-boto3.txt", Body="héllo\nwörld\n")
    with fs.open(f"{BUCKET}/from-boto3.txt", "r", encoding="utf-8") as f:
        assert f.readlines() == ["héllo\n", "wörld\n"]
    with fs.open(f"{BUCKET}/written.txt", "w") as f:
        f.write("written as text")
    assert fs.cat(f"{BUCKET}/written.txt") == b"written as text"


def test_rm_copy_move(fs: S3FileSystem) -> None:
    fs.pipe(f"{BUCKET}/keep/a", b"a")
    fs.pipe(f"{BUCKET}/drop/b", b"b")
    fs.pipe(f"{BUCKET}/drop/c", b"c")

    fs.copy(f"{BUCKET}/keep/a", f"{BUCKET}/keep/a-copy")
    fs.mv(f"{BUCKET}/keep/a-copy", f"{BUCKET}/moved")
    fs.rm(f"{BUCKET}/drop", recursive=True)
    fs.rm(f"{BUCKET}/keep/a")

    fs.invalidate_cache()
    assert fs.find(BUCKET) == [f"{BUCKET}/moved"]
    assert fs.cat(f"{BUCKET}/moved") == b"a"
    with pytest.raises(FileNotFoundError):
        fs.cat(f"{BUCKET}/drop/b")


# --- async API --------------------------------------------------------------


@pytest_asyncio.fixture
async def async_fs(mocked: Any) -> AsyncIterator[S3FileSystem]:
    fs = s3fs.S3FileSystem(asynchronous=True, skip_instance_cache=True)
    session = await fs.set_session()
    yield fs
    await session.close()


@pytest.mark.asyncio
async def test_async_api(async_fs: S3FileSystem, mocked: Any) -> None:
    fs = async_fs
    await fs._pipe_file(f"{BUCKET}/async/a.txt", b"async alpha")
    await fs._pipe_file(f"{BUCKET}/async/b.txt", b"async beta")

    assert await fs._cat_file(f"{BUCKET}/async/a.txt") == b"async alpha"
    assert sorted(await fs._ls(f"{BUCKET}/async")) == [
        f"{BUCKET}/async/a.txt",
        f"{BUCKET}/async/b.txt",
    ]
    assert sorted(await fs._glob(f"{BUCKET}/async/*.txt")) == [
        f"{BUCKET}/async/a.txt",
        f"{BUCKET}/async/b.txt",
    ]
    assert await fs._du(f"{BUCKET}/async") == len(b"async alpha") + len(b"async beta")
    assert (await fs._info(f"{BUCKET}/async/b.txt"))["size"] == len(b"async beta")
    assert await fs._cat_file(f"{BUCKET}/async/b.txt", start=6) == b"beta"

    await fs._rm(f"{BUCKET}/async/a.txt")
    fs.invalidate_cache()
    assert await fs._ls(f"{BUCKET}/async") == [f"{BUCKET}/async/b.txt"]
    keys = [o["Key"] for o in mocked.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == ["async/b.txt"]


@pytest.mark.asyncio
async def test_async_open(async_fs: S3FileSystem) -> None:
    data = os.urandom(3 * MIB)
    await async_fs._pipe_file(f"{BUCKET}/stream.bin", data)
    f = await async_fs.open_async(f"{BUCKET}/stream.bin", "rb")
    try:
        assert await f.read(100) == data[:100]
        assert await f.read() == data[100:]
    finally:
        await f.close()


# --- pandas -------------------------------------------------------------------

pd: Any = no_pypy_wheel.load("pandas")
needs_pandas = no_pypy_wheel.needs("pandas")
# pandas reads and writes parquet with pyarrow.
needs_pandas_and_pyarrow = no_pypy_wheel.needs("pandas", "pyarrow")


@pytest.fixture
def frame() -> Any:
    return pd.DataFrame(
        {
            "id": range(1000),
            "name": [f"row {i}" for i in range(1000)],
            "score": [i / 7 for i in range(1000)],
        }
    )


@needs_pandas
def test_pandas_csv_round_trip(mocked: Any, frame: Any) -> None:
    frame.to_csv(f"s3://{BUCKET}/frame.csv", index=False)

    assert pd.read_csv(f"s3://{BUCKET}/frame.csv").equals(frame)
    raw = mocked.get_object(Bucket=BUCKET, Key="frame.csv")["Body"].read()
    assert raw.startswith(b"id,name,score\n0,row 0,0.0\n")


@needs_pandas
def test_pandas_reads_csv_written_by_boto3(mocked: Any) -> None:
    mocked.put_object(Bucket=BUCKET, Key="in.csv", Body=b"a,b\n1,x\n2,y\n")
    frame = pd.read_csv(f"s3://{BUCKET}/in.csv")
    assert frame.to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}


# Without storage_options (or filesystem=), pandas gives s3:// parquet paths
# to pyarrow's own C++ S3 client, which bypasses Python and so any in-process
# mock; with them, it goes through s3fs.
PARQUET_OPTIONS = {"storage_options": {"anon": False}}


@needs_pandas_and_pyarrow
def test_pandas_parquet_round_trip(mocked: Any, frame: Any) -> None:
    frame.to_parquet(f"s3://{BUCKET}/frame.parquet", **PARQUET_OPTIONS)

    assert pd.read_parquet(f"s3://{BUCKET}/frame.parquet", **PARQUET_OPTIONS).equals(
        frame
    )
    raw = mocked.get_object(Bucket=BUCKET, Key="frame.parquet")["Body"].read()
    assert raw[:4] == raw[-4:] == b"PAR1"


@needs_pandas_and_pyarrow
def test_pandas_parquet_through_an_s3fs_filesystem(
    fs: S3FileSystem, frame: Any
) -> None:
    frame.to_parquet(f"{BUCKET}/by-fs.parquet", filesystem=fs)
    assert pd.read_parquet(f"{BUCKET}/by-fs.parquet", filesystem=fs).equals(frame)
