"""aiomoto's pytest plugin: fixtures and the ``aiomoto`` marker.

Registered through the ``pytest11`` entry point, so installing aiomoto is
enough -- and pytest imports this module at every start, in every project
where aiomoto is installed.  So importing it costs nothing a project that
never uses aiomoto would notice: it imports neither aiomoto's engine nor
Moto, botocore or aiobotocore (each fixture imports what it needs on first
use), and it adds no autouse fixture.  aiomoto's patches go in only when a
fixture or a marked test enters a context.

Fixtures
    ``aiomoto_environment``
        Fake credentials and ``AWS_DEFAULT_REGION=us-east-1`` in the
        environment, restored afterwards.
    ``aiomoto_mock``
        An active ``aiomoto.mock_aws()`` context (with
        ``aiomoto_environment``), yielding the ``MockAWS`` object.
    ``aiomoto_session`` / ``aiomoto_aioboto3_session``
        An aiobotocore ``AioSession`` / an ``aioboto3.Session`` inside the
        context.
    ``aiomoto_client`` / ``aiomoto_aioboto3_client`` / ``aiomoto_aioboto3_resource``
        Async factories: ``s3 = await aiomoto_client("s3")`` gives a ready
        client, closed at teardown.  They run under pytest-asyncio (strict
        or auto mode) and under anyio's plugin, on asyncio and on trio (where
        clients use aiobotocore's httpx session, as aiohttp needs asyncio).

``aiomoto_mock``, ``aiomoto_environment`` and the session fixtures are
function-scoped unless the ``aiomoto_scope`` ini option or
``--aiomoto-scope`` widens them (class, module, package or session).

Marker
    ``@pytest.mark.aiomoto`` or ``@pytest.mark.aiomoto(config={...})`` runs
    a sync or async test -- its fixtures included -- inside
    ``aiomoto.mock_aws(config=...)``, with ``aiomoto_environment``.

Under pytest-xdist each worker is its own process with its own Moto state:
there is nothing to share, no port to pick.
"""

from __future__ import annotations

import sys
import types
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import TYPE_CHECKING, Any, Literal

import pytest

from aiomoto._internals.pytest_plugins import (
    fixture_function_swapped,
    mark_for_pytest_asyncio,
)

if TYPE_CHECKING:
    from aiobotocore.session import AioSession

    from aiomoto.mock import MockAWS

Scope = Literal["session", "package", "module", "class", "function"]

SCOPE_OPTION = "aiomoto_scope"
SCOPES: tuple[Scope, ...] = ("function", "class", "module", "package", "session")
MARKER = "aiomoto"
REGION = "us-east-1"
FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
}
_MARKER_ARGUMENTS = ("config",)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("aiomoto")
    help_text = (
        "scope of the aiomoto_mock, aiomoto_environment and session fixtures: "
        + ", ".join(SCOPES)
        + " (default: function)"
    )
    parser.addini(SCOPE_OPTION, help_text, default="function")
    group.addoption("--aiomoto-scope", dest=SCOPE_OPTION, default=None, help=help_text)


def context_scope(fixture_name: str, config: pytest.Config) -> Scope:
    """The scope of the context fixtures: ``--aiomoto-scope``, else the ini."""
    value = config.getoption(SCOPE_OPTION, default=None) or config.getini(SCOPE_OPTION)
    scope = str(value).strip().lower() or "function"
    if scope not in SCOPES:
        raise pytest.UsageError(
            f"aiomoto_scope must be one of {', '.join(SCOPES)}, not {value!r}"
        )
    return scope


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(config=None): run the test, with its fixtures, inside "
        "aiomoto.mock_aws(config=...) with fake AWS credentials and region",
    )
    context_scope("", config)  # a wrong scope fails at start, not per test


# --- the environment and the context ----------------------------------------


