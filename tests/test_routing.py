"""The fast path answers every request exactly as Moto's own routing does.

Each comparison runs the same requests twice on identical fresh Moto state,
once through Moto's ``BotocoreStubber.process_request`` and once through
``aiomoto._fast_path._routing``, with Moto's randomness seeded the same way, and
compares status, headers and body (timestamps aside).  Every request is sent
twice in a row, so that both a cold and a warm cache answer it.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import boto3
import botocore.hooks
import botocore.session
import botocore.useragent
import botocore.utils
import moto
import moto.backend_index as backend_index
import moto.core.models
import moto.core.responses
import moto.core.utils
import moto.sqs.models
import pytest
import requests
from aiobotocore.hooks import AioHierarchicalEmitter
from aiobotocore.session import AioSession
from botocore.awsrequest import AWSPreparedRequest, AWSRequest
from botocore.client import ClientCreator
from botocore.endpoint_provider import EndpointProvider
from moto.core.base_backend import BackendDict
from moto.core.botocore_stubber import BotocoreStubber
from moto.core.exceptions import ServiceNotWhitelisted
from moto.core.serialize import XFormedAttributePicker
from moto.moto_api._internal import mock_random
from moto.sqs.models import sqs_backends
from tests.clients import pk_sk_table, sent_request

import aiomoto
from aiomoto import _patches
from aiomoto._fast_path import _pieces as _fast_path
from aiomoto._fast_path import _routing
from aiomoto._internals import moto as moto_internals

MOTO_PROCESS_REQUEST = BotocoreStubber.__dict__["process_request"]
MOTO_ENABLE_PATCHING = moto.core.models.MockAWS.__dict__["_enable_patching"]
ACCOUNT = "123456789012"
Impl = Callable[[BotocoreStubber, AWSPreparedRequest], Any]


def fast(stubber: BotocoreStubber, request: AWSPreparedRequest) -> Any:
    return _routing.process_request(stubber, request)


IMPLS: dict[str, Impl] = {"moto": MOTO_PROCESS_REQUEST, "fast": fast}


def requires(*pieces: str) -> pytest.MarkDecorator:
    """Skip where the installed libraries lack what these fast-path pieces
    need (aiomoto switches them off there; Moto's own code answers)."""
    lacking = [
        f"{name} ({missing})"
        for name in pieces
        if (missing := _fast_path.PIECES[name]()) is not None
    ]
    return pytest.mark.skipif(
        bool(lacking),
        reason="the installed Moto lacks what the fast path needs: "
        + "; ".join(lacking),
    )


ROUTING = requires("routing cache")
REGISTRATIONS = requires("responses registrations")


def capture(
    service: str, region: str, operation: str, params: dict[str, Any], **kw: Any
) -> AWSPreparedRequest:
    """The request a boto3 client would send for one operation, body read."""
    request = sent_request(service, region, operation, params, **kw)
    if hasattr(request.body, "read"):
        request.body = request.body.read()
    return request


def raw(method: str, url: str, body: bytes = b"", **headers: str) -> AWSPreparedRequest:
    return AWSRequest(method=method, url=url, data=body, headers=headers).prepare()


TIMESTAMP = re.compile(
    rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?|\b1\d{9}(\.\d+)?\b"
)
VOLATILE_HEADERS = {"date", "last-modified"}


def comparable(answer: Any) -> Any:
    if not isinstance(answer, tuple):
        return answer
    status, headers, body = answer
    if isinstance(body, str):
        body = body.encode()
    headers = {
        k: "<time>" if k.lower() in VOLATILE_HEADERS else v for k, v in headers.items()
    }
    return status, headers, TIMESTAMP.sub(b"<time>", body)


def answer(impl: Impl, request: AWSPreparedRequest) -> Any:
    try:
        result = impl(moto.core.models.botocore_stubber, copy.copy(request))
    except Exception as error:
        return ("raised", type(error), str(error))
    return comparable(result)


def setup_state() -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="routing-bucket")
    s3.put_object(Bucket="routing-bucket", Key="a/b.txt", Body=b"hello")
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(**pk_sk_table("routing-table"))
    boto3.client("sqs", region_name="eu-west-1").create_queue(QueueName="routing-q")


