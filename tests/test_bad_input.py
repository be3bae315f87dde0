"""Bad input gets a clear exception and leaves the context usable.

* Malformed arguments to aiomoto's public functions and to every type and
  method of each core raise an ordinary exception -- never a crash, never a
  ``BaseException`` -- and the process goes on working (the sanitizer run of
  ``make sanitize`` includes these tests).  Both cores answer the same junk
  alike: the same values, the same exception types and messages.
* Request bodies that are not bytes, or whose async ``read`` raises, fail the
  way boto3 fails for them, and the same context serves the next request.
* Request bodies over ``AIOMOTO_MAX_BODY_BYTES`` raise
  ``aiomoto.RequestBodyTooLargeError`` before they are read in full.
* Unknown services are refused by botocore, services Moto lacks by aiomoto's
  ``NotImplementedByMotoError``; the context stays usable.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import boto3
import botocore.exceptions
import pytest
from aiobotocore.session import get_session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.cores import GLUE_CONFIG, is_arity_error, load_core, outcome
from tests.process_state import REGION, Snapshot, assert_clean_context, patch_points

import aiomoto
from aiomoto._lifecycle._state import state

# --- junk arguments -----------------------------------------------------------


class EvilIndex:
    def __index__(self) -> int:
        raise ZeroDivisionError("no index for you")


class HugeIndex:
    def __index__(self) -> int:
        return 2**80


class EvilBool:
    def __bool__(self) -> bool:
        raise ZeroDivisionError("no truth for you")


class EvilAttributes:
    def __getattr__(self, name: str) -> Any:
        raise ZeroDivisionError(f"no {name} for you")


class BytesSubclass(bytes):
    pass


def raising_callable(*args: Any, **kwargs: Any) -> Any:
    raise ZeroDivisionError("called")


def quiet_callable(*args: Any, **kwargs: Any) -> Any:
    return None


JUNK = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            0,
            -1,
            sys.maxsize,
            -(2**100),
            2**100,
            1.5,
            float("nan"),
            "",
            "text",
            b"",
            b"bytes",
            bytearray(b"ba"),
            memoryview(b"mv"),
            BytesSubclass(b"sub"),
            [],
            [1, 2, 3],
            (1, 2, 3),
            (),
            {},
            {"a": 1},
            object(),
            object,
            ValueError,
            ValueError("instance"),
            BaseException,
            EvilIndex(),
            HugeIndex(),
            EvilBool(),
            EvilAttributes(),
            raising_callable,
            quiet_callable,
            (lambda: None).__code__,
        ]
    ),
    st.integers(),
    st.binary(max_size=20),
    st.text(max_size=10),
)
ARGS = st.lists(JUNK, max_size=4)
KWARGS = st.dictionaries(
    st.sampled_from(
        [
            "body",
            "url",
            "value",
            "n",
            "blocking",
            "lock",
            "max_body_bytes",
            "deferred",
            "request",
            "config",
            "func",
            "reset",
            "remove_data",
            "headers_class",
            "closed_error",
            "x",
        ]
    ),
    JUNK,
    max_size=2,
)
JUNK_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def settle(core: ModuleType, result: Any) -> None:
    """Await whatever a call returned that can be awaited, to its outcome."""
    if isinstance(result, core.Ready):
        try:
            iterator = result.__await__()
            iterator.send(None)
        except StopIteration:
            pass


def call_with_junk(
    core: ModuleType, target: Callable[..., Any], args: list[Any], kwargs: Any
) -> None:
    """Call; it may succeed or raise an Exception, but nothing else."""
    with contextlib.suppress(Exception):
        settle(core, target(*args, **kwargs))


# --- each core's types and functions, with junk ----------------------------------


def _dispatcher(core: ModuleType) -> Any:
    return core.Dispatcher(
        quiet_callable,
        (lambda: None).__code__,
        quiet_callable,
        {},
        lock=core.DispatchLock(),
        max_body_bytes=10,
    )


# Fresh instances whose every method gets junk.  Module state is restored
# after each example (configure()).
INSTANCES: dict[str, Callable[[ModuleType], Any]] = {
    "Ready": lambda core: core.Ready(b"value"),
    "Ready.failed": lambda core: core.Ready.failed(ValueError("failed")),
    "RawStream": lambda core: core.RawStream(b"line one\nline two\n" * 5, "u"),
    "RawStream.empty": lambda core: core.RawStream(b""),
    "ChunkIterator": lambda core: core.RawStream(b"x" * 10).iter_chunked(3),
    "AsyncResponse": lambda core: core.AsyncResponse("u", 200, {"a": "b"}, b"body"),
    "Dispatcher": _dispatcher,
    "DispatchLock": lambda core: core.DispatchLock(),
}
CONSTRUCTORS: dict[str, Callable[[ModuleType], Callable[..., Any]]] = {
    "Ready": lambda core: core.Ready,
    "Ready.failed": lambda core: core.Ready.failed,
    "RawStream": lambda core: core.RawStream,
    "AsyncResponse": lambda core: core.AsyncResponse,
    "Dispatcher": lambda core: core.Dispatcher,
    "DispatchLock": lambda core: core.DispatchLock,
    "configure": lambda core: core.configure,
}
SKIPPED_METHODS = {"__init_subclass__", "__subclasshook__", "__class__", "__del__"}


def _operations(instance: Any) -> list[str]:
    """Its methods, and "get NAME"/"set NAME" for its attributes."""
    operations = []
    for name in dir(instance):
        if name in SKIPPED_METHODS or (
            name.startswith("__") and name in dir(object) and name != "__call__"
        ):
            continue
        attribute = getattr(type(instance), name, None)
        if hasattr(attribute, "__set__"):  # a property or member: get and set
            operations += [f"get {name}", f"set {name}"]
        elif callable(attribute):
            operations.append(name)
    return sorted(operations)


@JUNK_SETTINGS
@given(
    constructor=st.sampled_from(sorted(CONSTRUCTORS)),
    args=ARGS,
    kwargs=KWARGS,
)
def constructors_and_functions_take_junk(
    core: ModuleType, constructor: str, args: list[Any], kwargs: dict[str, Any]
) -> None:
    try:
        call_with_junk(core, CONSTRUCTORS[constructor](core), args, kwargs)
    finally:
        core.configure(**GLUE_CONFIG)


def test_constructors_and_functions_of_the_core_take_junk(core: ModuleType) -> None:
    constructors_and_functions_take_junk(core)
    assert_clean_context()


@JUNK_SETTINGS
@given(
    instance=st.sampled_from(sorted(INSTANCES)),
    data=st.data(),
    args=ARGS,
    kwargs=KWARGS,
)
def every_method_takes_junk(
    core: ModuleType,
    instance: str,
    data: st.DataObject,
    args: list[Any],
    kwargs: dict[str, Any],
) -> None:
    target = INSTANCES[instance](core)
    name = data.draw(st.sampled_from(_operations(target)), label="operation")
    if name.startswith(("get ", "set ")):
        attribute = name[4:]
        with contextlib.suppress(Exception):
            settle(core, getattr(target, attribute))
        for value in args:
            with contextlib.suppress(Exception):
                setattr(target, attribute, value)
        return
    method = getattr(target, name)
    if isinstance(target, core.DispatchLock) and name == "_acquire_restore":
        args = args[:1]  # a junk count could be huge: that is a valid depth
    call_with_junk(core, method, args, kwargs)
    call_with_junk(core, method, args, {})  # positional only, the common form


def test_every_method_of_the_core_takes_junk(core: ModuleType) -> None:
    every_method_takes_junk(core)
    assert_clean_context()


# Each core is called the same way with the same junk and must come to the
# same outcome.  Left out: calls with the wrong arguments, whose messages are
# the interpreter's own argument parsing (a C function parses by hand, a
# Python one has a signature); __await__, which the C Ready answers with
# itself and a Python one with a generator; and Dispatcher(deferred=None),
# which the C refuses although its signature and stub give None as the
# default (the Python core takes it, as the stub says).


def _same_junk_outcome(
    call: Callable[[ModuleType], Any], cores: tuple[ModuleType, ModuleType]
) -> None:
    outcomes = []
    for core in cores:
        outcomes.append(outcome(lambda core=core: call(core)))
        core.configure(**GLUE_CONFIG)
    c_outcome, python_outcome = outcomes
    if not any(map(is_arity_error, outcomes)):
        assert python_outcome == c_outcome


def _deferred_none(args: list[Any], kwargs: dict[str, Any]) -> bool:
    return (len(args) > 3 and args[3] is None) or (
        "deferred" in kwargs and kwargs["deferred"] is None
    )


@JUNK_SETTINGS
@given(
    constructor=st.sampled_from(sorted(CONSTRUCTORS)),
    args=ARGS,
    kwargs=KWARGS,
)
def constructors_answer_junk_alike(
    cores: tuple[ModuleType, ModuleType],
    constructor: str,
    args: list[Any],
    kwargs: dict[str, Any],
) -> None:
    if constructor == "Dispatcher" and _deferred_none(args, kwargs):
        return
    _same_junk_outcome(
        lambda core: CONSTRUCTORS[constructor](core)(*args, **kwargs), cores
    )


def _common_operations(
    instance: str, cores: tuple[ModuleType, ModuleType]
) -> list[str]:
    names = [set(_operations(INSTANCES[instance](core))) for core in cores]
    return sorted(set.intersection(*names) - {"__await__"})


@JUNK_SETTINGS
@given(
    instance=st.sampled_from(sorted(INSTANCES)),
    data=st.data(),
    args=ARGS,
    kwargs=KWARGS,
)
def methods_answer_junk_alike(
    cores: tuple[ModuleType, ModuleType],
    instance: str,
    data: st.DataObject,
    args: list[Any],
    kwargs: dict[str, Any],
) -> None:
    name = data.draw(
        st.sampled_from(_common_operations(instance, cores)), label="operation"
    )
    if name == "_acquire_restore":
        args = args[:1]
    if name.startswith("get "):
        _same_junk_outcome(
            lambda core: getattr(INSTANCES[instance](core), name[4:]), cores
        )
        return
    if name.startswith("set "):
        for value in args:

            def assign(core: ModuleType, value: Any = value) -> None:
                setattr(INSTANCES[instance](core), name[4:], value)

            # Read-only attributes refuse in their own words: the kind is what
            # both must share.
            kinds = [outcome(lambda core=core: assign(core))[:2] for core in cores]
            assert kinds[0] == kinds[1]
        return
    for call_kwargs in (kwargs, {}):
        _same_junk_outcome(
            lambda core, call_kwargs=call_kwargs: getattr(
                INSTANCES[instance](core), name
            )(*args, **call_kwargs),
            cores,
        )


def test_both_cores_answer_junk_alike(c_core: ModuleType) -> None:
    cores = (c_core, load_core("python"))
    constructors_answer_junk_alike(cores)
    methods_answer_junk_alike(cores)
    assert_clean_context()


# --- aiomoto's public functions, with junk ----------------------------------------

PUBLIC_ERRORS = (TypeError, ValueError, RuntimeError)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(args=ARGS, kwargs=KWARGS)
def test_public_functions_refuse_junk_with_a_clear_error(
    args: list[Any], kwargs: dict[str, Any]
) -> None:
    snapshot = Snapshot.take(_points())
    for function in (aiomoto.mock_aws, aiomoto.MockAWS, aiomoto.reset):
        try:
            result = function(*args, **kwargs)
        except PUBLIC_ERRORS as error:
            assert str(error), f"{function.__name__} raised {error!r} without a message"
            continue
        # What succeeds builds a context (not entered) or decorates a callable.
        assert isinstance(result, aiomoto.MockAWS) or callable(result) or result is None
    try:
        aiomoto.mock_aws()(*args, **kwargs)  # decorating junk
    except PUBLIC_ERRORS as error:
        assert str(error)
    snapshot.assert_restored()


_POINTS: list[tuple[type, str]] = []


def _points() -> list[tuple[type, str]]:
    if not _POINTS:
        _POINTS.extend(patch_points())
    return _POINTS


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: aiomoto.mock_aws().start(reset=True, extra=1), TypeError),
        (lambda: aiomoto.mock_aws().stop(), RuntimeError),
        (lambda: aiomoto.reset(), RuntimeError),
        (lambda: aiomoto.mock_aws(config=[("s3", {})]), TypeError),
    ],
)
def test_misused_contexts_raise_and_leave_nothing(
    call: Callable[[], Any], error: type[Exception]
) -> None:
    snapshot = Snapshot.take(_points())
    with pytest.raises(error):
        call()
    snapshot.assert_restored()


# --- request bodies -------------------------------------------------------------


class AsyncBody:
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.largest_read = 0

    async def read(self, size: int = -1) -> bytes:
        chunk = self._data.read(size)
        self.largest_read = max(self.largest_read, self._data.tell())
        return chunk


class FailingAsyncBody:
    async def read(self, size: int = -1) -> bytes:
        raise OSError("the disk is on fire")


class StrAsyncBody:
    async def read(self, size: int = -1) -> str:
        return "text, not bytes"


class FailingSyncBody:
    def read(self, size: int = -1) -> bytes:
        raise OSError("the sync disk is on fire")


async def _put(body: Any) -> None:
    async with get_session().create_client("s3", region_name=REGION) as s3:
        await s3.put_object(Bucket="bodies", Key="k", Body=body)


def _put_sync(body: Any) -> None:
    boto3.client("s3", region_name=REGION).put_object(
        Bucket="bodies", Key="k", Body=body
    )


def _stored() -> bytes:
    s3 = boto3.client("s3", region_name=REGION)
    data: bytes = s3.get_object(Bucket="bodies", Key="k")["Body"].read()
    return data


@pytest.fixture
def bucket() -> Iterator[None]:
    snapshot = Snapshot.take(_points())
    with aiomoto.mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="bodies")
        yield
    snapshot.assert_restored()


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (123, botocore.exceptions.ParamValidationError, "Invalid type for parameter"),
        ({"a": 1}, botocore.exceptions.ParamValidationError, "valid types"),
        (None, botocore.exceptions.ParamValidationError, "Invalid type"),
        (memoryview(b"x"), botocore.exceptions.ParamValidationError, "Invalid type"),
        (io.StringIO("text"), TypeError, "bytes-like"),
        (FailingSyncBody(), OSError, "the sync disk is on fire"),
    ],
    ids=["int", "dict", "None", "memoryview", "StringIO", "failing-read"],
)
def test_bad_bodies_fail_as_they_do_for_boto3_and_the_context_goes_on(
    bucket: None, body: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        _put_sync(body)
    if isinstance(body, io.StringIO):
        body.seek(0)
    with pytest.raises(error, match=message):
        asyncio.run(_put(body))
    asyncio.run(_put(b"fine"))
    assert _stored() == b"fine"


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (FailingAsyncBody(), OSError, "the disk is on fire"),
        (StrAsyncBody(), TypeError, "bytes"),
    ],
    ids=["raising", "returns-str"],
)
def test_async_bodies_that_fail_raise_and_the_context_goes_on(
    bucket: None, body: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        asyncio.run(_put(body))
    assert not state.dispatch_lock.locked()
    asyncio.run(_put(AsyncBody(b"fine")))
    assert _stored() == b"fine"


@pytest.mark.parametrize(
    "body",
    [b"", "héllo", bytearray(b"ba"), io.BytesIO(b"bio"), AsyncBody(b"async")],
    ids=["empty", "str", "bytearray", "BytesIO", "async"],
)
def test_every_kind_of_good_body_is_stored(bucket: None, body: Any) -> None:
    asyncio.run(_put(body))
    expected = {
        bytes: b"",
        str: "héllo".encode(),
        bytearray: b"ba",
        io.BytesIO: b"bio",
        AsyncBody: b"async",
    }[type(body)]
    assert _stored() == expected


# --- the body size limit ------------------------------------------------------------

LIMIT = 1000
BIG = b"x" * (5 * 1024 * 1024)  # more than the 1 MiB aiobotocore reads at once


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AIOMOTO_MAX_BODY_BYTES", str(LIMIT))
    snapshot = Snapshot.take(_points())
    with aiomoto.mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="bodies")
        yield
    snapshot.assert_restored()


@pytest.mark.parametrize(
    ("make_body", "size"),
    [
        (lambda: b"x" * (LIMIT + 1), LIMIT + 1),
        (lambda: bytearray(LIMIT + 1), LIMIT + 1),
        (lambda: "é" * (LIMIT // 2 + 1), LIMIT + 2),  # 2 bytes each in UTF-8
        (lambda: io.BytesIO(b"x" * (LIMIT + 1)), LIMIT + 1),
        (lambda: AsyncBody(BIG), None),  # of unknown size
    ],
    ids=["bytes", "bytearray", "str", "BytesIO", "async"],
)
def test_a_body_over_the_limit_is_refused_clearly(
    limited: None, make_body: Callable[[], Any], size: int | None
) -> None:
    body = make_body()
    with pytest.raises(aiomoto.RequestBodyTooLargeError) as refused:
        asyncio.run(_put(body))
    assert refused.value.limit == LIMIT
    assert refused.value.size == size  # known sizes: refused before reading
    assert "AIOMOTO_MAX_BODY_BYTES=1000" in str(refused.value)
    assert "PUT https://bodies.s3.amazonaws.com/k" in str(refused.value)
    if isinstance(body, AsyncBody):
        assert body.largest_read < len(BIG)  # reading stopped past the limit
    assert not state.dispatch_lock.locked()
    # The context goes on: a body at the limit is taken, of every kind.
    for fits in (b"y" * LIMIT, "é" * (LIMIT // 2), AsyncBody(b"z" * 500)):
        asyncio.run(_put(fits))
    assert _stored() == b"z" * 500


def test_an_in_memory_body_over_the_limit_reports_its_size(limited: None) -> None:
    async def put_item(size: int) -> None:
        async with get_session().create_client("dynamodb", region_name=REGION) as db:
            await db.put_item(
                TableName="t", Item={"k": {"S": "x"}, "v": {"S": "v" * size}}
            )

    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    with pytest.raises(aiomoto.RequestBodyTooLargeError) as refused:
        asyncio.run(put_item(2 * LIMIT))
    assert refused.value.size is not None
    assert 2 * LIMIT < refused.value.size < 3 * LIMIT
    assert f"a {refused.value.size}-byte request body" in str(refused.value)
    asyncio.run(put_item(10))
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName="t", Key={"k": {"S": "x"}}
    )["Item"]
    assert item["v"] == {"S": "v" * 10}


def test_boto3_bodies_are_not_limited(limited: None) -> None:
    """The limit is on the async path, where aiomoto reads bodies itself."""
    _put_sync(b"x" * (LIMIT + 1))
    assert len(_stored()) == LIMIT + 1


@pytest.mark.parametrize("value", ["lots", "-1", "1.5"])
def test_a_malformed_limit_is_refused_at_enter(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    # Learnt first: learning enters a context, which the setting would refuse.
    points = _points()
    monkeypatch.setenv("AIOMOTO_MAX_BODY_BYTES", value)
    snapshot = Snapshot.take(points)
    with pytest.raises(ValueError, match="AIOMOTO_MAX_BODY_BYTES must be a whole"):
        aiomoto.mock_aws().start()
    snapshot.assert_restored()
    monkeypatch.delenv("AIOMOTO_MAX_BODY_BYTES")
    assert_clean_context()


# --- unknown services -----------------------------------------------------------------


def test_unknown_services_are_refused_and_the_context_goes_on() -> None:
    async def create(name: str) -> None:
        async with get_session().create_client(name, region_name=REGION):
            pass

    with aiomoto.mock_aws():
        with pytest.raises(botocore.exceptions.UnknownServiceError, match="nope"):
            boto3.client("nope", region_name=REGION)  # type: ignore[call-overload]
        with pytest.raises(botocore.exceptions.UnknownServiceError, match="nope"):
            asyncio.run(create("nope"))
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="still-here")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["still-here"]


def test_services_moto_lacks_raise_a_clear_error_and_the_context_goes_on() -> None:
    async def call() -> None:
        async with get_session().create_client(
            "ivs-realtime", region_name=REGION
        ) as client:
            await client.list_stages()

    with aiomoto.mock_aws():
        with pytest.raises(aiomoto.NotImplementedByMotoError, match="ivs"):
            asyncio.run(call())
        with pytest.raises(aiomoto.NotImplementedByMotoError, match="ivs"):
            boto3.client("ivs-realtime", region_name=REGION).list_stages()
        assert not state.dispatch_lock.locked()
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="still-here")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["still-here"]
