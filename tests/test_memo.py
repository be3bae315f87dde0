"""The fast path's memos answer exactly as the botocore and Moto functions
they stand in for, are installed only with the fast path, and go away after."""

from __future__ import annotations

import datetime
import inspect
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any
from unittest import mock

import boto3
import botocore
import botocore.config
import botocore.context
import botocore.endpoint_provider
import botocore.useragent
import botocore.utils
import moto.core.responses
import moto.settings
import moto.sqs.models
import pytest
from botocore.endpoint_provider import EndpointProvider, RuleSet
from botocore.exceptions import EndpointResolutionError
from hypothesis import given, settings
from hypothesis import strategies as st
from moto.core.responses import BaseResponse
from moto.core.utils import method_names_from_class

import aiomoto
from aiomoto._fast_path import _memo
from aiomoto._fast_path import _pieces as _fast_path

REGION = "us-east-1"

MEMO_POINTS = [
    (EndpointProvider, "resolve_endpoint"),
    (botocore.utils, "_parse_timestamp_with_tzinfo"),
    (botocore.useragent, "sanitize_user_agent_string_component"),
    (botocore.useragent.UserAgentString, "to_string"),
    (moto.core.responses, "method_names_from_class"),
    (moto.core.responses, "camelcase_to_underscores"),
    (moto.sqs.models, "camelcase_to_underscores"),
]


@pytest.fixture(autouse=True)
def fast_path_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # CI runs the suite a second time with the fast path off.
    monkeypatch.setenv("AIOMOTO_FAST_PATH", "1")


def current(points: Iterable[tuple[object, str]]) -> list[object]:
    return [vars(owner)[name] for owner, name in points]


# --- Installed with the fast path only ----------------------------------------


@pytest.mark.parametrize("setting", ["1", "0"])
def test_installed_only_with_the_fast_path_and_removed_after(
    monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv("AIOMOTO_FAST_PATH", setting)
    before = current(MEMO_POINTS)
    with aiomoto.mock_aws():
        inside = current(MEMO_POINTS)
    assert all(a is b for a, b in zip(current(MEMO_POINTS), before, strict=True))
    replaced = [a is not b for a, b in zip(inside, before, strict=True)]
    assert replaced == [setting == "1"] * len(MEMO_POINTS)


def tables() -> list[object]:
    filled = [
        _memo._providers,
        _memo._timestamps,
        _memo._user_agent_components,
        _memo._user_agent_strings,
    ]
    if _fast_path.PIECES["attribute-alias memo"]() is None:
        filled += [_memo._class_decides, _memo._aliases]
    return filled


def test_the_last_exit_empties_the_tables() -> None:
    with aiomoto.mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket="memo")
        client.list_buckets()
        assert all(tables())
    assert not any(tables())


# --- Endpoint resolution --------------------------------------------------------