def run(
    impl: Impl, requests_: list[AWSPreparedRequest], config: Any = None
) -> list[Any]:
    """Each request answered twice, on fresh seeded state, through ``impl``."""
    with moto.mock_aws():
        mock_random.seed(20240611)
        setup_state()
        _routing.router.clear()
        with moto.mock_aws(config=config):
            return [answer(impl, r) for r in requests_ for _ in range(2)]


def assert_same(requests_: list[AWSPreparedRequest], config: Any = None) -> list[Any]:
    expected = run(MOTO_PROCESS_REQUEST, requests_, config)
    assert run(fast, requests_, config) == expected
    return expected


class Case(NamedTuple):
    name: str
    build: Callable[[], AWSPreparedRequest]


def _op(
    service: str, region: str, operation: str, **params: Any
) -> Callable[[], AWSPreparedRequest]:
    return lambda: capture(service, region, operation, params)


PATH_STYLE: Any = {"config": boto3.session.Config(s3={"addressing_style": "path"})}

CASES = [
    Case("s3 list buckets", _op("s3", "us-east-1", "list_buckets")),
    Case("s3 create bucket", _op("s3", "us-east-1", "create_bucket", Bucket="new-b")),
    Case(
        "s3 put",
        _op(
            "s3", "us-east-1", "put_object", Bucket="routing-bucket", Key="k", Body=b"x"
        ),
    ),
    Case(
        "s3 get",
        _op("s3", "us-east-1", "get_object", Bucket="routing-bucket", Key="a/b.txt"),
    ),
    Case(
        "s3 head",
        _op("s3", "us-east-1", "head_object", Bucket="routing-bucket", Key="a/b.txt"),
    ),
    Case("s3 list", _op("s3", "us-east-1", "list_objects_v2", Bucket="routing-bucket")),
    Case(
        "s3 missing bucket", _op("s3", "us-east-1", "list_objects_v2", Bucket="nope-b")
    ),
    Case(
        "s3 key that looks like a host",
        _op(
            "s3",
            "us-east-1",
            "put_object",
            Bucket="routing-bucket",
            Key="x.amazonaws.com/company/file.com",
            Body=b"y",
        ),
    ),
    Case(
        "s3 key with odd characters",
        _op(
            "s3",
            "us-east-1",
            "put_object",
            Bucket="routing-bucket",
            Key="a;b?c#d",
            Body=b"",
        ),
    ),
    Case(
        "s3 path style",
        lambda: capture(
            "s3",
            "eu-west-1",
            "get_object",
            {"Bucket": "routing-bucket", "Key": "a/b.txt"},
            **PATH_STYLE,
        ),
    ),
    Case(
        "s3control",
        _op("s3control", "us-east-1", "get_public_access_block", AccountId=ACCOUNT),
    ),
    Case(
        "dynamodb put",
        _op(
            "dynamodb",
            "us-east-1",
            "put_item",
            TableName="routing-table",
            Item={"pk": {"S": "p"}, "sk": {"S": "s"}},
        ),
    ),
    Case(
        "dynamodb query",
        _op(
            "dynamodb",
            "us-east-1",
            "query",
            TableName="routing-table",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
        ),
    ),
    Case(
        "dynamodb missing table",
        _op("dynamodb", "us-east-1", "describe_table", TableName="missing"),
    ),
    Case("sqs other region", _op("sqs", "eu-west-1", "list_queues")),
    Case(
        "sqs send",
        _op(
            "sqs",
            "eu-west-1",
            "send_message",
            QueueUrl=f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/routing-q",
            MessageBody="m",
        ),
    ),
    Case("sts global", _op("sts", "us-east-1", "get_caller_identity")),
    Case("iam global", _op("iam", "us-east-1", "list_users")),
    Case("lambda", _op("lambda", "us-west-2", "list_functions")),
    Case("ec2", _op("ec2", "us-east-1", "describe_vpcs")),
    Case("ec2 china", _op("ec2", "cn-north-1", "describe_vpcs")),
    Case("sns", _op("sns", "ap-southeast-2", "list_topics")),
    Case("apigateway", _op("apigateway", "us-east-1", "get_rest_apis")),
    Case(
        "not implemented",
        lambda: raw("GET", "https://nosuchservice.eu-west-1.amazonaws.com/x"),
    ),
    Case("not aws", lambda: raw("GET", "https://example.com/bucket/key")),
    Case("host without path", lambda: raw("GET", "https://s3.amazonaws.com")),
    Case("iso region", lambda: raw("GET", "https://sqs.us-iso-east-1.c2s.ic.gov/")),
    Case(
        "host pattern completed by the path",
        lambda: raw("GET", "https://acm.amazonaws.com/x.amazonaws.com/"),
    ),
    Case(
        "same host, plain path",
        lambda: raw("GET", "https://acm.amazonaws.com/plain"),
    ),
    Case(
        "tail in the path only",
        lambda: raw("POST", "https://dynamodb.amazonaws.com/company.amazonaws.com"),
    ),
    Case(
        "query string",
        lambda: raw("GET", "https://s3.amazonaws.com/routing-bucket?x=.com"),
    ),
]


