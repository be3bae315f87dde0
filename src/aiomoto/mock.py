"""``aiomoto.mock_aws``: Moto's mock, made to serve async clients too."""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import unittest
from collections.abc import AsyncIterator, Callable, Iterator
from types import FunctionType, TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from aiomoto._arguments import unexpected_keywords
from aiomoto._endpoint import _server
from aiomoto._endpoint._auto_endpoint import AutoEndpointMode, auto_endpoint_mode
from aiomoto._internals import moto as _moto
from aiomoto._lifecycle import _mixed
from aiomoto._lifecycle._state import state
from aiomoto._patches import Patches
from aiomoto.exceptions import (
    ModeConflictError,
    ProxyModeError,
    ServerModeConfigurationError,
    ServerModeRequiredError,
)

if TYPE_CHECKING:
    import moto.core.models
    from moto.core.config import DefaultConfig

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

# One set of patches for the process, as there is one process state: Moto's
# backends are process-global, so every aiomoto context shares them.
patches = Patches()

_SETUP_METHODS = ("setUp", "setup_method")
_KEYWORDS = (
    "config",
    "reset",
    "remove_data",
    "server_mode",
    "server_port",
    "auto_endpoint",
)


def _refuse_unsupported_modes(server_mode: bool) -> None:
    test_server_mode = _moto.settings.TEST_SERVER_MODE or (
        os.environ.get("TEST_SERVER_MODE", "").lower() == "true"
    )
    if test_server_mode and not server_mode:
        raise ServerModeRequiredError(
            "aiomoto server_mode must be enabled when Moto server mode is active: "
            "TEST_SERVER_MODE=true tells Moto to send every call to a moto_server, "
            "but aiomoto.mock_aws runs Moto inside this process. "
            "Unset TEST_SERVER_MODE to use aiomoto, or ask for "
            "aiomoto.mock_aws(server_mode=True), whose endpoint serves the "
            "in-process state to clients that need a server."
        )
    if _moto.settings.is_test_proxy_mode():
        raise ProxyModeError(
            "aiomoto does not support Moto proxy mode: TEST_PROXY_MODE=true tells "
            "Moto to send every call through its proxy, but aiomoto.mock_aws runs "
            "Moto inside this process. "
            "Unset TEST_PROXY_MODE to use aiomoto; to test through the proxy, "
            "leave aiomoto out."
        )


def _check_config(config: object) -> DefaultConfig | None:
    if config is None or isinstance(config, dict):
        return cast("DefaultConfig | None", config)
    raise TypeError(
        "mock_aws(config=...) takes a dict of Moto settings, such as "
        "{'batch': {'use_docker': False}}, not "
        f"{type(config).__name__}"
    )


def _check_server_port(server_port: object, server_mode: bool) -> int | None:
    if server_port is None:
        return None
    if not server_mode:
        raise ServerModeConfigurationError(
            "aiomoto server_port requires server_mode=True: "
            "mock_aws(server_port=...) attaches to a server, which is server "
            "mode, so add server_mode=True"
        )
    if isinstance(server_port, bool) or not isinstance(server_port, int):
        raise ServerModeConfigurationError(
            "mock_aws(server_port=...) takes the port number of a Moto server on "
            f"127.0.0.1, not {type(server_port).__name__}"
        )
    return server_port


class _Entry:
    """One enter of a context: its Moto mock and its endpoint, if any."""

    __slots__ = ("endpoint", "moto_mock")

    def __init__(
        self,
        moto_mock: moto.core.models.MockAWS | None,
        endpoint: _server.Endpoint | None,
    ) -> None:
        self.moto_mock = moto_mock
        self.endpoint = endpoint


