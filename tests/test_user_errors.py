"""Errors a user can act on: objects that outlive their context, calls Moto
lacks, misspelled arguments."""

from __future__ import annotations

import asyncio
import io
from types import ModuleType
from typing import Any

import boto3
import pytest
from aiobotocore.session import get_session

import aiomoto

REGION = "us-east-1"


async def put_and_get(s3: Any, key: str = "key", body: bytes = b"payload") -> Any:
    await s3.create_bucket(Bucket="bucket")
    await s3.put_object(Bucket="bucket", Key=key, Body=body)
    return await s3.get_object(Bucket="bucket", Key=key)


# --- response bodies read after their context ended ---------------------------


async def read_lines(body: Any) -> bytes:
    return b"".join(await body.readlines())


async def read_chunks(body: Any) -> bytes:
    return b"".join([chunk async for chunk in body.iter_chunks(2)])


async def read_with_async_with(body: Any) -> bytes:
    async with body as stream:
        data: bytes = await stream.read()
    return data


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("read", "expected"),
    [
        (lambda body: body.read(), b"payload"),
        (lambda body: body.read(3), b"pay"),
        (read_chunks, b"payload"),
        (read_lines, b"payload"),
        (read_with_async_with, b"payload"),
    ],
    ids=["read", "read-amount", "iter_chunks", "readlines", "async-with"],
)
async def test_a_body_read_after_its_context_ended_returns_its_bytes(
    read: Any, expected: bytes
) -> None:
    # As with Moto alone: the response already holds every byte, so reading
    # it later reaches nothing and loses nothing.
    async with (
        aiomoto.mock_aws(),
        get_session().create_client("s3", region_name=REGION) as s3,
    ):
        body = (await put_and_get(s3))["Body"]
    assert await read(body) == expected


@pytest.mark.asyncio
async def test_a_body_keeps_its_bytes_when_a_later_context_resets_moto() -> None:
    async with (
        aiomoto.mock_aws(),
        get_session().create_client("s3", region_name=REGION) as s3,
    ):
        body = (await put_and_get(s3, body=b"first"))["Body"]
    async with (
        aiomoto.mock_aws(),
        get_session().create_client("s3", region_name=REGION) as s3,
    ):
        await put_and_get(s3, body=b"second")
        assert await body.read() == b"first"


@pytest.mark.asyncio
async def test_bodies_work_inside_their_context_however_read() -> None:
    async with (
        aiomoto.mock_aws(),
        get_session().create_client("s3", region_name=REGION) as s3,
    ):
        data = b"line one\nline two\n" * 100
        response = await put_and_get(s3, body=data)
        with aiomoto.mock_aws():  # an inner exit does not end the activation
            pass
        assert await response["Body"].read(4) == data[:4]
        assert await response["Body"].read() == data[4:]
        response = await s3.get_object(Bucket="bucket", Key="key")
        assert b"".join([c async for c in response["Body"].iter_chunks(100)]) == data
        response = await s3.get_object(Bucket="bucket", Key="key")
        async with response["Body"] as stream:
            assert await stream.read() == data
        response = await s3.get_object(Bucket="bucket", Key="key")
        lines = [line async for line in response["Body"].iter_lines()]
        assert lines[:2] == [b"line one", b"line two"]
        ranged = await s3.get_object(Bucket="bucket", Key="key", Range="bytes=0-3")
        assert await ranged["Body"].read() == data[:4]


SELECT = {
    "Bucket": "bucket",
    "Key": "key",
    "Expression": "SELECT * FROM S3Object",
    "ExpressionType": "SQL",
    "InputSerialization": {"CSV": {"FileHeaderInfo": "USE"}},
    "OutputSerialization": {"CSV": {}},
}


@pytest.mark.asyncio
async def test_an_event_stream_read_after_its_context_returns_its_events() -> None:
    async with (
        aiomoto.mock_aws(),
        get_session().create_client("s3", region_name=REGION) as s3,
    ):
        await put_and_get(s3, body=b"a,b\n1,2\n")
        inside = await s3.select_object_content(**SELECT)
        records = [e["Records"] async for e in inside["Payload"] if "Records" in e]
        assert records == [{"Payload": b"1,2\n\n"}]
        after = await s3.select_object_content(**SELECT)
    records = [e["Records"] async for e in after["Payload"] if "Records" in e]
    assert records == [{"Payload": b"1,2\n\n"}]


