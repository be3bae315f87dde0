"""aiobotocore's event emission, without a coroutine per handler call.

Each API call of an async client emits about a dozen events, which run about
45 handlers.  aiobotocore's ``AioHierarchicalEmitter._emit`` passes every
handler's answer through ``resolve_awaitable``, a coroutine of its own: one
coroutine object made, started and finished per handler, although only a
few handlers (signing, sending) answer with something to await.
:func:`emit` is the same loop with the ``inspect.isawaitable`` test written
inline, so a plain answer costs no coroutine, and a None answer (most
handlers') no test.  It calls the same handlers in
the same order with the same arguments, logs the same debug lines, awaits
what ``resolve_awaitable`` awaits and returns the same list.

It is part of the fast path (``AIOMOTO_FAST_PATH=0`` switches it off), and is
installed only over the ``_emit`` of the aiobotocore releases CI tests, all
of which share this shape (see ``aiomoto._internals.aiobotocore``).  While
it is installed, the dispatcher recognises async clients by its code object
instead of aiobotocore's.
"""

from __future__ import annotations

import inspect
from typing import Any

from aiomoto._internals.aiobotocore import emitter_logger

_Responses = list[tuple[Any, Any]]


async def emit(
    self: Any, event_name: str, kwargs: dict[str, Any], stop_on_response: bool = False
) -> _Responses:
    """``AioHierarchicalEmitter._emit`` while the fast path is installed."""
    handlers_to_call = self._lookup_cache.get(event_name)
    if handlers_to_call is None:
        handlers_to_call = self._handlers.prefix_search(event_name)
        self._lookup_cache[event_name] = handlers_to_call
    elif not handlers_to_call:
        # Most events have no handler: nothing to call.
        return []
    kwargs["event_name"] = event_name
    responses: _Responses = []
    for handler in handlers_to_call:
        emitter_logger.debug("Event %s: calling handler %s", event_name, handler)
        response = handler(**kwargs)
        # Most handlers answer None, which is never awaitable: skipping the
        # test for it spares an abstract-class check per handler.
        if response is not None and inspect.isawaitable(response):
            response = await response
        responses.append((handler, response))
        if stop_on_response and response is not None:
            return responses
    return responses