class MockAWS:
    """An aiomoto context: Moto's in-memory AWS for sync and async clients.

    Use it as ``with``/``async with``, or as a decorator on sync functions,
    ``async def`` functions and test classes.  Contexts nest and share one
    Moto state; aiomoto's patches are in place from the outermost enter to
    the last exit.
    """

    def __init__(
        self,
        config: DefaultConfig | None = None,
        *,
        reset: bool = True,
        remove_data: bool = True,
        server_mode: bool = False,
        server_port: int | None = None,
        auto_endpoint: AutoEndpointMode | str | None = None,
        **unexpected: object,
    ) -> None:
        if unexpected:
            raise unexpected_keywords("MockAWS()", unexpected, _KEYWORDS)
        self._server_mode = bool(server_mode)
        _refuse_unsupported_modes(self._server_mode)
        self._config = _check_config(config)
        self._reset = reset
        self._remove_data = remove_data
        self._server_port = _check_server_port(server_port, self._server_mode)
        self._auto_endpoint = auto_endpoint_mode(auto_endpoint, self._server_mode)
        # One entry per enter of this object, so that ``with m:`` may nest.
        self._entries: list[_Entry] = []

    def _settings(self) -> dict[str, Any]:
        return {
            "reset": self._reset,
            "remove_data": self._remove_data,
            "server_mode": self._server_mode,
            "server_port": self._server_port,
            "auto_endpoint": self._auto_endpoint,
        }

    @property
    def _endpoint(self) -> _server.Endpoint | None:
        return self._entries[-1].endpoint if self._entries else None

    @property
    def server_endpoint(self) -> str | None:
        """The endpoint's URL (``http://127.0.0.1:PORT``) while this server-mode
        context is entered, else None."""
        endpoint = self._endpoint
        return endpoint.url if endpoint is not None else None

    @property
    def server_host(self) -> str | None:
        """The endpoint's host while this server-mode context is entered."""
        endpoint = self._endpoint
        return endpoint.host if endpoint is not None else None

    @property
    def server_port(self) -> int | None:
        """The endpoint's port while this server-mode context is entered."""
        endpoint = self._endpoint
        return endpoint.port if endpoint is not None else None

    @property
    def server_registry_path(self) -> str | None:
        """The JSON file naming the endpoint this process started, while this
        context is entered; None when attached with ``server_port``."""
        endpoint = self._endpoint
        if endpoint is None or self._server_port is not None:
            return None
        return endpoint.registry_path

    @property
    def active(self) -> bool:
        """Whether any aiomoto context is active in this process."""
        return state.active

    def start(self, reset: bool | None = None) -> None:
        """Enter the context; ``reset`` clears Moto's backends on the outermost
        (by default, as the context was made: ``mock_aws(reset=...)``)."""
        _refuse_unsupported_modes(self._server_mode)
        if reset is None:
            reset = self._reset
        if _server.state.will_attach_elsewhere(self._server_port):
            self._attach_elsewhere()
            return
        if _server.state.attached_elsewhere:
            raise ModeConflictError(
                "aiomoto server_mode cannot be combined with in-process mode while "
                "a context is attached to another process's Moto server "
                "(server_port=...), whose state is not this process's: leave it "
                "before entering an in-process context"
            )
        moto_mock = self._start_in_process(reset)
        endpoint = None
        if self._server_mode:
            try:
                endpoint = _server.state.start(self._server_port, self._auto_endpoint)
            except BaseException:
                self._stop_in_process(moto_mock, remove_data=True)
                raise
        self._entries.append(_Entry(moto_mock, endpoint))

    def _attach_elsewhere(self) -> None:
        if state.active:
            raise ModeConflictError(
                "aiomoto server_mode cannot be combined with in-process mode here: "
                f"server_port={self._server_port} attaches to another process's "
                "Moto server, whose state is not the one the active in-process "
                "aiomoto context serves: leave that context first, or drop "
                "server_port to use this process's own endpoint"
            )
        endpoint = _server.state.start(self._server_port, self._auto_endpoint)
        self._entries.append(_Entry(None, endpoint))

    def _start_in_process(self, reset: bool) -> moto.core.models.MockAWS:
        state.enter(patches.install)
        try:
            return self._start_moto(reset)
        except BaseException:
            state.exit(patches.remove)
            raise

    def _start_moto(self, reset: bool) -> moto.core.models.MockAWS:
        # Under the mock lock, no other context's start or stop changes
        # Moto's count between reading it and comparing it.
        with state.mock_lock:
            counted = _moto.nested_count()
            moto_mock = None
            try:
                moto_mock = _moto.models.MockAWS(self._config)
                _mixed.start_moto(moto_mock, reset)
            except BaseException:
                # Moto counts a mock as started before it finishes starting:
                # stop one that failed half-way, so Moto is not left active.
                if moto_mock is not None and (_moto.nested_count() > counted):
                    moto_mock.stop()
                raise
            return moto_mock

    def stop(self, remove_data: bool | None = None) -> None:
        """Leave the context; the last exit resets Moto's backends (unless
        ``remove_data`` is false; by default, as ``mock_aws(remove_data=...)``)."""
        if not self._entries:
            raise RuntimeError(
                "this aiomoto.mock_aws was stopped more times than started"
            )
        if remove_data is None:
            remove_data = self._remove_data
        entry = self._entries.pop()
        try:
            if entry.endpoint is not None:
                _server.state.stop()
        finally:
            if entry.moto_mock is not None:
                self._stop_in_process(entry.moto_mock, remove_data)

    def _stop_in_process(
        self, moto_mock: moto.core.models.MockAWS, remove_data: bool
    ) -> None:
        try:
            with state.mock_lock:
                moto_mock.stop(remove_data=remove_data)
        finally:
            state.exit(patches.remove)

    def __enter__(self) -> MockAWS:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> MockAWS:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, traceback)

    @overload
    def __call__(
        self, func: type[T], reset: bool | None = ..., remove_data: bool | None = ...
    ) -> type[T]: ...
    @overload
    def __call__(
        self, func: F, reset: bool | None = ..., remove_data: bool | None = ...
    ) -> F: ...
    def __call__(
        self, func: Any, reset: bool | None = None, remove_data: bool | None = None
    ) -> Any:
        """Decorate a function, coroutine function or class."""
        if inspect.isclass(func):
            return self._decorate_class(func)
        if not callable(func):
            raise TypeError(
                "mock_aws decorates a function, an async function or a class; "
                f"got {type(func).__name__}"
            )
        return self._decorate_callable(
            func,
            self._reset if reset is None else reset,
            self._remove_data if remove_data is None else remove_data,
        )

    @contextlib.contextmanager
    def _one_call(self, reset: bool, remove_data: bool) -> Iterator[None]:
        """A fresh context of the same settings, for one call of a decorated
        function."""
        context = MockAWS(self._config, **self._settings())
        context.start(reset=reset)
        try:
            yield
        finally:
            context.stop(remove_data=remove_data)

    def _decorate_callable(self, func: F, reset: bool, remove_data: bool) -> F:
        if inspect.isasyncgenfunction(func):

            @functools.wraps(func)
            async def async_generator_wrapper(
                *args: Any, **kwargs: Any
            ) -> AsyncIterator[Any]:
                with self._one_call(reset, remove_data):
                    async for item in func(*args, **kwargs):
                        yield item

            return cast(F, async_generator_wrapper)

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def coroutine_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self._one_call(reset, remove_data):
                    return await func(*args, **kwargs)

            return cast(F, coroutine_wrapper)

        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator_wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
                with self._one_call(reset, remove_data):
                    yield from func(*args, **kwargs)

            return cast(F, generator_wrapper)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._one_call(reset, remove_data):
                return func(*args, **kwargs)

        return cast(F, wrapper)

    def _decorate_class(self, klass: type[T]) -> type[T]:
        """Wrap the class's own public methods, resetting the way Moto does.

        A test resets Moto's state when it starts and clears it when it ends,
        unless the class has a setUp (or setup_method): then setUp resets, and
        the data it creates stays for the test.
        """
        user_classes = [
            c for c in klass.__mro__ if c not in (unittest.TestCase, object)
        ]
        has_setup = any(
            name in vars(c) for c in user_classes for name in (*_SETUP_METHODS, "setup")
        )
        for name, value in list(vars(klass).items()):
            if name.startswith("_") or not isinstance(value, FunctionType):
                continue
            is_test = name.startswith(unittest.TestLoader.testMethodPrefix)
            if name in _SETUP_METHODS:
                reset, remove_data = True, False
            elif is_test and not has_setup:
                reset, remove_data = True, True
            else:
                reset, remove_data = False, False
            setattr(klass, name, self._decorate_callable(value, reset, remove_data))
        return klass


