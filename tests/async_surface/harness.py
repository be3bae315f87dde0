"""The modes async clients run in, and the clients a test opens in one."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import aiobotocore.endpoint
import boto3
from aiobotocore.config import AioConfig
from aiobotocore.httpsession import AIOHTTPSession
from aiobotocore.httpxsession import HttpxSession
from aiobotocore.session import get_session
from botocore.config import Config
from tests.clients import aioboto3

# Importing aiomoto imports Moto, which registers its handler in every botocore
# session created afterwards -- including the two below.
import aiomoto  # noqa: F401

REGION = "us-east-1"
# One session of each kind for the whole run: a session loads each service's
# model once, which otherwise dominates a short test.  Clients still come and
# go with each test and its aiomoto context.
AIOBOTOCORE_SESSION = get_session()
AIOBOTO3_SESSION = aioboto3.Session() if aioboto3 is not None else None


def _httpx_backend() -> str:
    """The package aiobotocore's ``HttpxSession`` sends with.

    From aiobotocore 3.9 it is httpx2, Pydantic's fork of httpx, whenever
    httpx2 is installed (``aiobotocore[httpx2]``), else httpx.
    """
    try:
        from aiobotocore._httpx import HTTPX_IS_LEGACY
    except ImportError:  # before 3.9: httpx only
        return "httpx"
    return "httpx" if HTTPX_IS_LEGACY else "httpx2"


HTTPX_BACKEND = _httpx_backend()


@dataclass(frozen=True)
class Mode:
    name: str
    library: str  # "asyncio" or "trio": the anyio backend
    session_class: type


MODES = {
    mode.name: mode
    for mode in (
        Mode("asyncio-aiohttp", "asyncio", AIOHTTPSession),
        Mode(f"asyncio-{HTTPX_BACKEND}", "asyncio", HttpxSession),
        Mode(f"trio-{HTTPX_BACKEND}", "trio", HttpxSession),
    )
}
ASYNCIO_MODES = ("asyncio-aiohttp", f"asyncio-{HTTPX_BACKEND}")
# The modes in which aiobotocore's retries and waiters can sleep: from 3.9 its
# httpx session sleeps with anyio (so under trio too), before only asyncio.
SLEEPING_MODES = (
    tuple(MODES) if hasattr(aiobotocore.endpoint, "AnyioEndpoint") else ASYNCIO_MODES
)


class Aws:
    """Clients for one test, all inside one aiomoto context."""

    def __init__(self, mode: Mode, stack: AsyncExitStack) -> None:
        self.mode = mode
        self._stack = stack

    def config(self, **options: Any) -> AioConfig:
        """An AioConfig for this mode's HTTP session, with other options."""
        return AioConfig(http_session_cls=self.mode.session_class, **options)

    async def client(self, service: str, **options: Any) -> Any:
        """An aiobotocore client; keyword arguments go to its AioConfig."""
        creator = AIOBOTOCORE_SESSION.create_client(
            service, region_name=REGION, config=self.config(**options)
        )
        client = await self._stack.enter_async_context(creator)
        # The mode must really be in use, not silently the default session.
        assert type(client._endpoint.http_session) is self.mode.session_class
        return client

    async def aioboto3_client(self, service: str, **options: Any) -> Any:
        assert AIOBOTO3_SESSION is not None, "mark the test @needs_aioboto3"
        creator = AIOBOTO3_SESSION.client(
            service, region_name=REGION, config=self.config(**options)
        )
        client = await self._stack.enter_async_context(creator)
        assert type(client._endpoint.http_session) is self.mode.session_class
        return client

    @staticmethod
    def boto3(service: str, **options: Any) -> Any:
        """A sync boto3 client, sharing the same Moto state."""
        return boto3.client(service, region_name=REGION, config=Config(**options))