@pytest.fixture(scope="module")
def built_cases() -> dict[str, AWSPreparedRequest]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        return {case.name: case.build() for case in CASES}


@ROUTING
@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_same_answer_as_moto(
    name: str, built_cases: dict[str, AWSPreparedRequest]
) -> None:
    assert_same([built_cases[name]])


@ROUTING
def test_same_answers_for_a_sequence(
    built_cases: dict[str, AWSPreparedRequest],
) -> None:
    answers = assert_same(list(built_cases.values()))
    # The spread reaches handlers, errors, the 404 and requests Moto leaves alone.
    statuses = {a[0] for a in answers if isinstance(a, tuple)}
    assert {200, 404}.issubset(statuses)
    assert None in answers


@ROUTING
def test_passthrough_and_whitelist_are_read_per_request(
    built_cases: dict[str, AWSPreparedRequest],
) -> None:
    sqs = built_cases["sqs other region"]
    s3 = built_cases["s3 list buckets"]
    passthrough = {"core": {"passthrough": {"services": ["sqs"], "urls": []}}}
    assert assert_same([sqs, s3], passthrough)[:2] == [None, None]
    by_url = {"core": {"passthrough": {"services": [], "urls": [r"https://s3\..*"]}}}
    assert assert_same([s3, sqs], by_url)[:2] == [None, None]
    whitelist = {"core": {"service_whitelist": ["s3"]}}
    answers = assert_same([sqs, s3], whitelist)
    assert answers[0][:2] == ("raised", ServiceNotWhitelisted)

    # Changed inside a running mock, with a warm cache.
    with moto.mock_aws():
        _routing.router.clear()
        assert fast(moto.core.models.botocore_stubber, sqs) is not None
        with moto.mock_aws(config=passthrough):  # type: ignore[arg-type]
            assert fast(moto.core.models.botocore_stubber, sqs) is None
        # Moto keeps a nested mock's settings until the outermost exit.
        moto_answer = MOTO_PROCESS_REQUEST(moto.core.models.botocore_stubber, sqs)
        assert fast(moto.core.models.botocore_stubber, sqs) == moto_answer


@ROUTING
def test_custom_s3_endpoint_followed_when_it_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = capture(
        "s3",
        "us-east-1",
        "list_objects_v2",
        {"Bucket": "routing-bucket"},
        endpoint_url="https://s3.custom.test",
    )
    assert assert_same([request]) == [None, None]
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", "https://s3.custom.test,other.test")
    served = assert_same([request])
    assert served[0][0] == 200
    assert b"routing-bucket" in served[0][2]

    with moto.mock_aws():
        setup_state()
        _routing.router.clear()
        stubber = moto.core.models.botocore_stubber
        assert fast(stubber, request) is not None
        monkeypatch.delenv("MOTO_S3_CUSTOM_ENDPOINTS")
        assert fast(stubber, request) is None
        monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", "s3.custom.test")
        assert fast(stubber, request) is not None