def provider_of(service: str) -> EndpointProvider:
    """The endpoint provider of a boto3 client that is never called."""
    client = boto3.client(
        service,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    provider: EndpointProvider = client._ruleset_resolver._provider
    return provider


@pytest.fixture(scope="module")
def s3_provider() -> EndpointProvider:
    return provider_of("s3")


def test_s3_rules_read_the_bucket_but_not_the_key(
    s3_provider: EndpointProvider,
) -> None:
    names = _memo.parameters_read(s3_provider.ruleset)
    assert names is not None
    assert {"Bucket", "Region", "UseFIPS", "Endpoint", "ForcePathStyle"} <= names
    assert not {"Key", "Prefix", "CopySource"} & names


def test_a_rule_set_that_cannot_be_read_is_resolved_uncached(
    s3_provider: EndpointProvider,
) -> None:
    ruleset = RuleSet.__new__(RuleSet)
    ruleset.parameters = s3_provider.ruleset.parameters
    ruleset.rules = [*s3_provider.ruleset.rules, object()]
    assert _memo.parameters_read(ruleset) is None


def outcome(call: Any) -> Any:
    try:
        return call()
    except EndpointResolutionError as error:
        return ("error", str(error))


BUCKETS = [
    "plain-bucket",
    "dotted.bucket.name",
    "Invalid_Bucket",
    "arn:aws:s3:us-east-1:123456789012:accesspoint/my-point",
    "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01/accesspoint/ap",
    "express--use1-az4--x-s3",
]

s3_parameters = st.fixed_dictionaries(
    {
        "Bucket": st.sampled_from(BUCKETS),
        "Key": st.text(max_size=20),
        "Region": st.sampled_from([REGION, "eu-west-1", "cn-north-1", "aws-global"]),
        "UseFIPS": st.booleans(),
        "UseDualStack": st.booleans(),
        "ForcePathStyle": st.booleans(),
        "Accelerate": st.booleans(),
    },
    optional={"Endpoint": st.just("http://localhost:4566")},
)


@settings(max_examples=150, deadline=None)
@given(parameters=s3_parameters)
def test_endpoints_are_botocores(
    s3_provider: EndpointProvider, parameters: dict[str, Any]
) -> None:
    # Earlier examples fill the table: this one may be answered from it.
    expected = outcome(
        lambda: _memo._botocore_resolve_endpoint(s3_provider, **parameters)
    )
    assert outcome(lambda: _memo.resolve_endpoint(s3_provider, **parameters)) == (
        expected
    )


def test_keys_share_one_resolution(s3_provider: EndpointProvider) -> None:
    _memo.clear()
    first = _memo.resolve_endpoint(s3_provider, Bucket="shared", Key="a", Region=REGION)
    second = _memo.resolve_endpoint(
        s3_provider, Bucket="shared", Key="b", Region=REGION
    )
    assert second is first
    other = _memo.resolve_endpoint(s3_provider, Bucket="other", Key="a", Region=REGION)
    assert other.url != first.url


def test_a_wrong_parameter_fails_even_when_remembered(
    s3_provider: EndpointProvider,
) -> None:
    _memo.clear()
    _memo.resolve_endpoint(s3_provider, Bucket="typed", Key="a", Region=REGION)
    with pytest.raises(EndpointResolutionError, match="Key"):
        _memo.resolve_endpoint(s3_provider, Bucket="typed", Key=5, Region=REGION)


def test_list_parameters_are_checked_as_botocore_checks_them() -> None:
    provider = provider_of("dynamodb")
    _memo.clear()
    tables = ["arn:aws:dynamodb:us-east-1:123456789012:table/listed"]
    parameters = {"Region": REGION, "ResourceArnList": tables}
    expected = _memo._botocore_resolve_endpoint(provider, **parameters)
    assert _memo.resolve_endpoint(provider, **parameters) == expected
    assert _memo.resolve_endpoint(provider, **parameters) == expected
    assert parameters["ResourceArnList"] is tables


# --- Timestamps -----------------------------------------------------------------


def original_parse(value: Any) -> datetime.datetime:
    zone = botocore.utils.get_tzinfo_options()[0]
    return _memo._parse_timestamp_with_tzinfo(value, zone)


def memo_parse(value: Any) -> datetime.datetime:
    zone = botocore.utils.get_tzinfo_options()[0]
    return _memo.parse_timestamp_with_tzinfo(value, zone)


def iso(moment: datetime.datetime, digits: int, zone: str) -> str:
    fraction = f".{moment.microsecond:06d}"[: digits + 1] if digits else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + zone


instants = st.datetimes(
    min_value=datetime.datetime(1971, 1, 1), max_value=datetime.datetime(2200, 1, 1)
)


@settings(max_examples=200, deadline=None)
@given(
    moment=instants,
    digits=st.sampled_from([0, 3, 6]),
    zone=st.sampled_from(["Z", "+00:00", "+05:30", "-08:00"]),
    rfc=st.booleans(),
)
def test_timestamps_parse_as_botocore_parses_them(
    moment: datetime.datetime, digits: int, zone: str, rfc: bool
) -> None:
    if rfc:
        text = moment.strftime("%a, %d %b %Y %H:%M:%S GMT")
    else:
        text = iso(moment, digits, zone)
    expected = original_parse(text)
    assert memo_parse(text) == expected
    # The second time comes from the table, and is still the same.
    again = memo_parse(text)
    assert again == expected
    assert again.tzinfo == expected.tzinfo
    assert again.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "value", ["1700000000", 1700000000, 1.5, "12:30", "2026-11-21"]
)
def test_numbers_and_partial_timestamps_are_left_to_botocore(value: Any) -> None:
    _memo.clear()
    assert memo_parse(value) == original_parse(value)
    assert not _memo._timestamps


