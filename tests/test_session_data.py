"""Sessions created in a context share botocore's packaged data, and answer
exactly as sessions that load their own."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from aiobotocore.session import AioSession
from botocore.client import ClientCreator
from botocore.loaders import Loader
from tests.clients import aioboto3, needs_aioboto3

import aiomoto
from aiomoto._fast_path import _pieces as _fast_path
from aiomoto._fast_path import _session_data

SERVICES = ("s3", "dynamodb", "sqs", "sts", "lambda", "ec2")
REGIONS = ("us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1")


@pytest.fixture(autouse=True)
def fast_path_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # The sharing is part of the fast path, which CI's second run switches
    # off; the test of that switch sets it off itself.
    monkeypatch.setenv("AIOMOTO_FAST_PATH", "1")


def client_facts(client: Any) -> dict[str, Any]:
    """What a client was built from, as it is now (calls may change it)."""
    meta = client.meta
    return {
        "description": copy.deepcopy(meta.service_model._service_description),
        "endpoint_url": meta.endpoint_url,
        "partition": meta.partition,
        "region": meta.region_name,
        "operations": sorted(meta.service_model.operation_names),
    }


def botocore_facts(service: str, region: str) -> dict[str, Any]:
    """What a session loading its own data gives: one made outside a context."""
    assert not aiomoto.mock_aws().active
    session = botocore.session.Session()
    return client_facts(session.create_client(service, region_name=region))


def test_clients_get_the_models_and_endpoints_botocore_loads() -> None:
    expected = {(s, r): botocore_facts(s, r) for s in SERVICES for r in REGIONS[:2]} | {
        ("s3", r): botocore_facts("s3", r) for r in REGIONS
    }
    with aiomoto.mock_aws():
        session = botocore.session.Session()
        for (service, region), facts in expected.items():
            client = session.create_client(service, region_name=region)
            assert client_facts(client) == facts
            # ... and they came from the shared data, not a fresh load.
            shared = _session_data.shared.model(service, "service-2", None)
            description = client.meta.service_model._service_description
            assert description["shapes"] is shared["shapes"]
            assert description == shared
        assert session.get_available_regions("s3") == (
            botocore.session.Session().get_available_regions("s3")
        )


@needs_aioboto3
def test_aiobotocore_and_aioboto3_sessions_share_and_answer_alike() -> None:
    async def answers() -> list[Any]:
        found = []
        async with AioSession().create_client("s3", region_name="eu-west-1") as s3:
            found.append(client_facts(s3))
            await s3.create_bucket(
                Bucket="shared",
                CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
            )
            found.append(
                (await s3.get_bucket_location(Bucket="shared"))["LocationConstraint"]
            )
        session = aioboto3.Session()
        async with session.client("s3", region_name="eu-west-1") as s3:
            found.append(client_facts(s3))
            found.append((await s3.list_buckets())["Buckets"][0]["Name"])
        return found

    with aiomoto.mock_aws():
        found = asyncio.run(answers())
    expected = botocore_facts("s3", "eu-west-1")
    assert found[1::2] == ["eu-west-1", "shared"]
    for facts in found[::2]:
        for name, value in expected.items():
            assert facts[name] == value, name


def test_each_client_keeps_botocores_changes_to_its_operations() -> None:
    # botocore rewrites an S3 operation's http on its first call.
    outside = botocore.session.Session().create_client("s3", region_name="us-east-1")
    untouched = outside.meta.service_model.operation_model("CreateBucket").http
    with aiomoto.mock_aws():
        first = botocore.session.Session().create_client("s3", region_name="us-east-1")
        first.create_bucket(Bucket="first")
        changed = first.meta.service_model.operation_model("CreateBucket").http
        assert changed != untouched
        second = botocore.session.Session().create_client("s3", region_name="us-east-1")
        assert second.meta.service_model.operation_model("CreateBucket").http == (
            untouched
        )
        second.create_bucket(Bucket="second")
        assert second.meta.service_model.operation_model("CreateBucket").http == (
            changed
        )


def test_nothing_botocore_or_moto_does_changes_the_shared_data() -> None:
    with aiomoto.mock_aws():
        session = botocore.session.Session()
        s3 = session.create_client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="bucket-b")
        s3.put_object(Bucket="bucket-b", Key="k", Body=b"data")
        assert s3.get_object(Bucket="bucket-b", Key="k")["Body"].read() == b"data"
        s3.list_objects_v2(Bucket="bucket-b")
        dynamodb = session.create_client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.put_item(TableName="t", Item={"pk": {"S": "1"}})
        dynamodb.get_item(TableName="t", Key={"pk": {"S": "1"}})
        sqs = session.create_client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="m")
        sqs.receive_message(QueueUrl=url)
        session.get_available_regions("dynamodb")
    fresh = Loader()
    for service in ("s3", "dynamodb", "sqs"):
        for type_name in ("service-2", "endpoint-rule-set-1"):
            assert _session_data.shared.model(service, type_name, None) == (
                fresh.load_service_model(service, type_name)
            ), (service, type_name)
    assert _session_data.shared.endpoints()[0] == fresh.load_data("endpoints")


def test_a_change_through_a_sessions_loader_stays_in_that_session() -> None:
    with aiomoto.mock_aws():
        changed = botocore.session.Session()
        model = changed.get_component("data_loader").load_service_model(
            "s3", "service-2"
        )
        model["metadata"]["serviceFullName"] = "Changed by the caller"
        # botocore's own behaviour: the session's clients see the change...
        client = changed.create_client("s3", region_name="us-east-1")
        assert client.meta.service_model.metadata["serviceFullName"] == (
            "Changed by the caller"
        )
        # ...and no other session does.
        other = botocore.session.Session().create_client("s3", region_name="us-east-1")
        assert other.meta.service_model.metadata["serviceFullName"] == (
            "Amazon Simple Storage Service"
        )
    assert _session_data.shared.model("s3", "service-2", None)["metadata"][
        "serviceFullName"
    ] == ("Amazon Simple Storage Service")


def write_data_path(root: Path) -> None:
    """An ``AWS_DATA_PATH`` with a newer S3 model and an extra S3 region."""
    model = Loader().load_service_model("s3", "service-2")
    model["metadata"]["apiVersion"] = "2099-01-01"
    model["operations"]["ListBuckets"]["documentation"] = "from the data path"
    version = root / "s3" / "2099-01-01"
    version.mkdir(parents=True)
    (version / "service-2.json").write_text(json.dumps(model))
    endpoints = Loader().load_data("endpoints")
    s3 = endpoints["partitions"][0]["services"]["s3"]["endpoints"]
    s3["xx-test-1"] = {}
    (root / "endpoints.json").write_text(json.dumps(endpoints))


def test_sessions_with_their_own_data_path_load_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_data_path(tmp_path)
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    with aiomoto.mock_aws():
        session = botocore.session.Session()
        client = session.create_client("s3", region_name="us-east-1")
        assert client.meta.service_model.api_version == "2099-01-01"
        assert "xx-test-1" in session.get_available_regions(
            "s3", allow_non_regional=True
        )
        monkeypatch.delenv("AWS_DATA_PATH")
        plain = botocore.session.Session()
        client = plain.create_client("s3", region_name="us-east-1")
        assert client.meta.service_model.api_version == "2006-03-01"
        assert "xx-test-1" not in plain.get_available_regions(
            "s3", allow_non_regional=True
        )


class MarkingLoader(Loader):  # type: ignore[misc]
    """A loader of the caller's own, which changes what it loads."""

    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        model = super().load_service_model(service_name, type_name, api_version)
        if type_name == "service-2":
            model = {**model, "metadata": {**model["metadata"], "marked": True}}
        return model


