"""The pytest plugin, exercised by running inner pytest sessions with pytester.

Each test writes a small test file, runs pytest on it in this process (the
plugin loads through its pytest11 entry point, as it does for users) and
checks the outcomes.  The inner sessions treat warnings as errors.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator

import aiobotocore.httpxsession  # noqa: F401
import anyio
import anyio._backends._asyncio  # the backends anyio's plugin runs on
import anyio._backends._trio
import boto3
import hypothesis  # noqa: F401  (its pytest plugin imports it at each session end)
import pytest
import trio  # noqa: F401
from aiobotocore.session import get_session
from moto.core.botocore_stubber import BotocoreStubber
from tests.clients import aioboto3, needs_aioboto3
from tests.process_state import environment

import aiomoto

ASYNCIO_INI = """
asyncio_mode = {mode}
asyncio_default_fixture_loop_scope = function
"""


@pytest.fixture(scope="module", autouse=True)
def modules_inner_sessions_use() -> Iterator[None]:
    """Import, once, what the inner sessions' tests import.

    pytester's in-process runs drop the modules an inner session imports for
    the first time; Moto imports each service's backend on first use, so
    without this every inner session would import S3 and SQS again.
    """

    async def use_async_clients() -> None:
        async with get_session().create_client("s3", region_name="us-east-1") as s3:
            await s3.list_buckets()
        if aioboto3 is not None:
            async with aioboto3.Session().resource(
                "s3", region_name="us-east-1"
            ) as s3r:
                await s3r.Bucket("b")

    with aiomoto.mock_aws():
        boto3.client("s3", region_name="us-east-1").list_buckets()
        boto3.client("sqs", region_name="us-east-1").list_queues()
        anyio.run(use_async_clients)
    yield


def run(
    pytester: pytest.Pytester, *args: str, mode: str = "strict", extra: str = ""
) -> pytest.RunResult:
    """Run pytest on pytester's files, warnings as errors."""
    asyncio = "" if "no:asyncio" in args else ASYNCIO_INI.format(mode=mode)
    pytester.makeini(f"[pytest]\nfilterwarnings = error\n{asyncio}\n{extra}\n")
    return pytester.runpytest("-p", "no:cacheprovider", *args)


# Two sync and two async tests that would reach the network unless mocked, and
# that see each other's data only if they share a context.
MARKED = """
import asyncio

import boto3
import pytest
from aiobotocore.session import get_session
from moto.core.config import default_user_config


async def bucket_names():
    async with get_session().create_client("s3") as s3:
        return [b["Name"] for b in (await s3.list_buckets())["Buckets"]]


@pytest.mark.aiomoto
def test_sync():
    boto3.client("s3").create_bucket(Bucket="sync-bucket")
    assert asyncio.run(bucket_names()) == ["sync-bucket"]


@pytest.mark.aiomoto
@pytest.mark.asyncio
async def test_async():
    async with get_session().create_client("s3") as s3:
        await s3.create_bucket(Bucket="async-bucket")
    assert [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]] == [
        "async-bucket"
    ]


@pytest.mark.aiomoto(config={"batch": {"use_docker": False}})
def test_config_reaches_moto():
    assert default_user_config["batch"]["use_docker"] is False


@pytest.fixture
def bucket():
    boto3.client("s3").create_bucket(Bucket="from-fixture")
    return "from-fixture"


@pytest.mark.aiomoto
@pytest.mark.asyncio
async def test_fixtures_run_inside_the_context(bucket):
    assert await bucket_names() == [bucket]


@pytest.mark.aiomoto
class TestMarkedClass:
    def test_method(self):
        assert boto3.client("s3").list_buckets()["Buckets"] == []
"""