def test_a_bad_timestamp_fails_as_in_botocore() -> None:
    with pytest.raises(ValueError, match="Invalid timestamp"):
        memo_parse("not a time")


# --- User agent -------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=30), allow_hash=st.booleans())
def test_user_agent_components_are_botocores(text: str, allow_hash: bool) -> None:
    expected = _memo._sanitize_user_agent_string_component(text, allow_hash)
    assert _memo.sanitize_user_agent_string_component(text, allow_hash) == expected
    assert _memo.sanitize_user_agent_string_component(text, allow_hash) == expected


def test_requests_carry_the_same_user_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    def sent_user_agent() -> str:
        agents: list[str] = []
        with aiomoto.mock_aws():
            client = boto3.client("s3", region_name=REGION)
            client.meta.events.register(
                "before-send.s3",
                lambda request, **_: agents.append(request.headers["User-Agent"]),
            )
            client.list_buckets()
        return agents[0]

    with_memo = sent_user_agent()
    monkeypatch.setenv("AIOMOTO_FAST_PATH", "0")
    assert sent_user_agent() == with_memo


def user_agent_of(config: botocore.config.Config | None) -> Any:
    agent = botocore.useragent.UserAgentString.from_environment()
    agent.set_session_config("Botocore", botocore.__version__, "session-extra")
    return agent if config is None else agent.with_client_config(config)


USER_AGENT_CONFIGS = [
    None,
    botocore.config.Config(),
    botocore.config.Config(user_agent_extra="my-tool/1.0"),
    botocore.config.Config(user_agent_appid="my-app"),
    botocore.config.Config(user_agent="legacy-agent/2.0"),
    botocore.config.Config(retries={"mode": "adaptive", "max_attempts": 2}),
    botocore.config.Config(endpoint_discovery_enabled=True),
]


@pytest.mark.parametrize("config", USER_AGENT_CONFIGS)
@pytest.mark.parametrize("features", [(), ("WAITER",), ("PAGINATOR", "WAITER")])
def test_user_agent_strings_are_botocores(
    config: botocore.config.Config | None, features: tuple[str, ...]
) -> None:
    agent = user_agent_of(config)
    agent.set_client_features({"Z"})
    with botocore.context.start_as_current_context():
        for feature in features:
            botocore.useragent.register_feature_id(feature)
        expected = _memo._user_agent_to_string(agent)
        assert _memo.user_agent_string(agent) == expected
        assert _memo.user_agent_string(agent) == expected
    assert ("my-tool/1.0" in expected) == (
        config is not None and config.user_agent_extra is not None
    )


def test_a_user_agent_follows_its_config_and_features() -> None:
    config = botocore.config.Config()
    agent = user_agent_of(config)
    first = _memo.user_agent_string(agent)
    config.user_agent_extra = "added-later/1.0"
    changed = _memo.user_agent_string(agent)
    assert changed == _memo._user_agent_to_string(agent) != first
    assert changed.endswith("added-later/1.0")
    with botocore.context.start_as_current_context():
        botocore.useragent.register_feature_id("WAITER")
        waiting = _memo.user_agent_string(agent)
        assert waiting == _memo._user_agent_to_string(agent) != changed
    assert _memo.user_agent_string(agent) == changed


def test_a_user_agent_subclass_is_left_to_botocore() -> None:
    class Custom(botocore.useragent.UserAgentString):
        def _build_extra(self) -> list[Any]:
            return [botocore.useragent.RawStringUserAgentComponent("custom/1")]

    agent = Custom.from_environment()
    assert _memo.user_agent_string(agent).endswith("custom/1")