@pytest.fixture(scope=context_scope)
def aiomoto_environment() -> Iterator[dict[str, str]]:
    """Fake AWS credentials and a default region, restored afterwards."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_ENVIRONMENT.items():
            patch.setenv(name, value)
        yield dict(FAKE_ENVIRONMENT)


@pytest.fixture(scope=context_scope)
def aiomoto_mock(aiomoto_environment: dict[str, str]) -> Iterator[MockAWS]:
    """An active ``aiomoto.mock_aws()`` context for the test (or wider scope)."""
    import aiomoto

    with aiomoto.mock_aws() as mock:
        yield mock


def _marker_arguments(marker: pytest.Mark) -> dict[str, Any]:
    from aiomoto._arguments import unexpected_keywords

    if marker.args:
        raise TypeError(
            "@pytest.mark.aiomoto takes mock_aws's keyword arguments only, "
            "such as @pytest.mark.aiomoto(config={...}); got positional "
            f"{marker.args!r}"
        )
    unexpected = {k: v for k, v in marker.kwargs.items() if k not in _MARKER_ARGUMENTS}
    if unexpected:
        raise unexpected_keywords("@pytest.mark.aiomoto", unexpected, _MARKER_ARGUMENTS)
    return dict(marker.kwargs)


MARKER_FIXTURE = "_aiomoto_marker"


@pytest.fixture
def _aiomoto_marker(request: pytest.FixtureRequest) -> Iterator[None]:
    """Enter a context around a test marked ``@pytest.mark.aiomoto``.

    Only marked tests request it (see ``pytest_runtest_setup``).  Its
    parametrized siblings share their list of fixture names, so a sibling
    without the marker may request it too: for that one it does nothing.
    """
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        yield
        return
    arguments = _marker_arguments(marker)
    request.getfixturevalue("aiomoto_environment")
    import aiomoto

    with aiomoto.mock_aws(**arguments):
        yield


def _first_function_scoped(item: pytest.Item, names: list[str]) -> int:
    """Where in ``names`` the function-scoped fixtures start.

    pytest sets up a test's fixtures in this order, wider scopes first.  The
    marker's context goes in front of the test's function-scoped fixtures,
    so that it covers them, and after the wider ones, which outlive it.
    The scopes come from the item's fixture info, which pytest keeps under
    a private name: without it the context simply goes first.
    """
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    for index, name in enumerate(names):
        defined = definitions.get(name)
        if not defined or getattr(defined[-1], "scope", "function") == "function":
            return index
    return len(names)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Have a marked test request the marker's fixture.

    Runs before pytest sets up the test's fixtures, and after every hook
    that could still add the marker.  Unmarked tests are left as they are.
    """
    if item.get_closest_marker(MARKER) is None:
        return
    names = getattr(item, "fixturenames", None)
    if not isinstance(names, list) or MARKER_FIXTURE in names:
        return
    names.insert(_first_function_scoped(item, names), MARKER_FIXTURE)


# --- sessions -----------------------------------------------------------------


@pytest.fixture(scope=context_scope)
def aiomoto_session(aiomoto_mock: MockAWS) -> AioSession:
    """An aiobotocore ``AioSession`` inside the context."""
    from aiobotocore.session import AioSession

    return AioSession()


@pytest.fixture(scope=context_scope)
def aiomoto_aioboto3_session(aiomoto_mock: MockAWS) -> Any:
    """An ``aioboto3.Session`` inside the context."""
    try:
        import aioboto3
    except ImportError as error:
        raise ImportError(
            "the aiomoto_aioboto3_* fixtures need aioboto3: pip install aioboto3"
        ) from error
    return aioboto3.Session()


# --- clients --------------------------------------------------------------------


def _running_under_trio() -> bool:
    trio = sys.modules.get("trio")
    if trio is None:
        return False
    try:
        return bool(trio.lowlevel.in_trio_run())
    except AttributeError:  # trio before 0.23
        return False


def _trio_config() -> Any:
    """aiobotocore's httpx session: aiohttp's needs an asyncio loop."""
    from aiobotocore.config import AioConfig
    from aiobotocore.httpxsession import HttpxSession

    return AioConfig(http_session_cls=HttpxSession)


