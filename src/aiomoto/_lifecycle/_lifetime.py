"""Clients that outlive their aiomoto context.

Nothing global is left behind for this: while a context is active, the
client creators of botocore and aiobotocore register a ``before-send``
handler, first, on each client they create, on that client's own event
emitter.  Once no context is active, the client's requests would go past
Moto to real AWS (with Moto's fake credentials), so the handler raises
:class:`~aiomoto.ContextEndedError` instead.  Any active context will do -- a
client cached across tests keeps working in the next test's context.

A response body is not bound to its context: Moto already answered with all
of its bytes, so reading them after the context ended reaches nothing and
returns them, as it does with Moto alone.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiomoto._internals import botocore as botocore_internals
from aiomoto._internals import moto as moto_internals
from aiomoto._lifecycle._state import state
from aiomoto.errors import ContextEndedError

if TYPE_CHECKING:
    from aiobotocore.client import AioClientCreator
    from botocore.client import BaseClient, ClientCreator


def _service_name(client: BaseClient) -> str:
    try:
        name: str = client.meta.service_model.service_name
    except AttributeError:
        return "AWS"
    return name


def _client_guard(service: str, kind: str) -> Callable[..., None]:
    def refuse_after_context(**kwargs: Any) -> None:
        if state.current is None:
            raise ContextEndedError(
                f"this {kind} {service} client was created inside an aiomoto.mock_aws "
                "context, and no context is active now: outside one, its requests "
                "would go past Moto to real AWS. Use the client inside a context "
                "(widen the aiomoto_mock fixture's scope if it lives longer), or "
                "create a new client outside aiomoto for real AWS."
            )

    return refuse_after_context


def _with_moto(events: Any) -> None:
    """Give Moto's handler to a client whose session lacks it.

    Moto adds its ``before-send`` handler to botocore's builtin handlers when
    it is imported, and each session copies them when it is made.
    ``import aiomoto`` imports Moto only when the first context starts, so a
    session made before that (in a fixture, at import) would send its
    requests past Moto.
    """
    stubber = getattr(moto_internals.models, "botocore_stubber", None)
    handlers = botocore_internals.handlers_for(events, "before-send")
    if stubber is not None and handlers is not None and stubber not in handlers:
        events.register("before-send", stubber)


def bind_client(client: BaseClient, is_async: bool) -> None:
    """Give ``client`` Moto's handler, and the one that keeps it from
    outliving its context."""
    events = client.meta.events
    _with_moto(events)
    kind = "aiobotocore" if is_async else "boto3"
    events.register_first("before-send", _client_guard(_service_name(client), kind))


def sync_create_client(original: Callable[..., BaseClient]) -> Callable[..., Any]:
    @functools.wraps(original)
    def create_client(self: ClientCreator, *args: Any, **kwargs: Any) -> BaseClient:
        client = original(self, *args, **kwargs)
        if state.current is not None:
            bind_client(client, is_async=False)
        return client

    return create_client


def async_create_client(
    original: Callable[..., Awaitable[BaseClient]],
) -> Callable[..., Any]:
    @functools.wraps(original)
    async def create_client(
        self: AioClientCreator, *args: Any, **kwargs: Any
    ) -> BaseClient:
        client = await original(self, *args, **kwargs)
        if state.current is not None:
            bind_client(client, is_async=True)
        return client

    return create_client