# --- Moto's action lookup -----------------------------------------------------------


def response_classes() -> Iterator[type]:
    import moto.dynamodb.responses
    import moto.s3.responses
    import moto.sns.responses
    import moto.sqs.responses  # noqa: F401

    pending: list[type] = [BaseResponse]
    while pending:
        cls = pending.pop()
        yield cls
        pending.extend(cls.__subclasses__())


def test_action_lookup_is_motos() -> None:
    classes = list(response_classes())
    assert len(classes) > 4
    for cls in classes:
        names = method_names_from_class(cls)
        # On 3.14 a class's __annotate_func__ is a function until something
        # reads its __annotations__ (as listing the members does), then
        # None: Moto's own answer for it changes from one call to the next.
        # Only the names Moto answers alike each time are compared.
        unstable = set(names) ^ set(method_names_from_class(cls))
        for name in {*dir(cls), "no_such_action", "", "Meta"} - unstable:
            assert (name in _memo.MethodNames(cls)) == (name in names), name


def test_an_action_patched_out_is_seen_at_once() -> None:
    from moto.sqs.responses import SQSResponse

    assert "send_message" in _memo.MethodNames(SQSResponse)
    with mock.patch.object(SQSResponse, "send_message", mock.MagicMock()):
        assert "send_message" not in method_names_from_class(SQSResponse)
        assert "send_message" not in _memo.MethodNames(SQSResponse)
    assert inspect.isfunction(SQSResponse.send_message)
    assert 5 not in _memo.MethodNames(SQSResponse)


# --- Moto's snake-case names ----------------------------------------------------

SQS_ATTRIBUTE_NAMES = [
    "ApproximateNumberOfMessagesNotVisible",
    "ContentBasedDeduplication",
    "KmsDataKeyReusePeriodSeconds",
    "RedrivePolicy",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "QueueArn",
    "",
    "A",
    "ABCDef",
    "already_snake",
    "With Space",
    "ÄpfelÜber",
]


@pytest.mark.parametrize("name", SQS_ATTRIBUTE_NAMES)
def test_snake_case_names_are_motos(name: str) -> None:
    expected = _memo._camelcase_to_underscores(name)
    assert _memo.camelcase_to_underscores(name) == expected
    assert _memo.camelcase_to_underscores(name) == expected


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=40))
def test_any_text_is_snake_cased_as_moto_does(name: str) -> None:
    expected = _memo._camelcase_to_underscores(name)
    assert _memo.camelcase_to_underscores(name) == expected
    assert _memo.camelcase_to_underscores(name) == expected


def test_sqs_answers_the_same_with_the_snake_case_memo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def queue_attributes() -> dict[str, str]:
        with aiomoto.mock_aws():
            client = boto3.client("sqs", region_name=REGION)
            url = client.create_queue(
                QueueName="snake.fifo",
                Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
            )["QueueUrl"]
            client.send_message(QueueUrl=url, MessageBody="m", MessageGroupId="g")
            found = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
        attributes: dict[str, str] = found["Attributes"]
        for stamp in ("CreatedTimestamp", "LastModifiedTimestamp"):
            attributes.pop(stamp)
        return attributes

    with_memo = queue_attributes()
    assert with_memo["ContentBasedDeduplication"] == "true"
    monkeypatch.setenv("AIOMOTO_FAST_PATH", "0")
    assert queue_attributes() == with_memo


# --- S3's addressing style -------------------------------------------------------

S3_HOSTS = [
    "bucket.s3.amazonaws.com",
    "bucket.s3.us-west-2.amazonaws.com",
    "s3.amazonaws.com",
    "s3.eu-west-1.amazonaws.com",
    "s3-fips.us-east-1.amazonaws.com",
    "s3.dualstack.us-east-1.amazonaws.com",
    "bucket.s3.amazonaws.com.cn",
    "s3.cn-north-1.amazonaws.com.cn",
    "localhost:5000",
    "localstack:4566",
    "host.docker.internal:5000",
    "moto",
    "moto.default.svc.cluster.local:5000",
    "127.0.0.1:5000",
    "[::1]:5000",
    "bucket.example.com",
    "minio.example.com:9000",
]