class ClientFactory:
    """Opens clients (or resources) that stay open until the fixture's teardown.

    ``await factory("s3")`` takes the keyword arguments of
    ``create_client``/``client``/``resource`` (``region_name=``,
    ``config=`` ...).  Under trio, without a ``config``, clients get
    aiobotocore's httpx session.  The factory must be used under the async
    library its fixture ran under -- the test's.
    """

    def __init__(
        self,
        open_client: Callable[..., AbstractAsyncContextManager[Any]],
        stack: AsyncExitStack,
    ) -> None:
        self._open = open_client
        self._stack = stack
        self._trio = _running_under_trio()

    async def __call__(self, service_name: str, /, **kwargs: Any) -> Any:
        if _running_under_trio() != self._trio:
            ran, runs = ("trio", "asyncio") if self._trio else ("asyncio", "trio")
            raise RuntimeError(
                f"this aiomoto client fixture was set up under {ran} but the test "
                f"runs under {runs}: run both with one plugin (anyio's for trio; "
                "pytest-asyncio's auto mode also takes anyio tests' fixtures)"
            )
        if "config" not in kwargs and self._trio:
            kwargs["config"] = _trio_config()
        return await self._stack.enter_async_context(self._open(service_name, **kwargs))


async def _aiomoto_client(aiomoto_session: AioSession) -> AsyncIterator[ClientFactory]:
    async with AsyncExitStack() as stack:
        yield ClientFactory(aiomoto_session.create_client, stack)


async def _aiomoto_aioboto3_client(
    aiomoto_aioboto3_session: Any,
) -> AsyncIterator[ClientFactory]:
    async with AsyncExitStack() as stack:
        yield ClientFactory(aiomoto_aioboto3_session.client, stack)


async def _aiomoto_aioboto3_resource(
    aiomoto_aioboto3_session: Any,
) -> AsyncIterator[ClientFactory]:
    async with AsyncExitStack() as stack:
        yield ClientFactory(aiomoto_aioboto3_session.resource, stack)


# pytest-asyncio (strict mode) runs only async fixtures it is told about, by
# this attribute (what @pytest_asyncio.fixture sets); anyio's plugin runs any
# async fixture of a test that uses anyio_backend.  So the fixtures carry the
# attribute, and for anyio tests pytest_fixture_setup below swaps in a copy
# without it, which pytest-asyncio leaves to anyio.
_ANYIO_COPIES: dict[Callable[..., Any], Callable[..., Any]] = {}


def _async_fixture(function: Callable[..., Any], name: str) -> Any:
    copy = types.FunctionType(
        function.__code__,
        function.__globals__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__qualname__ = function.__qualname__
    copy.__module__ = function.__module__
    mark_for_pytest_asyncio(function)
    _ANYIO_COPIES[function] = copy
    return pytest.fixture(name=name)(function)


aiomoto_client = _async_fixture(_aiomoto_client, "aiomoto_client")
aiomoto_aioboto3_client = _async_fixture(
    _aiomoto_aioboto3_client, "aiomoto_aioboto3_client"
)
aiomoto_aioboto3_resource = _async_fixture(
    _aiomoto_aioboto3_resource, "aiomoto_aioboto3_resource"
)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> Generator[None, object, object]:
    """Hand aiomoto's async fixtures to anyio's plugin in anyio tests."""
    function = fixturedef.func
    copy = _ANYIO_COPIES.get(function)
    if copy is None or "anyio_backend" not in request.fixturenames:
        return (yield)
    with fixture_function_swapped(fixturedef, copy):
        return (yield)


# --- the endpoint ------------------------------------------------------------


@pytest.fixture
def aiomoto_endpoint(aiomoto_environment: dict[str, str]) -> Iterator[MockAWS]:
    """An ``aiomoto.mock_aws(server_mode=True)`` context: Moto's server in this
    process, on 127.0.0.1, serving the state in-process clients share.
    ``aiomoto_endpoint.server_endpoint`` is its URL; ``AWS_ENDPOINT_URL``
    points native clients and subprocesses at it."""
    import aiomoto

    with aiomoto.mock_aws(server_mode=True) as context:
        yield context
