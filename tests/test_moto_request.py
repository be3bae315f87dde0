"""aiomoto builds exactly the request Moto's ``normalize_request`` builds.

``aiomoto._fast_path._moto_request.normalize`` writes the WSGI environ of Moto's
normalized request directly instead of through werkzeug's ``EnvironBuilder``.
Each case here builds the same botocore request twice -- bodies may be
streams, read once -- and compares the two results: the whole environ (keys
in order, the body stream by content and position), ``raw_url``, and what
Moto's handlers read through werkzeug (headers with preserved names, body,
form, query arguments, path, URL, host).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from typing import Any

import pytest
import werkzeug.test
from aiobotocore.session import get_session
from botocore.awsrequest import AWSPreparedRequest, HeadersDict
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.clients import sent_request

import aiomoto
from aiomoto._fast_path import _moto_request, _routing
from aiomoto._fast_path import _pieces as _fast_path
from aiomoto._internals import moto as moto_internals

normalize_request = pytest.importorskip(
    "moto.core.request",
    reason="Moto before 5.1.9 has no normalized request for aiomoto to build",
).normalize_request

Make = Callable[[], AWSPreparedRequest]


def prepared(method: str, url: str, headers: Any = None, body: Any = None) -> Make:
    """A factory of the request, so each side gets its own (and its own
    body stream)."""

    def make() -> AWSPreparedRequest:
        return AWSPreparedRequest(
            method, url, _as_headers(headers or {}), _fresh(body), True
        )

    return make


def _as_headers(headers: Any) -> Any:
    """Fresh headers: botocore's from a mapping, pairs from a list."""
    if isinstance(headers, list):
        # Repeated names: a mapping whose items() repeats them.
        return _PairHeaders(headers)
    return HeadersDict(headers)


