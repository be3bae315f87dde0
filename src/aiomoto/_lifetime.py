"""Clients and response bodies that outlive their aiomoto context.

Nothing global is left behind for this: while a context is active, the
client creators of botocore and aiobotocore register two handlers on each
client they create, on that client's own event emitter.

* ``before-send``, first: once no context is active, the client's requests
  would go past Moto to real AWS (with Moto's fake credentials), so the
  handler raises :class:`~aiomoto.ContextEndedError` instead.  Any active
  context will do -- a client cached across tests keeps working in the next
  test's context.
* ``before-parse`` (async clients): a streaming body answered by aiomoto
  (S3 GetObject's ``Body``, an event stream) is bound to the activation it
  came from -- the outermost enter to the last exit.  Reading it after that
  raises :class:`~aiomoto.ContextEndedError`: its data belonged to Moto state
  that has been reset.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiomoto import _core
from aiomoto._internals import botocore as botocore_internals
from aiomoto._internals import moto as moto_internals
from aiomoto._internals.aiobotocore import StreamingBody
from aiomoto._state import state
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


class BoundStream:
    """A raw response stream that refuses reads once its activation ended.

    It stands where aiobotocore's streaming body keeps its raw stream and
    forwards to aiomoto's ``RawStream``; ``content`` is itself, as the raw
    stream's is.
    """

    __slots__ = ("_generation", "_raw")

    def __init__(self, raw: _core.RawStream, generation: int) -> None:
        self._raw = raw
        self._generation = generation

    def _check(self) -> _core.RawStream:
        if state.current != self._generation:
            raise ContextEndedError(
                "this response body was read after the aiomoto.mock_aws context "
                "it came from ended, and its data went with that context's Moto "
                "state. Read it inside the context -- for example "
                "`data = await response['Body'].read()` before leaving "
                "`async with aiomoto.mock_aws()` -- or widen the context (the "
                "aiomoto_mock fixture's scope) to cover the read."
            )
        return self._raw

    @property
    def content(self) -> BoundStream:
        return self

    def read(self, n: int = -1) -> _core.Ready[bytes]:
        return self._check().read(n)

    def readany(self) -> _core.Ready[bytes]:
        return self._check().readany()

    def readexactly(self, n: int) -> _core.Ready[bytes]:
        return self._check().readexactly(n)

    def readline(self) -> _core.Ready[bytes]:
        return self._check().readline()

    def readchunk(self) -> _core.Ready[tuple[bytes, bool]]:
        return self._check().readchunk()

    def iter_chunks(self) -> _core.ChunkIterator[tuple[bytes, bool]]:
        return self._check().iter_chunks()

    def iter_chunked(self, n: int) -> _core.ChunkIterator[bytes]:
        return self._check().iter_chunked(n)

    def iter_any(self) -> _core.ChunkIterator[bytes]:
        return self._check().iter_any()

    async def __aenter__(self) -> BoundStream:
        self._check()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._raw.__aexit__(*exc_info)

    def __getattr__(self, name: str) -> Any:
        # url, closed, at_eof(), tell(), close(), release(), ...
        return getattr(self._raw, name)

    def __repr__(self) -> str:
        return f"<BoundStream activation={self._generation} {self._raw!r}>"


def _bind_body(**kwargs: Any) -> None:
    """``before-parse``: bind a streaming body aiomoto answered to this activation."""
    generation = state.current
    response_dict = kwargs.get("response_dict")
    if generation is None or not isinstance(response_dict, dict):
        return
    body = response_dict.get("body")
    if isinstance(body, StreamingBody):
        raw = body.__wrapped__
        if type(raw) is _core.RawStream:
            body.__wrapped__ = BoundStream(raw, generation)
    elif type(body) is _core.RawStream:  # an event stream's raw body
        response_dict["body"] = BoundStream(body, generation)


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
    """Register the handlers that keep ``client`` from outliving its context."""
    events = client.meta.events
    _with_moto(events)
    kind = "aiobotocore" if is_async else "boto3"
    events.register_first("before-send", _client_guard(_service_name(client), kind))
    if is_async:
        events.register_first("before-parse", _bind_body)


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
