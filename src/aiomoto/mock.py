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

from aiomoto import _mixed
from aiomoto._arguments import unexpected_keywords
from aiomoto._internals import moto as _moto
from aiomoto._patches import Patches
from aiomoto._state import state
from aiomoto.errors import UnsupportedMockModeError

if TYPE_CHECKING:
    import moto.core.models
    from moto.core.config import DefaultConfig

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

# One set of patches for the process, as there is one process state: Moto's
# backends are process-global, so every aiomoto context shares them.
patches = Patches()

_SETUP_METHODS = ("setUp", "setup_method")


def _refuse_unsupported_modes() -> None:
    server_mode = _moto.settings.TEST_SERVER_MODE or (
        os.environ.get("TEST_SERVER_MODE", "").lower() == "true"
    )
    if server_mode:
        raise UnsupportedMockModeError(
            "aiomoto.mock_aws runs Moto inside this process, but "
            "TEST_SERVER_MODE=true tells Moto to send every call to a moto_server. "
            "Unset TEST_SERVER_MODE to use aiomoto; to test against a server, "
            "point your clients' endpoint_url at it and leave aiomoto out."
        )
    if _moto.settings.is_test_proxy_mode():
        raise UnsupportedMockModeError(
            "aiomoto.mock_aws runs Moto inside this process, but "
            "TEST_PROXY_MODE=true tells Moto to send every call through its proxy. "
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


class MockAWS:
    """An aiomoto context: Moto's in-memory AWS for sync and async clients.

    Use it as ``with``/``async with``, or as a decorator on sync functions,
    ``async def`` functions and test classes.  Contexts nest and share one
    Moto state; aiomoto's patches are in place from the outermost enter to
    the last exit.
    """

    def __init__(
        self, config: DefaultConfig | None = None, **unexpected: object
    ) -> None:
        if unexpected:
            raise unexpected_keywords("MockAWS()", unexpected, ("config",))
        _refuse_unsupported_modes()
        self._config = _check_config(config)
        # One Moto mock per enter of this object, so that ``with m:`` may nest.
        self._moto_mocks: list[moto.core.models.MockAWS] = []

    @property
    def active(self) -> bool:
        """Whether any aiomoto context is active in this process."""
        return state.active

    def start(self, reset: bool = True) -> None:
        """Enter the context; ``reset`` clears Moto's backends on the outermost."""
        _refuse_unsupported_modes()
        state.enter(patches.install)
        counted = _moto.nested_count()
        moto_mock = None
        try:
            moto_mock = _moto.models.MockAWS(self._config)
            _mixed.start_moto(moto_mock, reset)
        except BaseException:
            try:
                # Moto counts a mock as started before it finishes starting:
                # stop one that failed half-way, so Moto is not left active.
                if moto_mock is not None and (_moto.nested_count() > counted):
                    moto_mock.stop()
            finally:
                state.exit(patches.remove)
            raise
        self._moto_mocks.append(moto_mock)

    def stop(self, remove_data: bool = True) -> None:
        """Leave the context; the last exit resets Moto's backends."""
        if not self._moto_mocks:
            raise RuntimeError(
                "this aiomoto.mock_aws was stopped more times than started"
            )
        moto_mock = self._moto_mocks.pop()
        try:
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
        self, func: type[T], reset: bool = ..., remove_data: bool = ...
    ) -> type[T]: ...
    @overload
    def __call__(self, func: F, reset: bool = ..., remove_data: bool = ...) -> F: ...
    def __call__(self, func: Any, reset: bool = True, remove_data: bool = True) -> Any:
        """Decorate a function, coroutine function or class."""
        if inspect.isclass(func):
            return self._decorate_class(func)
        if not callable(func):
            raise TypeError(
                "mock_aws decorates a function, an async function or a class; "
                f"got {type(func).__name__}"
            )
        return self._decorate_callable(func, reset, remove_data)

    @contextlib.contextmanager
    def _one_call(self, reset: bool, remove_data: bool) -> Iterator[None]:
        """A fresh context of the same settings, for one call of a decorated
        function."""
        context = MockAWS(self._config)
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
def mock_aws(func: None = None, config: DefaultConfig | None = None) -> MockAWS: ...
def mock_aws(
    func: Any = None, config: DefaultConfig | None = None, **unexpected: object
) -> Any:
    """Moto's ``mock_aws``, for boto3, aiobotocore, aioboto3 and what builds on them.

    ``mock_aws`` and ``mock_aws(config=...)`` give a context manager (``with``
    or ``async with``) that is also a decorator; ``@mock_aws`` decorates a
    function, an ``async def`` function or a test class directly.
    """
    if unexpected:
        raise unexpected_keywords("mock_aws()", unexpected, ("func", "config"))
    if func is None:
        return MockAWS(config)
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
    return MockAWS()(func)