@ROUTING
def test_iso_region_setting_followed_when_it_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Moto's URL maps take in the ISO domains only while the setting is on,
    # which shows when the path holds one.
    request = capture(
        "sqs",
        "eu-west-1",
        "list_queues",
        {},
        endpoint_url="https://sqs.eu-west-1.amazonaws.com/x.c2s.ic.gov/",
    )
    monkeypatch.setenv("MOTO_ENABLE_ISO_REGIONS", "false")
    assert assert_same([request])[0] == (404, {}, b"Not yet implemented")
    monkeypatch.setenv("MOTO_ENABLE_ISO_REGIONS", "true")
    served = assert_same([request])
    assert served[0][0] == 200
    assert b"routing-q" in served[0][2]

    with moto.mock_aws():
        setup_state()
        _routing.router.clear()
        for setting, status in [("true", 200), ("false", 404), ("true", 200)]:
            monkeypatch.setenv("MOTO_ENABLE_ISO_REGIONS", setting)
            mock_random.seed(20240611)
            expected = answer(MOTO_PROCESS_REQUEST, request)
            mock_random.seed(20240611)
            assert answer(fast, request) == expected
            assert expected[0] == status


@ROUTING
def test_changed_host_patterns_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    request = capture("sqs", "ap-south-1", "list_queues", {})
    config = {"core": {"passthrough": {"services": ["shadow"], "urls": []}}}
    assert assert_same([request], config)[0][0] == 200
    shadow = ("shadow", re.compile(r"https?://sqs\.ap-south-1\.amazonaws\.com"))
    patterns = [shadow, *backend_index.backend_url_patterns]
    monkeypatch.setattr(backend_index, "backend_url_patterns", patterns)
    assert assert_same([request], config) == [None, None]

    with moto.mock_aws(config=config):  # type: ignore[arg-type]
        _routing.router.clear()
        stubber = moto.core.models.botocore_stubber
        assert fast(stubber, request) is None
        patterns.remove(shadow)
        assert fast(stubber, request) is not None


def fast_path_patches() -> list[tuple[object, str, object]]:
    """The fast path's rows of the patch table that apply now, as an enter
    installs them: caches emptied, then (owner, attribute, replacement)."""
    _routing.forget()
    _fast_path.decisions.decide()
    fast_conditions = {_fast_path.condition(name) for name in _fast_path.PIECES}
    rows = []
    for patch in _patches.PATCHES:
        if patch.condition not in fast_conditions or not patch.condition():
            continue
        owner = patch.owner()
        if owner is None:
            continue
        original = vars(owner)[patch.attribute]
        rows.append((owner, patch.attribute, patch.replacement(original)))
    return rows