# --- clients used after their context ended -------------------------------------


@pytest.mark.asyncio
async def test_an_async_client_created_inside_refuses_after_the_context() -> None:
    async with get_session().create_client("s3", region_name=REGION) as outside:
        async with aiomoto.mock_aws():
            creator = get_session().create_client("s3", region_name=REGION)
            s3 = await creator.__aenter__()
            await s3.create_bucket(Bucket="inside")
            await outside.list_buckets()  # created before: works inside
        try:
            with pytest.raises(aiomoto.ContextEndedError) as raised:
                await s3.list_buckets()
        finally:
            await creator.__aexit__(None, None, None)
    message = str(raised.value)
    assert "aiobotocore s3 client was created inside an aiomoto.mock_aws" in message
    assert "would go past Moto to real AWS" in message


def test_a_boto3_client_created_inside_refuses_after_the_context() -> None:
    with aiomoto.mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        sqs.create_queue(QueueName="q")
    with pytest.raises(aiomoto.ContextEndedError, match="boto3 sqs client"):
        sqs.list_queues()


def test_a_client_created_inside_works_in_a_later_context() -> None:
    async def scenario() -> list[str]:
        async with aiomoto.mock_aws():
            creator = get_session().create_client("s3", region_name=REGION)
            s3 = await creator.__aenter__()
        try:
            async with aiomoto.mock_aws():
                await s3.create_bucket(Bucket="later")
                return [b["Name"] for b in (await s3.list_buckets())["Buckets"]]
        finally:
            await creator.__aexit__(None, None, None)

    assert asyncio.run(scenario()) == ["later"]


# --- calls Moto does not implement ----------------------------------------------


UNIMPLEMENTED = [
    # A service Moto lacks altogether (JSON protocol) ...
    ("pricing", "get_products", {"ServiceCode": "AmazonEC2"}, "pricing", "GetProducts"),
    # ... one with an XML protocol, whose 404 would not even parse ...
    ("cloudsearch", "list_domain_names", {}, "cloudsearch", "ListDomainNames"),
    # ... and an operation Moto lacks in a service it has.
    (
        "ec2",
        "describe_capacity_block_offerings",
        {"CapacityDurationHours": 24},
        "ec2",
        "DescribeCapacityBlockOfferings",
    ),
]


@pytest.mark.parametrize(
    ("client_name", "method", "arguments", "service", "operation"), UNIMPLEMENTED
)
def test_unimplemented_calls_name_the_service_and_operation(
    client_name: str,
    method: str,
    arguments: dict[str, Any],
    service: str,
    operation: str,
) -> None:
    async def call_async() -> None:
        async with get_session().create_client(client_name, region_name=REGION) as c:
            await getattr(c, method)(**arguments)

    with aiomoto.mock_aws():
        with pytest.raises(aiomoto.NotImplementedByMotoError) as from_async:
            asyncio.run(call_async())
        sync_client = boto3.client(client_name, region_name=REGION)
        with pytest.raises(aiomoto.NotImplementedByMotoError) as from_sync:
            getattr(sync_client, method)(**arguments)

    for raised in (from_async, from_sync):
        error = raised.value
        assert isinstance(error, NotImplementedError)
        assert (error.service, error.operation) == (service, operation)
        assert f"Moto does not implement {service} {operation}" in str(error)
        assert "docs.getmoto.org" in str(error)


def test_an_unimplemented_call_with_a_streamed_body_is_explained_too() -> None:
    # A file-like body is read on the event loop before Moto sees the request.
    async def post(body: Any) -> None:
        async with get_session().create_client("lex-runtime", region_name=REGION) as c:
            await c.post_content(
                botName="bot",
                botAlias="alias",
                userId="user-1",
                contentType="text/plain; charset=utf-8",
                inputStream=body,
            )

    with aiomoto.mock_aws():
        for body in (b"hello", io.BytesIO(b"hello")):
            with pytest.raises(aiomoto.NotImplementedByMotoError) as raised:
                asyncio.run(post(body))
            error = raised.value
            assert (error.service, error.operation) == (
                "lex-runtime-service",
                "PostContent",
            )


