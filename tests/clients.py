"""One face for sync and async clients, so a test runs in both directions.

``await clients.open("boto3", "s3")`` and ``await clients.open("aiobotocore",
"s3")`` both give a ``Client`` whose operations are awaited the same way: the
boto3 one runs Moto's sync path, the aiobotocore one aiomoto's async path.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from importlib import metadata
from typing import Any

import boto3
import pytest
from aiobotocore.session import get_session
from botocore.awsrequest import AWSPreparedRequest

try:
    import aioboto3
except ImportError:  # a dependency set with no aioboto3 (see constraints/)
    aioboto3 = None


def _why_no_aioboto3() -> str:
    aiobotocore = metadata.version("aiobotocore")
    if int(aiobotocore.split(".")[0]) >= 3:
        return (
            "aioboto3 15.5.0 pins aiobotocore 2.x; not installable beside "
            f"aiobotocore {aiobotocore}"
        )
    return (
        "aioboto3 is not installed: each aioboto3 release pins one aiobotocore, "
        f"and none pins aiobotocore {aiobotocore}"
    )


# Marks a test that needs aioboto3, which some dependency sets cannot have.
needs_aioboto3 = pytest.mark.skipif(
    aioboto3 is None, reason=_why_no_aioboto3() if aioboto3 is None else ""
)


def kinds(*names: str) -> list[Any]:
    """``names`` as parameters, those that open aioboto3 clients marked so."""
    return [
        pytest.param(name, marks=needs_aioboto3) if name == "aioboto3" else name
        for name in names
    ]


ASYNC_KINDS = kinds("aiobotocore", "aioboto3")
REGION = "us-east-1"


class Client:
    def __init__(self, kind: str, client: Any) -> None:
        self.kind = kind
        self.raw = client

    def __getattr__(self, operation: str) -> Any:
        method = getattr(self.raw, operation)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            return result if self.kind == "boto3" else await result

        return call

    async def read(self, body: Any) -> bytes:
        """Read a streaming body (GetObject's ``Body``) to the end."""
        if self.kind == "boto3":
            data: bytes = body.read()
            return data
        async with body as stream:
            data = await stream.read()
        return data


class Clients:
    """Opens clients of any kind, and closes the async ones at the end."""

    def __init__(self) -> None:
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> Clients:
        await self._stack.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._stack.__aexit__(*exc_info)

    async def open(
        self, kind: str, service: str, region: str = REGION, **kw: Any
    ) -> Client:
        if kind == "boto3":
            return Client(kind, boto3.client(service, region_name=region, **kw))
        if kind == "aiobotocore":
            creator = get_session().create_client(service, region_name=region, **kw)
        elif kind == "aioboto3":
            creator = aioboto3.Session().client(service, region_name=region, **kw)
        else:
            raise ValueError(f"unknown client kind {kind!r}")
        return Client(kind, await self._stack.enter_async_context(creator))


def bucket_names() -> list[str]:
    """The S3 bucket names, listed through boto3."""
    s3 = boto3.client("s3", region_name=REGION)
    return [b["Name"] for b in s3.list_buckets()["Buckets"]]


async def async_bucket_names() -> list[str]:
    """The S3 bucket names, listed through aiobotocore."""
    async with get_session().create_client("s3", region_name=REGION) as s3:
        return [b["Name"] for b in (await s3.list_buckets())["Buckets"]]


def pk_sk_table(name: str, sort_type: str = "S", **extra: Any) -> dict[str, Any]:
    """``create_table`` arguments for an on-demand table keyed by string
    ``pk`` and ``sk`` (of ``sort_type``), plus any ``extra`` arguments."""
    arguments: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": sort_type},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    arguments.update(extra)
    return arguments


class _Sent(Exception):
    def __init__(self, request: AWSPreparedRequest) -> None:
        self.request = request


def sent_request(
    service: str, region: str, operation: str, params: dict[str, Any], **kw: Any
) -> AWSPreparedRequest:
    """The request a boto3 client sends for one operation, stopped before it
    leaves (its body as botocore left it)."""
    client = boto3.client(service, region_name=region, **kw)

    def stop(request: AWSPreparedRequest, **_: Any) -> None:
        raise _Sent(request)

    client.meta.events.register_first("before-send", stop)
    try:
        getattr(client, operation)(**params)
    except _Sent as sent:
        return sent.request
    raise AssertionError("the operation sent no request")  # pragma: no cover