class _PairHeaders:
    """Headers given as pairs, names repeated, as werkzeug joins them."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs

    def items(self) -> list[tuple[str, Any]]:
        return list(self.pairs)


def _fresh(body: Any) -> Any:
    if callable(body):
        return body()
    return body


class _EmptyStream:
    """A stream werkzeug does not read: it is false."""

    def __len__(self) -> int:
        return 0

    def read(self) -> bytes:  # pragma: no cover - not read by either side
        raise AssertionError("read")


def chunked(data: bytes) -> Callable[[], AwsChunkedWrapper]:
    def make() -> AwsChunkedWrapper:
        return AwsChunkedWrapper(
            io.BytesIO(data), checksum_cls=Crc32Checksum, chunk_size=3
        )

    return make


def sent(service: str, operation: str, **params: Any) -> Make:
    """A factory of the request boto3 sends for one operation: sent once
    (each send signs and dates it anew), then copied."""
    once: list[AWSPreparedRequest] = []

    def make() -> AWSPreparedRequest:
        if not once:
            once.append(sent_request(service, "us-east-1", operation, params))
        request = once[0]
        body = request.body
        if hasattr(body, "read"):
            body.seek(0)
            body = io.BytesIO(body.read())
        return AWSPreparedRequest(
            request.method,
            request.url,
            HeadersDict(request.headers.items()),
            body,
            request.stream_output,
        )

    return make


ODD_KEYS = [
    "a b/c+d~e.txt",
    "with%2Fencoded/slash",
    "unicode/\N{SNOWMAN}/\u00fcber",
    "semi;colon/and=equals&amp",
    "question?hash#bang",
    "/leading-slash",
    "double//slash",
    "trailing/",
]

CASES: dict[str, Make] = {
    "json post": prepared(
        "POST",
        "https://dynamodb.us-east-1.amazonaws.com/",
        {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Length": "2",
        },
        b"{}",
    ),
    "get with query": prepared(
        "GET",
        "https://bucket.s3.amazonaws.com/?list-type=2&prefix=a%2Fb+c&delimiter=%2F",
    ),
    "empty bytes body": prepared("DELETE", "https://s3.amazonaws.com/b/k", {}, b""),
    "no body": prepared("GET", "https://s3.amazonaws.com/b/k", {}, None),
    "empty text body": prepared("POST", "https://sqs.us-east-1.amazonaws.com/", {}, ""),
    "stated length, no body": prepared(
        "PUT", "https://s3.amazonaws.com/b/k", {"Content-Length": "10"}, None
    ),
    "length unlike the body": prepared(
        "PUT", "https://s3.amazonaws.com/b/k", {"Content-Length": "99"}, b"abc"
    ),
    "text body": prepared(
        "POST",
        "https://sns.us-east-1.amazonaws.com/",
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        "Action=Publish&Message=caf\u00e9",
    ),
    "empty url-encoded form": prepared(
        "POST",
        "https://sts.amazonaws.com/",
        {"Content-Type": "application/x-www-form-urlencoded"},
        b"",
    ),
    "empty multipart form": prepared(
        "POST",
        "https://s3.amazonaws.com/b",
        {"Content-Type": "multipart/form-data; boundary=x"},
        b"",
    ),
    "multipart form": prepared(
        "POST",
        "https://s3.amazonaws.com/b",
        {"Content-Type": "multipart/form-data; boundary=x"},
        b'--x\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--x--\r\n',
    ),
    "stream body": prepared(
        "PUT", "https://s3.amazonaws.com/b/k", {}, lambda: io.BytesIO(b"streamed")
    ),
    "part-read stream": prepared(
        "PUT", "https://s3.amazonaws.com/b/k", {}, lambda: _part_read(b"skipped-kept")
    ),
    "empty stream": prepared(
        "PUT", "https://s3.amazonaws.com/b/k", {}, lambda: io.BytesIO(b"")
    ),
    "false stream": prepared("PUT", "https://s3.amazonaws.com/b/k", {}, _EmptyStream),
    "text stream": prepared(
        "PUT", "https://s3.amazonaws.com/b/k", {}, lambda: io.StringIO("t\u00e9xt")
    ),
    "aws-chunked body": prepared(
        "PUT",
        "https://b.s3.amazonaws.com/k",
        {
            "Content-Encoding": "aws-chunked",
            "Transfer-Encoding": "chunked",
            "X-Amz-Trailer": "x-amz-checksum-crc32",
        },
        chunked(b"chunky data"),
    ),
    "bytearray body": prepared(
        "PUT", "https://s3.amazonaws.com/b/k", {}, bytearray(b"ab")
    ),
    "metadata names": prepared(
        "PUT",
        "https://b.s3.amazonaws.com/k",
        {
            "x-amz-meta-my_key": "1",
            "X-Amz-Meta-Other_Key_2": "2",
            "x-amz-meta-plain": "3",
            "x_not_meta": "4",
            "Content_Type": "odd",
        },
        b"x",
    ),
    "header value kinds": prepared(
        "GET",
        "https://s3.amazonaws.com/b/k",
        {"X-Bytes": "caf\u00e9".encode(), "X-Int": 7, "X-Empty": ""},
    ),
    "repeated header names": prepared(
        "GET",
        "https://s3.amazonaws.com/b/k",
        [
            ("X-Repeated", "a"),
            ("x-repeated", "b"),
            ("Content-Type", "text/plain"),
            ("content-type", "text/html"),
            ("X-Repeated", "c"),
        ],
    ),
    "host header": prepared(
        "GET", "https://s3.amazonaws.com/b/k", {"Host": "Other.Example:8080"}
    ),
    "line break in a header": prepared(
        "GET", "https://s3.amazonaws.com/b/k", {"X-Bad": "a\r\nb"}
    ),
    "undecodable header": prepared(
        "GET", "https://s3.amazonaws.com/b/k", {"X-Bad": b"\xff"}
    ),
    "lower-case method": prepared("get", "https://s3.amazonaws.com/b/k"),
    "iri path and query": prepared(
        "GET", "https://s3.amazonaws.com/b/\u00fc/\N{SNOWMAN}?q=\u00e8%DF&r=%C3"
    ),
    "encoded slash": prepared("GET", "https://s3.amazonaws.com/b/with%2Fencoded/slash"),
    "bad escapes": prepared("GET", "https://s3.amazonaws.com/b/%C3/%ZZ/%E2%82/%"),
    "path params": prepared("GET", "https://s3.amazonaws.com/b/k;v=1;x?y=2"),
    "empty path": prepared("GET", "https://s3.amazonaws.com"),
    "empty path with query": prepared("GET", "https://s3.amazonaws.com?x=1"),
    "leading double slash": prepared("GET", "https://s3.amazonaws.com//b/k"),
    "triple slash": prepared("GET", "https://s3.amazonaws.com///b"),
    "http with port": prepared("GET", "http://LocalHost:5000/b/k"),
    "default http port": prepared("GET", "http://localhost:80/b"),
    "default https port": prepared("GET", "https://localhost:443/b"),
    "port with zeros": prepared("GET", "http://localhost:05000/b"),
    "ipv6 host": prepared("GET", "http://[::1]:5000/b"),
    "user info": prepared("GET", "http://user:pw@localhost:5000/b"),
    "unicode host": prepared("GET", "https://b\u00fccher.example/b"),
    "fragment": prepared("GET", "https://s3.amazonaws.com/b/k#frag"),
    "bad port": prepared("GET", "http://localhost:99999/b"),
}


def _part_read(data: bytes) -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.read(8)
    return stream


for number, key in enumerate(ODD_KEYS):
    CASES[f"put odd key {number}"] = sent(
        "s3",
        "put_object",
        Bucket="bucket",
        Key=key,
        Body=b"body",
        Metadata={"my_key": "v", "Other-Key": "w", "under_score_s": "x"},
        ContentType="text/plain",
    )
    CASES[f"path-style get odd key {number}"] = sent(
        "s3", "get_object", Bucket="bucket.with.dots", Key=key
    )
CASES.update(
    {
        "copy with odd source": sent(
            "s3",
            "copy_object",
            Bucket="bucket",
            Key="to",
            CopySource={"Bucket": "bucket", "Key": "from key/\u00fc+%"},
        ),
        "list with prefix": sent(
            "s3",
            "list_objects_v2",
            Bucket="bucket",
            Prefix="a b/\u00fc",
            Delimiter="/",
        ),
        "delete objects": sent(
            "s3",
            "delete_objects",
            Bucket="bucket",
            Delete={"Objects": [{"Key": "a b"}, {"Key": "c+d"}]},
        ),
        "dynamodb put": sent(
            "dynamodb", "put_item", TableName="t", Item={"pk": {"S": "\u00e9"}}
        ),
        "sqs send": sent(
            "sqs",
            "send_message",
            QueueUrl="https://sqs.us-east-1.amazonaws.com/123456789012/q",
            MessageBody="hello",
        ),
        "sts query form": sent("sts", "get_caller_identity"),
        "ec2 query form": sent("ec2", "describe_instances", InstanceIds=["i-1"]),
    }
)


def _built(make: Make, build: Callable[[AWSPreparedRequest], tuple[Any, str]]) -> Any:
    try:
        return build(make())
    except Exception as error:
        return ("raised", type(error))


def _by_moto(request: AWSPreparedRequest) -> tuple[Any, str]:
    normalized = normalize_request(request)
    return normalized, normalized.raw_url


def _views(request: Any) -> dict[str, Any]:
    """What Moto's handlers read from a request, through werkzeug."""
    return {
        "headers": list(request.headers),
        "data": request.data,
        "form": request.form.to_dict(flat=False),
        "files": {k: f.read() for k, f in request.files.items()},
        "args": request.args.to_dict(flat=False),
        "path": request.path,
        "raw_path": request.raw_path,
        "full_path": request.full_path,
        "url": request.url,
        "host": request.host,
        "host_url": request.host_url,
        "method": request.method,
        "content_type": request.content_type,
        "content_length": request.content_length,
        "query_string": request.query_string,
        "preserved": request.environ.get(
            moto_internals.core_request.PRESERVED_HEADER_NAMES_ENVIRON_KEY
        ),
    }


