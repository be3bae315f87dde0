"""A probe that aiomoto still tells aiobotocore's async clients apart.

The C dispatcher answers a ``before-send`` event with an awaitable response
only when the code calling it is aiobotocore's ``AioHierarchicalEmitter._emit``;
any other caller gets Moto's sync response.  If a release of aiobotocore
emitted events some other way, async clients would silently get sync
responses and fail deep inside aiobotocore.  So before the first context
installs the dispatcher, a probe emits one event through a real async
emitter -- driving the coroutine by hand, no event loop needed -- and checks
that the async path answered it.
"""

from __future__ import annotations

from types import CodeType
from typing import Any

from aiomoto._engine import core as _core
from aiomoto._internals import unsupported
from aiomoto._internals.aiobotocore import AioHierarchicalEmitter, async_emit_code
from aiomoto._internals.botocore import AWSPreparedRequest

_PROBE_EVENT = "before-send.aiomoto.Probe"
_SYNC_ANSWER = object()

# The emitter code the probe last confirmed; probed again when it changes.
_confirmed: CodeType | None = None


class _ProbeStubber:
    enabled = True

    def __call__(self, event_name: str, request: Any, **kwargs: Any) -> object:
        return _SYNC_ANSWER

    def process_request(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        return 200, {}, b""


async def _no_body_dispatch(
    dispatcher: _core.Dispatcher, stubber: Any, request: Any, event_name: str | None
) -> None:
    return None


def _answer_through_async_emitter(code: CodeType) -> object:
    dispatcher = _core.Dispatcher(_ProbeStubber.__call__, code, _no_body_dispatch)
    stubber_class = type("ProbeStubber", (_ProbeStubber,), {"__call__": dispatcher})
    emitter = AioHierarchicalEmitter()
    emitter.register("before-send", stubber_class())
    request = AWSPreparedRequest(
        "GET", "https://aiomoto-probe.invalid/", {}, b"", False
    )
    emitting = emitter.emit(_PROBE_EVENT, request=request)
    try:
        emitting.send(None)
    except StopIteration as done:
        responses = done.value
    else:
        emitting.close()
        return None
    return responses[0][1] if responses else None


def check_async_emitter() -> None:
    """Raise UnsupportedDependencyError unless the probe is answered async."""
    global _confirmed
    code = async_emit_code()
    if code is _confirmed:
        return
    try:
        answer = _answer_through_async_emitter(code)
    except Exception as error:
        failure: BaseException | None = error
    else:
        if isinstance(answer, _core.AsyncResponse):
            _confirmed = code
            return
        failure = None
    raise unsupported(
        "aiobotocore",
        "async clients to emit events through AioHierarchicalEmitter._emit "
        "(a probe event emitted through it did not reach aiomoto as an async "
        "caller, so async clients would get sync responses)",
    ) from failure