def test_marker_runs_sync_and_async_tests_and_their_fixtures_inside_a_context(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(MARKED)
    result = run(pytester, "--strict-markers")
    result.assert_outcomes(passed=5)


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.aiomoto(config=None):*"])


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("@pytest.mark.aiomoto(confg={})", "did you mean 'config'?"),
        ("@pytest.mark.aiomoto({})", "keyword arguments only"),
    ],
)
def test_marker_arguments_are_checked(
    pytester: pytest.Pytester, marker: str, message: str
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        {marker}
        def test_marked():
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*TypeError*{message}*"])


FIXTURES = """
import boto3
import pytest


async def check_client(client):
    s3 = await client("s3")
    await s3.create_bucket(Bucket="shared")
    await s3.put_object(Bucket="shared", Key="k", Body=b"value")
    body = boto3.client("s3").get_object(Bucket="shared", Key="k")["Body"]
    assert body.read() == b"value"


def test_sync_fixtures(aiomoto_mock, aiomoto_environment, aiomoto_session):
    assert aiomoto_mock.active
    assert aiomoto_environment["AWS_DEFAULT_REGION"] == "us-east-1"
    boto3.client("sqs").create_queue(QueueName="q")
    assert aiomoto_session.get_config_variable("region") == "us-east-1"
"""

AIOBOTO3_FIXTURES = """
import boto3
import pytest


async def check_aioboto3_clients(client, aioboto3_client, aioboto3_resource):
    s3 = await client("s3")
    await s3.create_bucket(Bucket="shared")
    other = await aioboto3_client("s3", region_name="us-east-1")
    assert [b["Name"] for b in (await other.list_buckets())["Buckets"]] == ["shared"]
    resource = await aioboto3_resource("s3")
    bucket = await resource.Bucket("shared")
    await bucket.put_object(Key="k", Body=b"value")
    body = boto3.client("s3").get_object(Bucket="shared", Key="k")["Body"]
    assert body.read() == b"value"
"""

PYTEST_ASYNCIO_TEST = """
@pytest.mark.asyncio
async def test_async_fixture(aiomoto_client):
    await check_client(aiomoto_client)
"""

PYTEST_ASYNCIO_AIOBOTO3_TEST = """
@pytest.mark.asyncio
async def test_aioboto3_fixtures(
    aiomoto_client, aiomoto_aioboto3_client, aiomoto_aioboto3_resource
):
    await check_aioboto3_clients(
        aiomoto_client, aiomoto_aioboto3_client, aiomoto_aioboto3_resource
    )
"""


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_fixtures_under_pytest_asyncio(pytester: pytest.Pytester, mode: str) -> None:
    pytester.makepyfile(FIXTURES + PYTEST_ASYNCIO_TEST)
    result = run(pytester, mode=mode)
    result.assert_outcomes(passed=2)


@needs_aioboto3
@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_aioboto3_fixtures_under_pytest_asyncio(
    pytester: pytest.Pytester, mode: str
) -> None:
    pytester.makepyfile(AIOBOTO3_FIXTURES + PYTEST_ASYNCIO_AIOBOTO3_TEST)
    result = run(pytester, mode=mode)
    result.assert_outcomes(passed=1)


ANYIO_BACKENDS = """
@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param
"""

ANYIO_TESTS = """
@pytest.mark.anyio
async def test_async_fixture(anyio_backend, aiomoto_client):
    await check_client(aiomoto_client)


@pytest.mark.anyio
@pytest.mark.aiomoto
async def test_marker(anyio_backend, aiomoto_client):
    s3 = await aiomoto_client("s3")
    await s3.create_bucket(Bucket="marked")
    names = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    assert names == ["marked"]
"""

ANYIO_AIOBOTO3_TEST = """
@pytest.mark.anyio
async def test_aioboto3_fixtures(
    anyio_backend, aiomoto_client, aiomoto_aioboto3_client, aiomoto_aioboto3_resource
):
    await check_aioboto3_clients(
        aiomoto_client, aiomoto_aioboto3_client, aiomoto_aioboto3_resource
    )
"""

# The ways pytest-asyncio and anyio's plugin meet in a session.
ANYIO_PLUGINS = pytest.mark.parametrize(
    "plugins",
    [
        (),
        # anyio's plugin registered first: pytest-asyncio's fixture hook then
        # wraps anyio's, and would take the fixtures unless told not to.
        ("-p", "no:anyio", "-p", "anyio.pytest_plugin"),
        ("-p", "no:asyncio"),
    ],
    ids=["with-pytest-asyncio", "anyio-registered-first", "anyio-only"],
)


@ANYIO_PLUGINS
def test_fixtures_and_marker_under_anyio_on_asyncio_and_trio(
    pytester: pytest.Pytester, plugins: tuple[str, ...]
) -> None:
    pytester.makepyfile(FIXTURES + ANYIO_BACKENDS + ANYIO_TESTS)
    result = run(pytester, "-v", *plugins)
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        ["*test_async_fixture?trio? PASSED*", "*test_marker?trio? PASSED*"]
    )