def assert_same(make: Make) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        # werkzeug writes an empty multipart form under a boundary made of the
        # time and a random number; fixed, both sides write the same one.
        patch.setattr(werkzeug.test, "time", lambda: 1.5)
        patch.setattr(werkzeug.test, "random", lambda: 0.25)
        theirs = _built(make, _by_moto)
        ours = _built(make, _moto_request.normalize)
    if theirs[0] == "raised" or ours[0] == "raised":
        assert ours == theirs
        return None
    (moto_request, moto_raw_url), (our_request, our_raw_url) = theirs, ours
    assert our_request.environ["werkzeug.request"] is our_request
    assert type(our_request) is type(moto_request)
    difference = moto_internals.request_difference(
        our_request, our_raw_url, moto_request
    )
    assert difference is None
    assert our_raw_url == moto_raw_url
    assert _views(our_request) == _views(moto_request)
    return our_request


@pytest.mark.parametrize("name", list(CASES))
def test_same_request_as_moto(name: str) -> None:
    assert_same(CASES[name])


# Shapes werkzeug treats specially, which aiomoto leaves to Moto.
LEFT_TO_MOTO: dict[str, Make] = {
    "empty multipart form": CASES["empty multipart form"],
    "empty path": CASES["empty path"],
    "leading double slash": CASES["leading double slash"],
    "line break in a header": CASES["line break in a header"],
    "bytearray body": CASES["bytearray body"],
}


