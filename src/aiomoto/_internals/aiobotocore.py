"""aiobotocore's internals that aiomoto uses, and the checks that they exist.

All of them serve correctness: the async emitter's ``_emit`` (the dispatcher
recognises async callers by its code object), the HTTP session classes
whose ``send`` aiomoto guards and the async client creator.
"""

from __future__ import annotations

from types import CodeType

from aiobotocore.client import AioClientCreator
from aiobotocore.hooks import AioHierarchicalEmitter
from aiobotocore.httpsession import AIOHTTPSession

from aiomoto._internals import Required

LIBRARY = "aiobotocore"

__all__ = [
    "AIOHTTPSession",
    "AioClientCreator",
    "AioHierarchicalEmitter",
]

REQUIRED = tuple(
    Required(LIBRARY, name)
    for name in (
        "aiobotocore.hooks:AioHierarchicalEmitter._emit.__code__",
        "aiobotocore.httpsession:AIOHTTPSession.send",
        "aiobotocore.client:AioClientCreator.create_client",
    )
)


def async_emit_code() -> CodeType:
    """The code of the coroutine through which async clients emit events."""
    code: CodeType = AioHierarchicalEmitter._emit.__code__
    return code


def httpx_session_class() -> type | None:
    """aiobotocore's httpx session class; None in releases without it."""
    try:
        from aiobotocore.httpxsession import HttpxSession
    except ImportError:
        return None
    session_class: type = HttpxSession
    return session_class
