"""Operations that wait inside Moto, answered without blocking the event loop.

SQS ``ReceiveMessage`` with a wait time (``WaitTimeSeconds``, or else the
queue's ``ReceiveMessageWaitTimeSeconds``) makes Moto wait on a
``threading.Condition`` until a message arrives.  In-process that wait would
run on the event loop's thread: no other task could run, so none could send
the message being waited for.

For async callers aiomoto answers such a call by asking Moto with a wait of
zero, which never blocks, and sleeping on the running event loop -- asyncio's
or trio's -- between asks, until a message comes back or the wait time is
over.  Every ask is an ordinary, short call into Moto; nothing waits inside
Moto and no thread is started, so cancelling the call (a consumer task
stopped at the end of a test) stops it at once and consumes nothing.

The Dispatcher calls :func:`receive_message` for the async emitter's
``before-send.sqs.ReceiveMessage`` events (see ``DEFERRED``); sync boto3 keeps
Moto's own blocking wait, which is what a sync caller expects.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiomoto._engine import core as _core
from aiomoto._internals import moto as _moto
from aiomoto._internals.botocore import AWSPreparedRequest

# How long to sleep between asks.  A message sent while a receive waits is
# returned within this time; each ask costs a fraction of a millisecond.
POLL_INTERVAL = 0.01

# SQS's bounds on a wait; Moto answers values outside them with its error.
_MAX_WAIT_SECONDS = 20


async def _sleep(seconds: float) -> None:
    """Sleep on whichever event loop runs this coroutine."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        # Without an asyncio loop aiobotocore runs under trio, through its
        # httpx backend (AnyioEndpoint).
        import trio

        await trio.sleep(seconds)
    else:
        await asyncio.sleep(seconds)


def _json_params(request: AWSPreparedRequest) -> dict[str, Any] | None:
    """The request's JSON parameters; None for a body of another protocol."""
    body = request.body
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8", "replace")
    if not isinstance(body, str):
        return None
    try:
        params = json.loads(body)
    except ValueError:
        return None
    return params if isinstance(params, dict) else None


def _with_params(
    request: AWSPreparedRequest, params: dict[str, Any]
) -> AWSPreparedRequest:
    """A copy of the request with another JSON body; the original is kept."""
    body = json.dumps(params).encode("utf-8")
    changed = copy.copy(request)
    changed.headers = request.headers.copy()  # HeadersDict's own, unshared
    changed.headers["Content-Length"] = str(len(body))
    changed.body = body
    return changed


def _has_messages(response: _core.AsyncResponse) -> bool:
    if response.status_code != 200:
        return True  # an error is an answer: return it
    try:
        answer = json.loads(response._content)
    except ValueError:
        return True
    return bool(isinstance(answer, dict) and answer.get("Messages"))


def _queue_wait_seconds(
    dispatcher: _core.Dispatcher, request: AWSPreparedRequest
) -> int:
    """The queue's ReceiveMessageWaitTimeSeconds, found as Moto would find it.

    Read holding the dispatcher's lock, as every call into Moto is.  Zero when
    Moto answers with an error (the queue was deleted since the first ask):
    the empty answer in hand is returned.  Anything else is raised, not taken
    for a queue without a wait time.
    """
    lock = dispatcher.lock
    try:
        with lock if lock is not None else contextlib.nullcontext():
            queue = _moto.sqs_queue_of(request)
    except _moto.ERRORS:
        return 0
    # Set from the queue's attributes, so not declared on the class.
    wait = getattr(queue, "receive_message_wait_time_seconds", 0)
    return int(wait or 0)


def _requested_wait(params: dict[str, Any]) -> int | None:
    """WaitTimeSeconds when it is a wait SQS accepts; None when absent.

    Other values (zero, out of range, not a number) return 0: Moto answers
    those at once, with its own validation error where there is one.
    """
    if "WaitTimeSeconds" not in params:
        return None
    wait = params["WaitTimeSeconds"]
    if isinstance(wait, bool) or not isinstance(wait, int):
        return 0
    return wait if 0 < wait <= _MAX_WAIT_SECONDS else 0


async def receive_message(
    dispatcher: _core.Dispatcher,
    stubber: Any,
    request: AWSPreparedRequest,
    event_name: str | None,
) -> _core.AsyncResponse | None:
    """Answer SQS ReceiveMessage, waiting on the event loop instead of in Moto."""
    params = _json_params(request)
    requested = None if params is None else _requested_wait(params)
    if params is None or requested == 0:
        return dispatcher.respond(stubber, request, event_name)

    started = time.monotonic()
    ask = _with_params(request, {**params, "WaitTimeSeconds": 0})
    response = dispatcher.respond(stubber, ask, event_name)
    if response is None or _has_messages(response):
        return response
    if requested is None:
        requested = _queue_wait_seconds(dispatcher, request)
    deadline = started + min(requested, _MAX_WAIT_SECONDS)
    while (remaining := deadline - time.monotonic()) > 0:
        await _sleep(min(POLL_INTERVAL, remaining))
        response = dispatcher.respond(stubber, ask, event_name)
        if response is None or _has_messages(response):
            break
    return response


Handler = Callable[
    [_core.Dispatcher, Any, AWSPreparedRequest, str | None],
    Awaitable[_core.AsyncResponse | None],
]

# before-send event name -> handler, for the Dispatcher's ``deferred``.
DEFERRED: dict[str, Handler] = {
    "before-send.sqs.ReceiveMessage": receive_message,
}