def s3_response_class() -> Any:
    import moto.s3.responses

    if _memo_internals().loaded_s3_response_class() is None:
        pytest.skip("this Moto's S3 addressing check is not the one the memo knows")
    return moto.s3.responses.S3Response


def _memo_internals() -> Any:
    from aiomoto._internals import moto as moto_internals

    return moto_internals


def s3_request(host: str | None) -> Any:
    from werkzeug.wrappers import Request

    headers = [] if host is None else [("Host", host)]
    return Request.from_values(
        base_url="https://fallback.s3.amazonaws.com", path="/key", headers=headers
    )


@pytest.mark.parametrize("host", [*S3_HOSTS, None])
@pytest.mark.parametrize("custom_endpoints", ["", "http://minio.example.com:9000"])
@pytest.mark.parametrize("ignore", [False, True])
def test_s3_addressing_is_motos(
    monkeypatch: pytest.MonkeyPatch,
    host: str | None,
    custom_endpoints: str,
    ignore: bool,
) -> None:
    response_class = s3_response_class()
    original = vars(response_class)["subdomain_based_buckets"]
    remembered = _memo.s3_addressing(original).__func__
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", custom_endpoints)
    monkeypatch.setattr(moto.settings, "S3_IGNORE_SUBDOMAIN_BUCKETNAME", ignore)
    request = s3_request(host)
    expected = original.__func__(request)
    assert remembered(request) == expected
    assert remembered(request) == expected


def test_s3_addressing_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import moto.s3.responses

    response_class = s3_response_class()
    remembered = _memo.s3_addressing(vars(response_class)["subdomain_based_buckets"])
    check = remembered.__func__
    monkeypatch.delenv("MOTO_S3_CUSTOM_ENDPOINTS", raising=False)
    assert check(s3_request("minio.example.com:9000")) is True
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", "http://minio.example.com:9000")
    assert check(s3_request("minio.example.com:9000")) is False
    assert check(s3_request("s3.us-east-1.example.org")) is True
    suffixes = [*moto.s3.responses.ALT_DOMAIN_SUFFIXES, "example.org"]
    monkeypatch.setattr(moto.s3.responses, "ALT_DOMAIN_SUFFIXES", suffixes)
    assert check(s3_request("s3.us-east-1.example.org")) is False


def test_s3_addressing_is_left_to_moto_if_it_reads_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import types

    def reads_the_environment(request: Any) -> bool:
        return bool(os.environ.get("S3_SOMETHING_NEW"))

    stand_in = types.ModuleType("moto.s3.responses")
    stand_in.S3Response = type(  # type: ignore[attr-defined]
        "S3Response",
        (),
        {"subdomain_based_buckets": staticmethod(reads_the_environment)},
    )
    monkeypatch.setitem(sys.modules, "moto.s3.responses", stand_in)
    assert _memo_internals().loaded_s3_response_class() is None


# --- The tables ----------------------------------------------------------------


def test_a_miss_fills_only_its_own_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_memo, "_s3_addressing", {("kept",): True})
    monkeypatch.setattr(_memo, "_user_agent_strings", {("kept",): "agent"})
    _memo.sanitize_user_agent_string_component("a-new-component", False)
    _memo.user_agent_string(user_agent_of(botocore.config.Config(user_agent_appid="n")))
    _memo.camelcase_to_underscores("SomeNewName")
    assert _memo._s3_addressing == {("kept",): True}
    assert ("kept",) in _memo._user_agent_strings
    assert len(_memo._user_agent_strings) == 2


def test_a_full_table_starts_again() -> None:
    table = {index: index for index in range(_memo.TABLE_LIMIT)}
    assert _memo._remember(table, "new", 1) == 1
    assert table == {"new": 1}