@needs_aioboto3
@ANYIO_PLUGINS
def test_aioboto3_fixtures_under_anyio_on_asyncio_and_trio(
    pytester: pytest.Pytester, plugins: tuple[str, ...]
) -> None:
    pytester.makepyfile(AIOBOTO3_FIXTURES + ANYIO_BACKENDS + ANYIO_AIOBOTO3_TEST)
    result = run(pytester, "-v", *plugins)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_aioboto3_fixtures?trio? PASSED*"])


def test_async_fixtures_need_an_async_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_sync_wants_a_client(aiomoto_client):
            pass
        """
    )
    result = run(pytester, "-p", "no:asyncio", "-p", "no:anyio")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*requested an async fixture 'aiomoto_client'*"])


SCOPED = """
import boto3


def bucket_names():
    return [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]


def test_first(aiomoto_mock):
    boto3.client("s3").create_bucket(Bucket="first")


def test_second(aiomoto_mock, request):
    widened = request.config.getoption("aiomoto_scope") or request.config.getini(
        "aiomoto_scope"
    )
    assert bucket_names() == ([] if widened == "function" else ["first"])
"""


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        ((), ""),
        (("--aiomoto-scope=module",), ""),
        ((), "aiomoto_scope = session"),
    ],
    ids=["function-by-default", "option", "ini"],
)
def test_context_scope_can_be_widened(
    pytester: pytest.Pytester, args: tuple[str, ...], extra: str
) -> None:
    pytester.makepyfile(SCOPED)
    result = run(pytester, *args, extra=extra)
    result.assert_outcomes(passed=2)


def test_a_wrong_scope_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = run(pytester, "--aiomoto-scope=forever")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*aiomoto_scope must be one of*forever*"])


def test_fixtures_restore_the_environment_and_leave_no_context(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        """
        import os

        def test_inside(aiomoto_mock):
            assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
            assert "AWS_ENDPOINT_URL" not in os.environ
        """
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4566")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "")
    before = environment()

    result = run(pytester)

    result.assert_outcomes(passed=1)
    assert environment() == before
    assert not aiomoto.MockAWS().active


WORKERS = """
import os

import boto3
import pytest


@pytest.fixture(scope="session", autouse=True)
def worker_bucket(aiomoto_mock):
    name = "bucket-" + os.environ["PYTEST_XDIST_WORKER"]
    boto3.client("s3").create_bucket(Bucket=name)
    return name


@pytest.mark.parametrize("index", range(8))
def test_each_worker_sees_only_its_own_state(worker_bucket, index):
    s3 = boto3.client("s3")
    s3.put_object(Bucket=worker_bucket, Key=f"key-{index}", Body=b"x")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [worker_bucket]
