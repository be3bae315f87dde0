"""aiobotocore's internals that aiomoto uses, and the checks that they exist.

All but one serve correctness: the async emitter's ``_emit`` (the dispatcher
recognises async callers by its code object), the HTTP session classes
whose ``send`` aiomoto guards and the async client creator.  The fast path's
``aiomoto._fast_path._async_emit`` stands in for ``_emit`` in the releases CI tests,
which all share one ``_emit``.
"""

from __future__ import annotations

from types import CodeType

from aiobotocore.client import AioClientCreator
from aiobotocore.hooks import AioHierarchicalEmitter
from aiobotocore.httpsession import AIOHTTPSession
from botocore.hooks import logger as emitter_logger

from aiomoto._internals import Required, first_missing, installed_version

LIBRARY = "aiobotocore"

__all__ = [
    "AIOHTTPSession",
    "AioClientCreator",
    "AioHierarchicalEmitter",
    "emitter_logger",
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


def missing_for_async_emit() -> str | None:
    """Why ``aiomoto._fast_path._async_emit`` may not stand in for ``_emit``, or None.

    It reproduces the ``_emit`` of the aiobotocore releases CI tests; a newer
    release, or an ``_emit`` replaced by someone else, keeps aiobotocore's.
    """
    from aiomoto._versions import NEWEST_TESTED, release

    missing = first_missing(
        ["aiobotocore._helpers:resolve_awaitable", "aiobotocore.hooks:logger"]
    )
    if missing is not None:
        return missing
    try:
        newer = release(installed_version(LIBRARY))[:2] > NEWEST_TESTED[LIBRARY]
    except ValueError:
        newer = True
    if newer:
        return f"{LIBRARY}.hooks:AioHierarchicalEmitter._emit of an untested {LIBRARY}"
    emit = vars(AioHierarchicalEmitter).get("_emit")
    if getattr(emit, "__module__", None) != "aiobotocore.hooks":
        return "aiobotocore.hooks:AioHierarchicalEmitter._emit (replaced)"
    return None


def httpx_session_class() -> type | None:
    """aiobotocore's httpx session class; None in releases without it."""
    try:
        from aiobotocore.httpxsession import HttpxSession
    except ImportError:
        return None
    session_class: type = HttpxSession
    return session_class
