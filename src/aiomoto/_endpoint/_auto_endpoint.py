"""``auto_endpoint``: how a server-mode context points clients at its endpoint.

* ``force`` (the default with ``server_mode=True``): ``AWS_ENDPOINT_URL`` is
  the endpoint, and botocore, aiobotocore and s3fs clients get it even when
  created with another ``endpoint_url``;
* ``if_missing``: ``AWS_ENDPOINT_URL`` is the endpoint, and s3fs filesystems
  created without arguments get it; an ``endpoint_url`` passed explicitly is
  kept;
* ``disabled``: nothing is pointed anywhere; pass ``server_endpoint`` yourself.

Clients of Python libraries that reach the endpoint are still answered in
this process (see ``_addressing``); the environment is what native code and
other processes read.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

from aiomoto.exceptions import AutoEndpointError


# Not a StrEnum: str() of a member stays "AutoEndpointMode.FORCE", as
# released, rather than becoming its value.
class AutoEndpointMode(str, Enum):  # noqa: UP042
    """Where a server-mode context sends clients (see ``aiomoto.mock_aws``)."""

    FORCE = "force"
    IF_MISSING = "if_missing"
    DISABLED = "disabled"

    def __str__(self) -> str:
        return self.value


def auto_endpoint_mode(value: object, server_mode: bool) -> AutoEndpointMode:
    """The mode ``auto_endpoint=value`` asks for; None is the default."""
    if value is None:
        return AutoEndpointMode.FORCE if server_mode else AutoEndpointMode.DISABLED
    try:
        mode = AutoEndpointMode(value)
    except ValueError:
        choices = ", ".join(repr(m.value) for m in AutoEndpointMode)
        raise AutoEndpointError(
            f"auto_endpoint must be an AutoEndpointMode or one of {choices}, "
            f"not {value!r}"
        ) from None
    if not server_mode and mode is not AutoEndpointMode.DISABLED:
        raise AutoEndpointError(
            "aiomoto auto_endpoint requires server_mode=True: "
            f"auto_endpoint={mode.value!r} points clients at aiomoto's endpoint, "
            "which only server mode starts, so add server_mode=True"
        )
    return mode


class _Target:
    """The endpoint new clients are pointed at, and how; None: nowhere."""

    url: str | None = None
    # The endpoint every new client gets, with ``force``.
    forced: str | None = None


target = _Target()


def set_endpoint(url: str | None, mode: AutoEndpointMode | None) -> None:
    """Point new clients at ``url`` as ``mode`` says; None stops pointing."""
    active = url is not None and mode is not AutoEndpointMode.DISABLED
    target.url = url if active else None
    target.forced = url if active and mode is AutoEndpointMode.FORCE else None


def _forced_arguments(
    signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    if target.forced is None:
        return args, kwargs
    bound = signature.bind(*args, **kwargs)
    bound.arguments["endpoint_url"] = target.forced
    return bound.args, bound.kwargs


def sync_create_client(original: Callable[..., Any]) -> Callable[..., Any]:
    """botocore's ``ClientCreator.create_client``, forcing the endpoint."""
    signature = inspect.signature(original)

    @functools.wraps(original)
    def create_client(*args: Any, **kwargs: Any) -> Any:
        args, kwargs = _forced_arguments(signature, args, kwargs)
        return original(*args, **kwargs)

    return create_client


def async_create_client(
    original: Callable[..., Awaitable[Any]],
) -> Callable[..., Awaitable[Any]]:
    """aiobotocore's ``AioClientCreator.create_client``, forcing the endpoint."""
    signature = inspect.signature(original)

    @functools.wraps(original)
    async def create_client(*args: Any, **kwargs: Any) -> Any:
        args, kwargs = _forced_arguments(signature, args, kwargs)
        return await original(*args, **kwargs)

    return create_client


def s3fs_init(original: Callable[..., None]) -> Callable[..., None]:
    """``S3FileSystem.__init__``: the endpoint for a filesystem without one.

    s3fs keeps the ``endpoint_url`` it was given (None by default) and hands
    it to aiobotocore; filling it in makes ``fs.endpoint_url`` name the
    endpoint, as it did in the other aiomoto.
    """
    signature = inspect.signature(original)
    if "endpoint_url" not in signature.parameters:
        return original

    @functools.wraps(original)
    def __init__(*args: Any, **kwargs: Any) -> None:
        url = target.url
        if url is not None:
            bound = signature.bind(*args, **kwargs)
            if target.forced is not None or bound.arguments.get("endpoint_url") is None:
                bound.arguments["endpoint_url"] = url
                bound.arguments["use_ssl"] = False
                args, kwargs = bound.args, bound.kwargs
        original(*args, **kwargs)

    return __init__


def s3fs_filesystem() -> type | None:
    """s3fs's ``S3FileSystem``, when s3fs is installed."""
    try:
        from s3fs import S3FileSystem
    except ImportError:
        return None
    cls: type = S3FileSystem
    return cls


def forget_s3fs_instances() -> None:
    """Drop s3fs's cached filesystems, which keep the endpoint they were made
    with: a filesystem made for a stopped endpoint must not be handed out."""
    import sys

    if "s3fs" not in sys.modules:
        return
    filesystem = s3fs_filesystem()
    clear = getattr(filesystem, "clear_instance_cache", None)
    if callable(clear):
        clear()