"""


def test_each_xdist_worker_has_its_own_state(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(WORKERS)
    # --dist=each: every worker runs every test, so both build their state.
    result = run(
        pytester, "-n", "2", "--dist=each", "-v", extra="aiomoto_scope = session"
    )
    result.assert_outcomes(passed=16)
    output = result.stdout.str()
    assert "[gw0]" in output
    assert "[gw1]" in output


def test_importing_the_plugin_patches_nothing() -> None:
    script = textwrap.dedent(
        """
        import os
        from botocore.client import ClientCreator
        from moto.core.botocore_stubber import BotocoreStubber
        from moto.core.models import MockAWS

        before = (
            BotocoreStubber.__dict__["__call__"],
            BotocoreStubber.__dict__["process_request"],
            ClientCreator.__dict__["create_client"],
            MockAWS.__dict__["start"],
            dict(os.environ),
        )
        import aiomoto.pytest_plugin

        after = (
            BotocoreStubber.__dict__["__call__"],
            BotocoreStubber.__dict__["process_request"],
            ClientCreator.__dict__["create_client"],
            MockAWS.__dict__["start"],
            dict(os.environ),
        )
        assert all(a is b or a == b for a, b in zip(before, after)), "patched"
        print("untouched")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "untouched"
    assert BotocoreStubber.__dict__["__call__"].__class__.__name__ == "function"


def test_importing_the_plugin_loads_neither_the_engine_nor_aws_libraries() -> None:
    # pytest imports the plugin at every start wherever aiomoto is installed.
    script = textwrap.dedent(
        """
        import sys

        import pytest
        import aiomoto.pytest_plugin

        heavy = ("moto", "botocore", "boto3", "aiobotocore", "aioboto3",
                 "aiomoto._core", "aiomoto.mock")
        print(sorted(name for name in heavy if name in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


UNMARKED_AND_MARKED = """
import boto3
import pytest

@pytest.fixture(scope="module")
def module_state():
    # A wider scope than the marker's context: set up before it, outside.
    import aiomoto

    return {"set up in a context": aiomoto.mock_aws().active}


@pytest.fixture
def function_state():
    import aiomoto

    return {"set up in a context": aiomoto.mock_aws().active}


def test_unmarked_tests_request_nothing_of_aiomoto(request):
    assert [n for n in request.fixturenames if "aiomoto" in n] == []


@pytest.mark.aiomoto
def test_marked(request, module_state, function_state):
    assert "_aiomoto_marker" in request.fixturenames
    assert module_state == {"set up in a context": False}
    assert function_state == {"set up in a context": True}
    boto3.client("s3").create_bucket(Bucket="inside")


@pytest.mark.parametrize(
    "marked", [pytest.param(True, marks=pytest.mark.aiomoto), False]
)
def test_parametrized_siblings(request, marked):
    import aiomoto

    assert aiomoto.mock_aws().active is marked
"""


def test_the_marker_reaches_only_marked_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(UNMARKED_AND_MARKED)
    result = run(pytester)
    result.assert_outcomes(passed=4)


def test_a_session_made_before_the_first_context_still_reaches_moto() -> None:
    # ``import aiomoto`` no longer imports Moto, whose handler sessions copy
    # when they are made: a session from a fixture must still be served.
    script = textwrap.dedent(
        """
        import asyncio
        import sys

        import aiomoto
        from aiobotocore.session import AioSession

        session = AioSession()
        assert "moto" not in sys.modules

        async def main():
            async with aiomoto.mock_aws():
                async with session.create_client(
                    "s3", region_name="us-east-1"
                ) as s3:
                    await s3.create_bucket(Bucket="early-session")
                    listed = await s3.list_buckets()
            print([b["Name"] for b in listed["Buckets"]])

        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['early-session']"


def test_a_session_without_aiomoto_tests_loads_nothing_of_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import sys

        import pytest


        @pytest.fixture
        def some_fixture():
            return 1


        @pytest.mark.parametrize("n", [1, 2])
        def test_plain(some_fixture, n, request):
            assert [name for name in request.fixturenames if "aiomoto" in name] == []
            loaded = {"moto", "botocore", "aiobotocore", "aiomoto._core"}
            assert loaded.isdisjoint(sys.modules)
        """
    )
    pytester.makeini(
        "[pytest]\nfilterwarnings = error\n" + ASYNCIO_INI.format(mode="strict")
    )
    # A fresh interpreter: this one has long imported Moto and botocore.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