@pytest.mark.parametrize("name", list(LEFT_TO_MOTO))
def test_odd_shapes_left_to_moto(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    left: list[AWSPreparedRequest] = []
    real = _moto_request._built_by_moto

    def built_by_moto(request: AWSPreparedRequest, body: Any) -> Any:
        left.append(request)
        return real(request, body)

    monkeypatch.setattr(_moto_request, "_built_by_moto", built_by_moto)
    try:
        request, _ = _moto_request.normalize(LEFT_TO_MOTO[name]())
    except (ValueError, AttributeError):
        # werkzeug refuses them; Moto raises as it would.
        assert name in ("line break in a header", "bytearray body")
    else:
        if name == "empty multipart form":
            # werkzeug writes an empty form under a random boundary.
            assert request.environ["CONTENT_TYPE"].startswith(
                'multipart/form-data; boundary="'
            )
    assert len(left) == 1


def test_corpus_reaches_what_it_claims() -> None:
    """The corpus holds what the comparisons are about (else they prove
    little): preserved names, joined headers, bodies of each kind, errors."""
    metadata = assert_same(CASES["metadata names"])
    assert ("x-amz-meta-my_key", "1") in list(metadata.headers)
    assert ("X-Amz-Meta-Other_Key_2", "2") in list(metadata.headers)
    repeated = assert_same(CASES["repeated header names"])
    assert repeated.environ["HTTP_X_REPEATED"] == "a, b, c"
    assert repeated.environ["CONTENT_TYPE"] == "text/plain"
    assert assert_same(CASES["aws-chunked body"]).data.startswith(b"3\r\nchu\r\n")
    assert assert_same(CASES["part-read stream"]).data == b"kept"
    assert assert_same(CASES["host header"]).host == "Other.Example:8080"
    assert assert_same(CASES["line break in a header"]) is None
    encoded = assert_same(CASES["encoded slash"])
    assert encoded.environ["RAW_URI"] == "/b/with%2Fencoded/slash"
    assert encoded.environ["PATH_INFO"] == "/b/with/encoded/slash"
    quoted_key = assert_same(CASES["put odd key 1"])
    assert quoted_key.environ["RAW_URI"] == "/with%252Fencoded/slash"
    assert quoted_key.environ["PATH_INFO"] == "/with%2Fencoded/slash"


# --- Generated requests ---------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
_url_text = st.text(
    st.sampled_from("aZ09-._~!$&'()*+,;=:@/%?# \t\u00e9\N{SNOWMAN}"), max_size=20
).map(lambda text: text.replace("Z", "%2F").replace("9", "%C3"))
_names = st.sampled_from(
    [
        "Content-Type",
        "content-type",
        "Content-Length",
        "Transfer-Encoding",
        "Host",
        "X-Amz-Date",
        "x-amz-meta-a_b",
        "X-AMZ-META-C_D",
        "x_under",
        "X-Dup",
        "x-dup",
    ]
)
_values = (
    st.sampled_from(
        [
            "",
            "text/plain",
            "multipart/form-data",
            "application/x-www-form-urlencoded",
        ]
    )
    | _text
    | _text.map(str.encode)
)
_bodies = st.one_of(
    st.none(),
    st.binary(max_size=16),
    _text,
    st.binary(max_size=16).map(lambda data: lambda: io.BytesIO(data)),
)
_hosts = st.sampled_from(
    [
        "s3.amazonaws.com",
        "Bucket.S3.Amazonaws.com",
        "localhost:5000",
        "localhost:80",
        "localhost:443",
        "[::1]:8080",
        "b\u00fccher.example",
        "xn--bcher-kva.example",
        "LOCALHOST:0080",
        "localhost:",
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    method=st.sampled_from(["GET", "PUT", "POST", "delete"]),
    scheme=st.sampled_from(["http", "https", "HTTP"]),
    host=_hosts,
    path=_url_text | _text,
    query=_url_text | _text,
    headers=st.lists(st.tuples(_names | _text, _values), max_size=6),
    body=_bodies,
)
def test_generated_requests_same_as_moto(
    method: str,
    scheme: str,
    host: str,
    path: str,
    query: str,
    headers: list[tuple[str, Any]],
    body: Any,
) -> None:
    url = f"{scheme}://{host}/{path}" + (f"?{query}" if query else "")
    assert_same(prepared(method, url, headers, body))


# --- The capability check -------------------------------------------------


def test_capability_check_passes_here() -> None:
    assert _fast_path.PIECES["request building"]() is None


def test_capability_check_notices_a_different_environ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CI's second run switches the fast path off; the reason would be that.
    monkeypatch.setenv("AIOMOTO_FAST_PATH", "1")
    # As if werkzeug decoded paths differently from how aiomoto expects.
    monkeypatch.setattr(_moto_request, "_path_info", lambda path: path)
    missing = _fast_path.PIECES["request building"]()
    assert missing is not None
    assert "PATH_INFO" in missing
    piece = {p.name: p for p in _fast_path.Decisions().evaluate().values()}
    assert not piece["request building"].enabled
    assert "PATH_INFO" in piece["request building"].reason


def test_capability_check_notices_a_different_raw_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_moto_request, "_url_root", lambda environ: "http://wrong")
    missing = _fast_path.PIECES["request building"]()
    assert missing is not None
    assert "raw_url" in missing


def test_capability_check_notices_different_header_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aiomoto._internals import botocore as botocore_internals

    monkeypatch.setattr(
        botocore_internals, "header_items", lambda headers: list(headers.items())[1:]
    )
    missing = _fast_path.PIECES["request building"]()
    assert missing is not None
    assert "HeadersDict" in missing


def test_capability_check_notices_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(environ: dict[str, Any]) -> str:
        raise KeyError("SCRIPT_NAME")

    monkeypatch.setattr(_moto_request, "_url_root", refuse)
    missing = _fast_path.PIECES["request building"]()
    assert missing is not None
    assert "raised KeyError" in missing


# --- Wiring into the routing ----------------------------------------------


def _refuse(request: AWSPreparedRequest) -> Any:
    raise AssertionError("aiomoto built the request while the piece is off")


def test_routing_uses_moto_when_the_piece_is_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_fast_path.decisions, "pieces", {})
    monkeypatch.setattr(_moto_request, "normalize", _refuse)
    seen: list[tuple[Any, str]] = []

    def handler(request: Any, full_url: str, headers: Any) -> Any:
        seen.append((request, full_url))
        return 200, {}, b""

    assert _routing._call_handler(handler, CASES["json post"]()) == (200, {}, b"")
    [(request, raw_url)] = seen
    assert raw_url == "https://dynamodb.us-east-1.amazonaws.com/"
    assert request.data == b"{}"