# --- misspelled arguments -----------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: aiomoto.mock_aws(confg={}),
        lambda: aiomoto.mock_aws(Config={}),
        lambda: aiomoto.MockAWS(cofnig={}),
    ],
    ids=["confg", "Config", "MockAWS"],
)
def test_a_misspelled_argument_names_the_right_one(call: Any) -> None:
    with pytest.raises(TypeError, match="did you mean 'config'") as raised:
        call()
    assert "unexpected keyword argument" in str(raised.value)


def test_an_unrelated_argument_lists_the_accepted_ones() -> None:
    with pytest.raises(TypeError) as raised:
        aiomoto.mock_aws(region="us-east-1")  # type: ignore[call-overload]
    assert "did you mean" not in str(raised.value)
    assert "takes func=, config=" in str(raised.value)


# --- the dispatcher's not_implemented hook ---------------------------------------


class _Request:
    method = "POST"
    url = "https://example.amazonaws.com/"
    body = b""


class _Response:
    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content


def _dispatcher(core: ModuleType, answer: Any, hook: Any) -> Any:
    def original_call(stubber: object, event_name: str, request: Any) -> Any:
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def body_dispatch(*args: object) -> None:
        return None

    return core.Dispatcher(
        original_call,
        (lambda: None).__code__,
        body_dispatch,
        not_implemented=hook,
    )


@pytest.mark.parametrize(
    ("answer", "hook_result", "expected"),
    [
        (NotImplementedError("lacking"), KeyError("explained"), KeyError),
        (NotImplementedError("lacking"), None, NotImplementedError),
        (NotImplementedError("lacking"), "not an exception", TypeError),
        (_Response(404, b"Not yet implemented"), KeyError("explained"), KeyError),
    ],
    ids=["replaced", "kept", "bad-hook", "not-yet-404"],
)
def test_the_hook_replaces_not_implemented_errors(
    core: ModuleType, answer: Any, hook_result: Any, expected: type[BaseException]
) -> None:
    seen: list[tuple[object, BaseException]] = []

    def hook(event_name: object, error: BaseException) -> Any:
        seen.append((event_name, error))
        return hook_result

    dispatcher = _dispatcher(core, answer, hook)
    with pytest.raises(expected) as raised:
        dispatcher(object(), event_name="before-send.svc.Op", request=_Request())
    assert [name for name, _ in seen] == ["before-send.svc.Op"]
    assert isinstance(seen[0][1], NotImplementedError)
    if expected is KeyError:
        assert raised.value.__cause__ is seen[0][1]
    if isinstance(answer, _Response):
        assert "no Moto handler for POST https://example.amazonaws.com/" in str(
            seen[0][1]
        )


class _Stubber:
    enabled = True

    def process_request(self, request: object) -> None:
        raise NotImplementedError("lacking")


def test_respond_explains_when_given_the_event_name(core: ModuleType) -> None:
    seen: list[object] = []

    def hook(event_name: object, error: BaseException) -> BaseException:
        seen.append(event_name)
        return KeyError("explained")

    dispatcher = _dispatcher(core, None, hook)
    with pytest.raises(KeyError):
        dispatcher.respond(_Stubber(), _Request(), "before-send.svc.Op")
    assert seen == ["before-send.svc.Op"]
    with pytest.raises(KeyError):
        dispatcher.respond(_Stubber(), _Request(), None)
    assert seen == ["before-send.svc.Op", None]


@pytest.mark.parametrize(
    "answer",
    [_Response(404, b"NoSuchKey"), _Response(200, b"Not yet implemented"), None],
)
def test_other_answers_pass_through_the_hook(core: ModuleType, answer: Any) -> None:
    dispatcher = _dispatcher(core, answer, lambda *args: KeyError("must not be called"))
    assert dispatcher(object(), event_name="e", request=_Request()) is answer