@overload
def mock_aws(func: F) -> F: ...
@overload
def mock_aws(
    func: None = None,
    config: DefaultConfig | None = None,
    *,
    reset: bool = True,
    remove_data: bool = True,
    server_mode: bool = False,
    server_port: int | None = None,
    auto_endpoint: AutoEndpointMode | str | None = None,
) -> MockAWS: ...
def mock_aws(
    func: Any = None,
    config: DefaultConfig | None = None,
    *,
    reset: bool = True,
    remove_data: bool = True,
    server_mode: bool = False,
    server_port: int | None = None,
    auto_endpoint: AutoEndpointMode | str | None = None,
    **unexpected: object,
) -> Any:
    """Moto's ``mock_aws``, for boto3, aiobotocore, aioboto3 and what builds on them.

    ``mock_aws`` and ``mock_aws(config=...)`` give a context manager (``with``
    or ``async with``) that is also a decorator; ``@mock_aws`` decorates a
    function, an ``async def`` function or a test class directly.

    ``reset`` and ``remove_data`` are the defaults of ``start`` and ``stop``:
    whether the outermost enter and the last exit empty Moto's backends.
    ``server_mode=True`` also starts aiomoto's endpoint, Moto's server in
    this process serving the same state, for native clients and other
    processes; ``auto_endpoint`` says where clients are pointed and
    ``server_port`` attaches to a server already running on 127.0.0.1.
    """
    if unexpected:
        raise unexpected_keywords("mock_aws()", unexpected, ("func", *_KEYWORDS))
    if func is None:
        return MockAWS(
            config,
            reset=reset,
            remove_data=remove_data,
            server_mode=server_mode,
            server_port=server_port,
            auto_endpoint=auto_endpoint,
        )
    if config is not None:
        raise TypeError(
            "mock_aws takes either a function to decorate or config=..., not both: "
            "write @mock_aws(config=...) to decorate with settings"
        )
    if not callable(func):
        raise TypeError(
            "mock_aws's first argument is the function or class to decorate; "
            f"got {type(func).__name__}. Pass settings as mock_aws(config={{...}})"
        )
    context = MockAWS(
        reset=reset,
        remove_data=remove_data,
        server_mode=server_mode,
        server_port=server_port,
        auto_endpoint=auto_endpoint,
    )
    return context(func)


# The other aiomoto package's name for the decorator: the same function.
mock_aws_decorator = mock_aws