async def _s3_round_trip() -> dict[str, Any]:
    """Metadata with underscores, odd keys and query-string operations, through
    aiobotocore in aiomoto."""
    async with get_session().create_client("s3", region_name="us-east-1") as s3:
        await s3.create_bucket(Bucket="bucket")
        for key in ODD_KEYS:
            await s3.put_object(
                Bucket="bucket",
                Key=key,
                Body=key.encode(),
                Metadata={"my_key": "1", "Other_Key": "2", "plain-key": "3"},
            )
        heads = {}
        for key in ODD_KEYS:
            head = await s3.head_object(Bucket="bucket", Key=key)
            got = await s3.get_object(Bucket="bucket", Key=key)
            async with got["Body"] as stream:
                assert await stream.read() == key.encode()
            heads[key] = head["Metadata"]
        listed = await s3.list_objects_v2(Bucket="bucket", Prefix="a b/", Delimiter="/")
        unicode = await s3.list_objects_v2(Bucket="bucket", Prefix="unicode/")
        await s3.copy_object(
            Bucket="bucket",
            Key="copied",
            CopySource={"Bucket": "bucket", "Key": "a b/c+d~e.txt"},
        )
        tagged = await s3.put_object_tagging(
            Bucket="bucket",
            Key="with%2Fencoded/slash",
            Tagging={"TagSet": [{"Key": "t_k", "Value": "v"}]},
        )
        tags = await s3.get_object_tagging(Bucket="bucket", Key="with%2Fencoded/slash")
        copied = await s3.head_object(Bucket="bucket", Key="copied")
        return {
            "heads": heads,
            "listed": [o["Key"] for o in listed["Contents"]],
            "unicode": [o["Key"] for o in unicode["Contents"]],
            "tagged": tagged["ResponseMetadata"]["HTTPStatusCode"],
            "tags": tags["TagSet"],
            "copied": copied["Metadata"],
        }