@ROUTING
def test_replacements_start_from_an_empty_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Inputs only read when building are taken up at the next enter."""
    request = raw("GET", "https://sqs.eu-west-1.example.test/")
    suffixes = [*moto.core.utils.ALT_DOMAIN_SUFFIXES, "example.test"]
    with moto.mock_aws():
        fast_path_patches()
        stubber = moto.core.models.botocore_stubber
        assert fast(stubber, request) is None
        monkeypatch.setattr(moto.core.utils, "ALT_DOMAIN_SUFFIXES", suffixes)
        expected = MOTO_PROCESS_REQUEST(stubber, request)
        assert expected is not None
        fast_path_patches()
        assert comparable(fast(stubber, request)) == comparable(expected)


@ROUTING
def test_default_backend_made_as_moto_makes_it() -> None:
    request = capture("sqs", "eu-west-1", "list_queues", {})
    for impl in IMPLS.values():
        with moto.mock_aws():
            _routing.router.clear()
            impl(moto.core.models.botocore_stubber, request)
            BackendDict.reset()
            impl(moto.core.models.botocore_stubber, request)
            account = dict.get(sqs_backends, ACCOUNT)
            assert account is not None
            assert dict.__contains__(account, "us-east-1")
            assert sqs_backends in BackendDict._instances


@requires(*_fast_path.PIECES)
def test_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIOMOTO_FAST_PATH", raising=False)
    assert _fast_path.switched_on()
    names = {(owner, name) for owner, name, _ in fast_path_patches()}
    # Moto's S3 addressing check is patched once Moto's S3 is loaded (not
    # before: loading it costs ~17 ms).
    s3_response = moto_internals.loaded_s3_response_class()
    s3_rows = (
        set() if s3_response is None else {(s3_response, "subdomain_based_buckets")}
    )
    assert names == s3_rows | {
        (BotocoreStubber, "process_request"),
        (moto.core.models.MockAWS, "_enable_patching"),
        (EndpointProvider, "resolve_endpoint"),
        (botocore.utils, "_parse_timestamp_with_tzinfo"),
        (botocore.useragent, "sanitize_user_agent_string_component"),
        (XFormedAttributePicker, "get_possible_keys"),
        (moto.core.responses, "method_names_from_class"),
        (botocore.hooks, "accepts_kwargs"),
        (botocore.hooks.EventAliaser, "_alias_event_name"),
        (ClientCreator, "_load_service_model"),
        (ClientCreator, "_load_service_endpoints_ruleset"),
        (botocore.session.Session, "_register_endpoint_resolver"),
        (botocore.useragent.UserAgentString, "to_string"),
        (moto.core.responses, "camelcase_to_underscores"),
        (moto.sqs.models, "camelcase_to_underscores"),
        (AioHierarchicalEmitter, "_emit"),
    }
    monkeypatch.setenv("AIOMOTO_FAST_PATH", "0")
    assert not _fast_path.switched_on()
    assert fast_path_patches() == []
    # Read as AIOMOTO_KEEP_ENDPOINTS is: the usual words for off, any case.
    for off in ("false", "OFF", " no "):
        monkeypatch.setenv("AIOMOTO_FAST_PATH", off)
        assert not _fast_path.switched_on()
    for on in ("1", "true", ""):
        monkeypatch.setenv("AIOMOTO_FAST_PATH", on)
        assert _fast_path.switched_on()


@pytest.mark.parametrize(
    ("pattern", "tail"),
    [
        (r"https?://sqs\.(.+)\.amazonaws\.com", ".amazonaws.com"),
        (r"https?://iam\.(.*\.)?amazonaws.com", "com"),
        (r"https?://(a|b)\.example", ".example"),
        (r"https?://s3(?!-control)(.*)\.amazonaws.com", None),
        (r"https?://ec2\.(.+)\.amazonaws\.com(|\.cn)", None),
        (r"https?://x\.amazonaws\.com$", None),
        (r"https?://x\b\.com", None),
        (r"https?://(x)\1\.com", None),
        (r"(?i)https?://x\.com", None),
        (r"https?://x\.com.*", None),
    ],
)
def test_host_decided_tail(pattern: str, tail: str | None) -> None:
    assert _routing.host_decided_tail(re.compile(pattern)) == tail


def test_every_moto_host_pattern_is_classified() -> None:
    tails = [
        _routing.host_decided_tail(p) for _, p in backend_index.backend_url_patterns
    ]
    decided = [t for t in tails if t is not None]
    assert len(decided) > len(tails) * 0.9


# --- Moto's responses registrations -----------------------------------------


def registered() -> list[tuple[Any, ...]]:
    registry = moto.core.models.responses_mock._registry
    return [
        (r.method, r.url, r.callback, type(r), r.call_count)
        for r in registry.registered
    ]


def registration_snapshots() -> list[list[tuple[Any, ...]]]:
    snapshots = []
    for reset, remove_data in [
        (True, True),
        (True, False),
        (False, False),
        (True, True),
    ]:
        mock = moto.core.models.MockAWS()
        mock.start(reset=reset)
        try:
            snapshots.append(registered())
        finally:
            mock.stop(remove_data=remove_data)
    return snapshots


@REGISTRATIONS
def test_registrations_are_moto_s() -> None:
    expected = registration_snapshots()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            moto.core.models.MockAWS,
            "_enable_patching",
            _routing.enable_patching(MOTO_ENABLE_PATCHING),
        )
        assert registration_snapshots() == expected
        assert registration_snapshots() == expected
    assert len(expected[2]) == 2 * len(expected[0])
    stubber = moto.core.models.botocore_stubber
    assert expected[0][0][2] == stubber.process_prepared_request


def requests_scenario() -> list[Any]:
    seen: list[Any] = []
    for _ in range(2):
        with moto.mock_aws():
            mock_random.seed(7)
            boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="req-b")
            for url in [
                "https://s3.amazonaws.com/",
                "https://s3.amazonaws.com/req-b",
                "https://nosuchservice.amazonaws.com/",
            ]:
                response = requests.get(url, timeout=5)
                seen.append(
                    (response.status_code, TIMESTAMP.sub(b"", response.content))
                )
            seen.append([r for r in registered() if r[4]])
    return seen


@REGISTRATIONS
def test_requests_library_answers_unchanged() -> None:
    expected = requests_scenario()
    assert expected[0][0] == 200
    assert b"req-b" in expected[0][1]
    with pytest.MonkeyPatch.context() as mp:
        for owner, name, value in fast_path_patches():
            mp.setattr(owner, name, value)
        assert requests_scenario() == expected


# --- Through aiomoto.mock_aws ------------------------------------------------


@ROUTING
@REGISTRATIONS
@pytest.mark.parametrize("setting", ["1", "0"])
def test_aiomoto_installs_the_fast_path_unless_switched_off(
    monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv("AIOMOTO_FAST_PATH", setting)
    before = {
        name: owner.__dict__[name]
        for owner, name in [
            (BotocoreStubber, "process_request"),
            (moto.core.models.MockAWS, "_enable_patching"),
        ]
    }
    with aiomoto.mock_aws():
        installed = BotocoreStubber.__dict__["process_request"]
        enable = moto.core.models.MockAWS.__dict__["_enable_patching"]
    if setting == "1":
        assert installed is _routing.process_request
        assert enable is not MOTO_ENABLE_PATCHING
        assert enable.__module__ == "aiomoto._fast_path._routing"
    else:
        assert installed is MOTO_PROCESS_REQUEST
        assert enable is MOTO_ENABLE_PATCHING
    assert BotocoreStubber.__dict__["process_request"] is before["process_request"]
    enable_after = moto.core.models.MockAWS.__dict__["_enable_patching"]
    assert enable_after is before["_enable_patching"]


async def _async_scenario() -> list[Any]:
    seen: list[Any] = []
    session = AioSession()
    async with (
        session.create_client("s3", region_name="us-east-1") as s3,
        session.create_client("dynamodb", region_name="us-east-1") as ddb,
        session.create_client("sqs", region_name="eu-west-1") as sqs,
    ):
        await s3.put_object(Bucket="routing-bucket", Key="async", Body=b"from aio")
        response = await s3.get_object(Bucket="routing-bucket", Key="a/b.txt")
        seen.append(await response["Body"].read())
        listing = await s3.list_objects_v2(Bucket="routing-bucket")
        seen.append([(o["Key"], o["Size"], o["ETag"]) for o in listing["Contents"]])
        try:
            await s3.head_object(Bucket="routing-bucket", Key="missing")
        except Exception as error:
            seen.append(str(error))
        await ddb.put_item(
            TableName="routing-table", Item={"pk": {"S": "p"}, "sk": {"S": "1"}}
        )
        items = await ddb.query(
            TableName="routing-table",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
        )
        seen.append(items["Items"])
        url = (await sqs.get_queue_url(QueueName="routing-q"))["QueueUrl"]
        await sqs.send_message(QueueUrl=url, MessageBody="async message")
        received = await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5)
        seen.append(sorted(m["Body"] for m in received["Messages"]))
    return seen


def _aiomoto_scenario() -> list[Any]:
    with aiomoto.mock_aws():
        mock_random.seed(99)
        setup_state()
        s3 = boto3.client("s3", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="eu-west-1")
        url = sqs.get_queue_url(QueueName="routing-q")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="sync message")
        seen = asyncio.run(_async_scenario())
        seen.append(s3.get_object(Bucket="routing-bucket", Key="async")["Body"].read())
        listing = requests.get("https://s3.amazonaws.com/", timeout=5)
        seen.append((listing.status_code, TIMESTAMP.sub(b"", listing.content)))
        return seen


def test_aiomoto_answers_the_same_with_and_without_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIOMOTO_FAST_PATH", "0")
    expected = _aiomoto_scenario()
    monkeypatch.setenv("AIOMOTO_FAST_PATH", "1")
    assert _aiomoto_scenario() == expected
    assert expected[0] == b"hello"
    assert expected[-2] == b"from aio"
    assert expected[-1][0] == 200
    assert b"routing-bucket" in expected[-1][1]