def test_sessions_with_their_own_loader_use_it() -> None:
    with aiomoto.mock_aws():
        session = botocore.session.Session()
        session.register_component("data_loader", MarkingLoader())
        client = session.create_client("sqs", region_name="us-east-1")
        assert client.meta.service_model.metadata["marked"] is True
        plain = botocore.session.Session().create_client("sqs", region_name="us-east-1")
        assert "marked" not in plain.meta.service_model.metadata


BOTOCORE_LOADS = vars(ClientCreator)["_load_service_model"]


def botocore_loads_models() -> bool:
    return vars(ClientCreator)["_load_service_model"] is BOTOCORE_LOADS


def test_sharing_is_installed_only_inside_a_context() -> None:
    assert botocore_loads_models()
    with aiomoto.mock_aws():
        assert not botocore_loads_models()
    assert botocore_loads_models()


def test_without_the_internals_sessions_load_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = botocore_facts("s3", "us-east-1")
    monkeypatch.setitem(
        _fast_path.PIECES,
        "session data",
        lambda: "botocore.client:ClientCreator._load_service_model",
    )
    # What the libraries lack is asked once per process: start a fresh one.
    monkeypatch.setattr(_fast_path, "decisions", _fast_path.Decisions())
    with aiomoto.mock_aws():
        assert botocore_loads_models()
        pieces = {piece.name: piece for piece in aiomoto.diagnostics().fast_path}
        assert not pieces["session data"].enabled
        client = botocore.session.Session().create_client("s3", region_name="us-east-1")
        assert client_facts(client) == expected
        client.create_bucket(Bucket="still-works")


def test_the_fast_path_switch_turns_the_sharing_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIOMOTO_FAST_PATH", "0")
    with aiomoto.mock_aws():
        assert botocore_loads_models()


def test_event_names_are_aliased_as_botocore_aliases_them() -> None:
    from botocore.hooks import EventAliaser, HierarchicalEmitter

    names = [
        "before-call.s3.PutObject",
        "before-call.runtime.sagemaker.InvokeEndpoint",
        "creating-client-class.a4b",
        "before-parameter-build.autoscaling.CreateLaunchConfiguration",
    ]

    def aliased(aliases: dict[str, str] | None = None) -> list[str]:
        emitter = EventAliaser(HierarchicalEmitter(), aliases)
        return [emitter._alias_event_name(name) for name in names]

    expected = aliased()
    assert expected != names  # some of them are aliased
    custom = {"s3": "renamed-s3"}
    expected_custom = aliased(custom)
    assert expected_custom[0] == "before-call.renamed-s3.PutObject"
    with aiomoto.mock_aws():
        assert aliased() == expected
        assert aliased() == expected  # from the shared table
        assert aliased(custom) == expected_custom