EXPECTED_METADATA = {"my_key": "1", "other_key": "2", "plain-key": "3"}


@pytest.mark.asyncio
@pytest.mark.parametrize("fast_path", ["1", "0"])
async def test_s3_through_aiobotocore(
    monkeypatch: pytest.MonkeyPatch, fast_path: str
) -> None:
    monkeypatch.setenv("AIOMOTO_FAST_PATH", fast_path)
    calls: list[str] = []
    real = _moto_request.normalize

    def counting(request: AWSPreparedRequest) -> Any:
        calls.append(request.url)
        return real(request)

    monkeypatch.setattr(_moto_request, "normalize", counting)
    async with aiomoto.mock_aws():
        found = await _s3_round_trip()
    assert found == {
        "heads": dict.fromkeys(ODD_KEYS, EXPECTED_METADATA),
        "listed": ["a b/c+d~e.txt"],
        "unicode": ["unicode/\N{SNOWMAN}/\u00fcber"],
        "tagged": 200,
        "tags": [{"Key": "t_k", "Value": "v"}],
        "copied": EXPECTED_METADATA,
    }
    if fast_path == "0":
        assert calls == []
    else:
        assert any("with%252Fencoded" in url for url in calls)


def test_dynamodb_json_through_the_fast_builder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIOMOTO_FAST_PATH", "1")
    built: list[str] = []
    real = _moto_request.normalize

    def counting(request: AWSPreparedRequest) -> Any:
        built.append(request.headers["X-Amz-Target"].decode())
        return real(request)

    monkeypatch.setattr(_moto_request, "normalize", counting)

    async def run() -> Any:
        async with (
            aiomoto.mock_aws(),
            get_session().create_client("dynamodb", region_name="us-east-1") as db,
        ):
            await db.create_table(
                TableName="t",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            await db.put_item(TableName="t", Item={"pk": {"S": "\u00e9 x"}})
            return await db.get_item(TableName="t", Key={"pk": {"S": "\u00e9 x"}})

    got = asyncio.run(run())
    assert got["Item"] == {"pk": {"S": "\u00e9 x"}}
    assert built[-2:] == ["DynamoDB_20120810.PutItem", "DynamoDB_20120810.GetItem"]
