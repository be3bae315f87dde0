"""aiomoto's engine in pure Python: the API of the C extension ``aiomoto._core``.

Every type and function of ``_core.pyi`` is here with the extension's
behaviour, its error types and its messages, for the Pythons the extension
is not built for (PyPy) and for ``AIOMOTO_NO_EXTENSIONS`` (see
``aiomoto._engine``, which chooses between the two).  The differences are
the ones a Python class cannot avoid: arity errors are the interpreter's own,
``Ready.__await__`` returns a generator rather than the Ready itself, and the
dispatcher's own frame sits between the emitter and Moto.

The C relies on the GIL for the few fields that change after construction;
here each has a lock of its own, so the types stay correct on free-threaded
builds and on PyPy:

- a RawStream's position and closed flag: its ``_lock``, held for each read;
- an AsyncResponse's lazily built raw stream: the module's ``_raw_lock``,
  held only while one is built;
- a DispatchLock's owner and count: written only by the thread holding its
  underlying lock, which is how ``threading.RLock``'s Python version works.

``configure()``'s settings are module globals, each read once per use, so
replacing them while a request runs is safe without a lock.
"""

from __future__ import annotations

import operator
import os
import reprlib
import sys
import threading
from collections.abc import Awaitable, Callable, Generator
from types import CodeType, GenericAlias, MethodType, TracebackType
from typing import (
    Any,
    Generic,
    NoReturn,
    SupportsIndex,
    TypeAlias,
    TypeGuard,
    TypeVar,
    final,
    overload,
)

__all__ = [
    "AsyncResponse",
    "ChunkIterator",
    "DispatchLock",
    "Dispatcher",
    "RawStream",
    "Ready",
    "configure",
]

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)

# aiohttp reads the socket into 64 KiB buffers, so iterating and readany()
# hand out chunks of the size they would from a real connection.
_CHUNK_SIZE = 65536
# Sizes beyond this are clamped, as the C's Py_ssize_t sizes are.
_MAX_SIZE = sys.maxsize


# Py_TPFLAGS_IMMUTABLETYPE: set on the types of C modules (static or made from
# a spec), never on a class defined in Python.
_IMMUTABLE_TYPE = 1 << 8


def _type_name(value: object) -> str:
    """The type's name as the C's messages give it (its tp_name): a C
    module's types are qualified by their module, builtins and Python classes
    are not."""
    kind = type(value)
    if kind.__flags__ & _IMMUTABLE_TYPE and kind.__module__ != "builtins":
        return f"{kind.__module__}.{kind.__qualname__}"
    return kind.__name__


# --- configure() ---------------------------------------------------------------

# Unset (None) selects the fallback described at each use.
_headers_class: Callable[[Any], object] | None = None
_encoding_from_headers: Callable[[Any], str | None] | None = None
_closed_error: type[BaseException] | None = None


def _check_setting(name: str, value: object, valid: bool, expected: str) -> None:
    if value is not None and not valid:
        raise TypeError(
            f"configure() {name} must be {expected} or None, not {_type_name(value)}"
        )


def _is_exception_class(value: object) -> TypeGuard[type[BaseException]]:
    return isinstance(value, type) and issubclass(value, BaseException)


def configure(
    *,
    headers_class: Callable[[Any], object] | None,
    encoding_from_headers: Callable[[Any], str | None] | None,
    closed_error: type[BaseException] | None,
) -> None:
    """Supply the headers class, the charset lookup and the exception for
    reading a closed stream.  None restores a setting's fallback: headers as
    given, UTF-8, RuntimeError."""
    global _headers_class, _encoding_from_headers, _closed_error
    _check_setting("headers_class", headers_class, callable(headers_class), "callable")
    _check_setting(
        "encoding_from_headers",
        encoding_from_headers,
        callable(encoding_from_headers),
        "callable",
    )
    _check_setting(
        "closed_error",
        closed_error,
        _is_exception_class(closed_error),
        "an exception class",
    )
    _headers_class = headers_class
    _encoding_from_headers = encoding_from_headers
    _closed_error = closed_error


def _wrap_headers(headers: object) -> object:
    headers_class = _headers_class
    if headers_class is None:
        return headers
    if isinstance(headers_class, type) and isinstance(headers, headers_class):
        return headers
    return headers_class(headers)


# --- Ready ----------------------------------------------------------------------

# Ready._traceback of a Ready that completes with a value.
_VALUE: Any = object()


@final
class Ready(Generic[_T_co]):
    """An awaitable that has already completed with value (or, built with
    Ready.failed(exc), with an exception).  It never suspends, so it works
    under any event loop, and may be awaited repeatedly."""

    # _result is the value, or the exception when _traceback is not _VALUE;
    # _traceback is then the exception's traceback as first seen, restored
    # before every raise so that repeated awaits do not keep growing it.
    __slots__ = ("_result", "_traceback")
    _result: Any
    _traceback: Any

    def __new__(cls, value: _T_co) -> Ready[_T_co]:
        return _ready(value)

    def __class_getitem__(cls, item: Any, /) -> GenericAlias:
        return GenericAlias(cls, item)

    @classmethod
    def failed(cls, exc: BaseException, /) -> Ready[NoReturn]:
        """A Ready whose await raises exc."""
        if not isinstance(exc, BaseException):
            raise TypeError(
                f"Ready.failed() needs an exception instance, not {_type_name(exc)}"
            )
        self: Ready[NoReturn] = _new_object(Ready)
        self._result = exc
        self._traceback = exc.__traceback__
        return self

    def _raise(self) -> NoReturn:
        raise self._result.with_traceback(self._traceback)

    # A generator finishes an await by returning, without the StopIteration a
    # __next__ must raise: the cheaper of the two in Python.
    def __await__(self) -> Generator[Any, Any, _T_co]:
        if self._traceback is not _VALUE:
            self._raise()
        return self._result  # type: ignore[no-any-return]
        yield  # makes this a generator that finishes on its first step

    def __iter__(self) -> Ready[_T_co]:
        return self

    def __next__(self) -> NoReturn:
        if self._traceback is not _VALUE:
            self._raise()
        raise StopIteration(self._result)

    def send(self, value: object, /) -> NoReturn:
        """Finish at once, as a generator's return would."""
        self.__next__()

    @overload
    def throw(
        self, exc: BaseException, val: None = None, tb: TracebackType | None = None, /
    ) -> NoReturn: ...
    @overload
    def throw(
        self,
        typ: type[BaseException],
        val: object = None,
        tb: TracebackType | None = None,
        /,
    ) -> NoReturn: ...
    def throw(
        self, exc: Any, val: object = None, tb: TracebackType | None = None, /
    ) -> NoReturn:
        """Raise the given exception: throw(exc) or throw(typ[, val[, tb]])."""
        if tb is not None and not isinstance(tb, TracebackType):
            raise TypeError("throw() third argument must be a traceback object")
        thrown = _instantiate_thrown(exc, val)
        if not isinstance(thrown, BaseException):
            raise TypeError(
                f"calling {exc!r} should have returned an instance of "
                f"BaseException, not {_type_name(thrown)}"
            )
        if tb is not None:
            thrown = thrown.with_traceback(tb)
        raise thrown

    def close(self) -> None:
        """Do nothing; already complete."""

    @reprlib.recursive_repr("<Ready ...>")
    def __repr__(self) -> str:
        if self._traceback is _VALUE:
            return f"<Ready value={self._result!r}>"
        return f"<Ready exception={self._result!r}>"


_new_object: Any = object.__new__


def _ready(value: _T) -> Ready[_T]:
    """Ready(value), without the class call."""
    self: Ready[_T] = _new_object(Ready)
    self._result = value
    self._traceback = _VALUE
    return self


def _instantiate_thrown(typ: object, val: object) -> object:
    """The exception a generator's throw(typ[, val[, tb]]) would raise."""
    if isinstance(typ, BaseException):
        if val is not None:
            raise TypeError("instance exception may not have a separate value")
        return typ
    if not _is_exception_class(typ):
        raise TypeError(
            "exceptions must be classes or instances deriving from BaseException, "
            f"not {_type_name(typ)}"
        )
    if val is None:
        return typ()
    if isinstance(val, typ):
        return val
    if isinstance(val, tuple):
        return typ(*val)
    return typ(val)


def _closed_ready() -> Ready[NoReturn]:
    """Reading a closed stream fails at the await, as aiohttp's does."""
    return Ready.failed((_closed_error or RuntimeError)("Connection closed"))


# --- RawStream and ChunkIterator --------------------------------------------------


def _size(name: str, n: object) -> int:
    """A size argument as an int; any object with __index__ is one."""
    if type(n) is int:
        return n
    if not hasattr(type(n), "__index__"):
        raise TypeError(f"{name}() argument must be an int, not {_type_name(n)}")
    return operator.index(n)  # type: ignore[arg-type]


def _clamp(n: int) -> int:
    return max(-_MAX_SIZE - 1, min(n, _MAX_SIZE))


# ChunkIterator modes, indexes into _MODE_NAMES.
_CHUNKS_AS_TUPLES = 0  # iter_chunks(): (bytes, True)
_CHUNKS_OF_SIZE = 1  # iter_chunked(n): bytes of n
_CHUNKS_ANY = 2  # iter_any(): bytes of up to _CHUNK_SIZE
_MODE_NAMES = ("iter_chunks", "iter_chunked", "iter_any")

# What a locked read returns when the stream refuses reads, and when it is at
# EOF for an iterator.
_REFUSED: Any = object()
_EXHAUSTED: Any = object()


@final
class RawStream:
    """An in-memory HTTP response body with aiohttp's
    ClientResponse/StreamReader reading interface.

    Every read completes at once and is returned as a Ready.  A read that
    covers the whole body returns the body itself; any other copies only the
    bytes it returns.  It has a __dict__ because aiobotocore wraps it in a
    wrapt ObjectProxy whose subclasses set attributes on it.
    """

    # _pos and _closed change only with _lock held; _body and _url are fixed.
    __slots__ = ("__dict__", "_body", "_closed", "_lock", "_pos", "_url")
    _body: bytes
    _url: str | None
    _pos: int
    _closed: bool
    _lock: threading.Lock

    def __new__(cls, body: bytes, url: str | None = None) -> RawStream:
        return _raw_stream(body, url)

    # ---- reading, with _lock held by the caller ----

    def _refuses_reads(self) -> bool:
        # aiohttp gives a response without a body a shared empty reader that
        # ignores close() and keeps answering b"", so an empty body reads as
        # empty even after close.
        return self._closed and len(self._body) > 0

    def _consume(self, n: int) -> bytes:
        """Up to n (>= 0) bytes from the position on."""
        body, pos = self._body, self._pos
        if pos == 0 and n >= len(body):
            self._pos = len(body)
            return body
        chunk = body[pos : pos + n]
        self._pos = pos + len(chunk)
        return chunk

    def _chunk_pair(self) -> tuple[bytes, bool]:
        # aiohttp's readchunk() pairs data with "ends an HTTP chunk"; every
        # chunk here is complete, and EOF is reported as (b"", False).
        more = self._pos < len(self._body)
        return self._consume(_CHUNK_SIZE), more

    # ---- reading, each taking _lock ----

    def _take(self, n: int) -> Any:
        with self._lock:
            if self._refuses_reads():
                return _REFUSED
            return self._consume(n)

    def _take_line(self) -> Any:
        with self._lock:
            if self._refuses_reads():
                return _REFUSED
            end = self._body.find(b"\n", self._pos)
            return self._consume(_MAX_SIZE if end < 0 else end + 1 - self._pos)

    def _take_pair(self) -> Any:
        with self._lock:
            if self._refuses_reads():
                return _REFUSED
            return self._chunk_pair()

    def _take_next(self, mode: int, size: int) -> Any:
        with self._lock:
            if self._refuses_reads():
                return _REFUSED
            if self._pos == len(self._body):
                return _EXHAUSTED
            if mode == _CHUNKS_AS_TUPLES:
                return self._chunk_pair()
            return self._consume(size)

    # ---- the interface ----

    def read(self, n: SupportsIndex = -1, /) -> Ready[bytes]:
        """Up to n bytes; the rest if n < 0."""
        size = _size("read", n)
        chunk = self._take(size if size >= 0 else _MAX_SIZE)
        return _closed_ready() if chunk is _REFUSED else _ready(chunk)

    def readany(self) -> Ready[bytes]:
        """The next chunk; b'' at EOF."""
        chunk = self._take(_CHUNK_SIZE)
        return _closed_ready() if chunk is _REFUSED else _ready(chunk)

    def readexactly(self, n: SupportsIndex, /) -> Ready[bytes]:
        """Exactly n bytes, else asyncio.IncompleteReadError."""
        size = _size("readexactly", n)
        if size < 0:
            raise ValueError("readexactly size can not be less than zero")
        chunk = self._take(size)
        if chunk is _REFUSED:
            return _closed_ready()
        if len(chunk) == size:
            return _ready(chunk)
        # Imported on demand: asyncio is heavy and only this error needs it.
        from asyncio import IncompleteReadError

        return Ready.failed(IncompleteReadError(chunk, _clamp(size)))

    def readline(self) -> Ready[bytes]:
        """Through the next newline, or the rest."""
        line = self._take_line()
        return _closed_ready() if line is _REFUSED else _ready(line)

    def readchunk(self) -> Ready[tuple[bytes, bool]]:
        """(chunk, True); (b'', False) at EOF."""
        pair = self._take_pair()
        return _closed_ready() if pair is _REFUSED else _ready(pair)

    def at_eof(self) -> bool:
        """Whether all bytes are read."""
        return self._pos == len(self._body)

    def is_eof(self) -> bool:
        """Whether all bytes are read."""
        return self._pos == len(self._body)

    def tell(self) -> int:
        """The number of bytes read."""
        return self._pos

    def iter_chunks(self) -> ChunkIterator[tuple[bytes, bool]]:
        """Iterate (chunk, True) pairs."""
        return _chunk_iterator(self, _CHUNKS_AS_TUPLES, _CHUNK_SIZE)

    def iter_chunked(self, n: SupportsIndex, /) -> ChunkIterator[bytes]:
        """Iterate chunks of n bytes."""
        size = _clamp(_size("iter_chunked", n))
        if size <= 0:
            raise ValueError(f"iter_chunked() size must be positive, not {size}")
        return _chunk_iterator(self, _CHUNKS_OF_SIZE, size)

    def iter_any(self) -> ChunkIterator[bytes]:
        """Iterate chunks as they come."""
        return _chunk_iterator(self, _CHUNKS_ANY, _CHUNK_SIZE)

    def close(self) -> None:
        """Close; later reads fail."""
        with self._lock:
            self._closed = True

    def release(self) -> None:
        """As close()."""
        self.close()

    # httpx.Response's spelling of close(), awaited; lets body.aclose() reach
    # the stream through aiobotocore's proxy on releases whose body lacks it.
    def aclose(self) -> Ready[None]:
        """Close; resolve to None."""
        self.close()
        return _ready(None)

    def __aenter__(self) -> Ready[RawStream]:
        return _ready(self)

    # Resolves to None, never True, so exceptions leaving the block propagate.
    def __aexit__(self, *exc_info: object) -> Ready[None]:
        self.close()
        return _ready(None)

    # aiobotocore reads through raw.content.read(n) while other callers use
    # raw.read(); with the whole body in memory one object plays both.
    @property
    def content(self) -> RawStream:
        """The stream itself."""
        return self

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return self._closed

    @property
    def url(self) -> str | None:
        """The request URL, or None."""
        return self._url

    def __repr__(self) -> str:
        closed = " closed" if self._closed else ""
        return f"<RawStream {self._pos}/{len(self._body)} bytes{closed}>"


def _raw_stream(body: bytes, url: str | None) -> RawStream:
    if not isinstance(body, bytes):
        raise TypeError(f"RawStream body must be bytes, not {_type_name(body)}")
    if url is not None and not isinstance(url, str):
        raise TypeError(f"RawStream url must be str or None, not {_type_name(url)}")
    self: RawStream = _new_object(RawStream)
    self._body = body
    self._url = url
    self._pos = 0
    self._closed = False
    self._lock = threading.Lock()
    return self


@final
class ChunkIterator(Generic[_T_co]):
    """Async iterator over a RawStream's remaining bytes; made by
    RawStream.iter_chunks(), iter_chunked() and iter_any()."""

    __slots__ = ("_mode", "_size", "_stream")
    _stream: RawStream
    _mode: int
    _size: int

    # Made only by RawStream's iter_* methods.
    def __new__(cls) -> ChunkIterator[Any]:
        raise TypeError(
            f"cannot create '{cls.__module__}.{cls.__qualname__}' instances"
        )

    def __class_getitem__(cls, item: Any, /) -> GenericAlias:
        return GenericAlias(cls, item)

    def __aiter__(self) -> ChunkIterator[_T_co]:
        return self

    def __anext__(self) -> Ready[_T_co]:
        chunk = self._stream._take_next(self._mode, self._size)
        if chunk is _REFUSED:
            return _closed_ready()
        if chunk is _EXHAUSTED:
            return Ready.failed(StopAsyncIteration())
        return _ready(chunk)

    def __repr__(self) -> str:
        return f"<ChunkIterator {_MODE_NAMES[self._mode]} of {self._stream!r}>"


def _chunk_iterator(stream: RawStream, mode: int, size: int) -> ChunkIterator[Any]:
    self: ChunkIterator[Any] = _new_object(ChunkIterator)
    self._stream = stream
    self._mode = mode
    self._size = size
    return self


# --- AsyncResponse ----------------------------------------------------------------

# Held while a response builds its raw stream, so that two threads asking at
# once get the same one.  A fork could copy it held by a thread the child
# lacks: the child gets a fresh one.
_raw_lock = threading.Lock()


def _renew_raw_lock() -> None:
    global _raw_lock
    _raw_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_raw_lock)


def _status_as_int(status_code: object) -> int:
    if type(status_code) is int:
        return status_code
    if not hasattr(type(status_code), "__index__"):
        raise TypeError(
            f"AsyncResponse status_code must be an int, not {_type_name(status_code)}"
        )
    return operator.index(status_code)  # type: ignore[arg-type]


def _body_as_bytes(body: object) -> bytes:
    """A str body is encoded once so every later read shares one bytes
    object; other bytes-like bodies are copied once."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return str.encode(body)
    try:
        view = memoryview(body)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"AsyncResponse body must be bytes or str, not {_type_name(body)}"
        ) from None
    with view:
        return view.tobytes()


@final
class AsyncResponse:
    """A complete HTTP response with the interface aiobotocore expects of
    AioAWSResponse.  content and text are Ready awaitables; the raw stream is
    only built if something asks for it."""

    # _status_code is rewritten by botocore's handlers; _raw is built once,
    # under _raw_lock; the others are fixed.
    __slots__ = ("_body", "_headers", "_raw", "_status_code", "_url")
    _url: str
    _status_code: int
    _headers: Any
    _body: bytes
    _raw: RawStream | None

    def __new__(
        cls,
        url: str,
        status_code: SupportsIndex,
        headers: object,
        body: bytes | bytearray | memoryview | str,
    ) -> AsyncResponse:
        return _async_response(url, status_code, headers, body)

    @property
    def url(self) -> str:
        return self._url

    # Writable because botocore's and aiobotocore's handlers rewrite it, e.g.
    # to 500 for an S3 "200 with an error body" so that the call is retried.
    @property
    def status_code(self) -> int:
        """The HTTP status as an int."""
        return self._status_code

    @status_code.setter
    def status_code(self, value: SupportsIndex) -> None:
        self._status_code = _status_as_int(value)

    @status_code.deleter
    def status_code(self) -> NoReturn:
        raise AttributeError("cannot delete status_code")

    @property
    def headers(self) -> Any:
        return self._headers

    @property
    def raw(self) -> RawStream:
        """RawStream over the body, created on first access."""
        raw = self._raw
        if raw is None:
            with _raw_lock:
                raw = self._raw
                if raw is None:
                    raw = self._raw = _raw_stream(self._body, self._url)
        return raw

    @property
    def content(self) -> Ready[bytes]:
        """Ready[bytes]: the whole body."""
        return _ready(self._body)

    # aiobotocore's text is a coroutine, so a body that fails to decode
    # raises where it is awaited; the Ready carries the error there.
    @property
    def text(self) -> Ready[str]:
        """Ready[str]: the body decoded per the headers' charset, else UTF-8."""
        try:
            return _ready(self._decode())
        except BaseException as error:  # as the C: raised at the await
            return Ready.failed(error)

    def _decode(self) -> str:
        lookup = _encoding_from_headers
        encoding = None if lookup is None else lookup(self._headers)
        if encoding is not None and not isinstance(encoding, str):
            raise TypeError(
                "encoding_from_headers() must return str or None, "
                f"not {_type_name(encoding)}"
            )
        # aiobotocore treats a falsy encoding as "not given".
        return bytes.decode(self._body, encoding or "utf-8")

    @property
    def _content(self) -> bytes:
        """The body as bytes."""
        return self._body

    def __repr__(self) -> str:
        return f"<AsyncResponse [{self._status_code}]>"


def _async_response(
    url: object, status_code: object, headers: object, body: object
) -> AsyncResponse:
    if not isinstance(url, str):
        raise TypeError(f"AsyncResponse url must be str, not {_type_name(url)}")
    status = _status_as_int(status_code)
    wrapped = _wrap_headers(headers)
    data = _body_as_bytes(body)
    self: AsyncResponse = _new_object(AsyncResponse)
    self._url = url
    self._status_code = status
    self._headers = wrapped
    self._body = data
    self._raw = None
    return self


# --- DispatchLock -------------------------------------------------------------------


@final
class DispatchLock:
    """The reentrant lock the Dispatcher holds while Moto handles a request.

    Moto's backends are process-global and mostly unlocked; the Dispatcher
    holds this only while Moto runs, never across an await.  Reentrant,
    because a Moto handler may itself call boto3 against Moto.  Code that
    waits inside Moto gives it up with _release_save() and takes it back with
    _acquire_restore(), the protocol threading.Condition uses.
    """

    # _owner and _count are written only by the thread holding _lock, so a
    # thread reading _owner sees its own ident only if it holds the lock.
    __slots__ = ("_count", "_lock", "_owner")
    _lock: threading.Lock
    _owner: int | None
    _count: int

    def __new__(cls) -> DispatchLock:
        self: DispatchLock = _new_object(cls)
        self._lock = threading.Lock()
        self._owner = None
        self._count = 0
        return self

    def acquire(self, blocking: bool = True) -> bool:
        """Acquire, reentrantly; False if not blocking and another thread
        holds it."""
        if blocking or self._owner == threading.get_ident():
            _lock_acquire(self)
            return True
        if not self._lock.acquire(False):
            return False
        self._owner = threading.get_ident()
        self._count = 1
        return True

    def release(self) -> None:
        """Release one level of this thread's hold."""
        if self._owner != threading.get_ident():
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if self._count == 0:
            self._owner = None
            self._lock.release()

    def __enter__(self) -> bool:
        _lock_acquire(self)
        return True

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def locked(self) -> bool:
        """Whether any thread holds the lock."""
        return self._count > 0

    def _is_owned(self) -> bool:
        """Whether this thread holds the lock."""
        return self._owner == threading.get_ident()

    def _release_save(self) -> int:
        """Release this thread's hold entirely; return the depth to pass to
        _acquire_restore (0 if not held)."""
        if self._owner != threading.get_ident():
            return 0
        count = self._count
        self._count = 0
        self._owner = None
        self._lock.release()
        return count

    def _acquire_restore(self, count: int, /) -> None:
        """Acquire again to the depth _release_save returned; nothing for 0."""
        if not isinstance(count, int):
            raise TypeError("an integer is required")
        count = operator.index(count)
        if _clamp(count) != count:
            raise OverflowError("Python int too large to convert to C ssize_t")
        if count < 0:
            raise ValueError("_acquire_restore() count must be >= 0")
        if count == 0:
            return
        if self._owner == threading.get_ident():
            raise RuntimeError("_acquire_restore() called while holding the lock")
        self._lock.acquire()
        self._owner = threading.get_ident()
        self._count = count

    def _after_fork(self) -> None:
        """In a forked child, drop a hold by a thread that no longer exists;
        for os.register_at_fork."""
        # Only the forking thread survives a fork.  A lock it holds, or a free
        # one, is kept; one held by any other thread would never be released,
        # so it is replaced.  Only trying the lock tells whether it is free.
        if self._owner == threading.get_ident():
            return
        if self._lock.acquire(False):
            self._lock.release()
            return
        self._lock = threading.Lock()
        self._owner = None
        self._count = 0

    def __repr__(self) -> str:
        count = self._count
        if count == 0:
            return "<DispatchLock unlocked>"
        return f"<DispatchLock locked by thread {self._owner}, count={count}>"


def _lock_acquire(lock: DispatchLock) -> int:
    """Acquire reentrantly, waiting as long as it takes; the holder's ident.
    The wait is interruptible: a signal handler that raises
    (KeyboardInterrupt) ends it, with the exception raised and the lock not
    taken."""
    me = threading.get_ident()
    if lock._owner == me:
        lock._count += 1
        return me
    lock._lock.acquire()
    lock._owner = me
    lock._count = 1
    return me


# --- Dispatcher ---------------------------------------------------------------------

# (dispatcher, stubber, request, event_name): a response awaited later.
_AsyncHandler: TypeAlias = Callable[
    ["Dispatcher", Any, Any, "str | None"], Awaitable["AsyncResponse | None"]
]

# An argument not given, told apart from one given as None.
_ABSENT: Any = object()

_BAD_RESULT = "process_request() must return None or (status, headers, body)"

# Moto answers an AWS URL it has no handler for with a 404 whose body is
# this; with not_implemented set, the dispatcher raises NotImplementedError
# instead, which not_implemented then turns into an error naming the call.
_NOT_YET = "Not yet implemented"
_NOT_YET_BYTES = _NOT_YET.encode()


def _is_404(status: object) -> bool:
    return isinstance(status, int) and int.__eq__(status, 404) is True


def _is_not_yet_body(body: object) -> bool:
    if isinstance(body, str):
        return str.__eq__(body, _NOT_YET) is True
    if isinstance(body, bytes):
        return bytes.__eq__(body, _NOT_YET_BYTES) is True
    return False


def _is_not_yet_response(response: object) -> bool:
    """Whether Moto's sync AWSResponse is its "Not yet implemented" 404.
    Reading content caches it on the response, so botocore reads the same
    bytes later."""
    try:
        status = response.status_code  # type: ignore[attr-defined]
    except Exception:
        return False
    return _is_404(status) and _is_not_yet_body(response.content)  # type: ignore[attr-defined]


def _raise_not_yet(request: object) -> NoReturn:
    """NotImplementedError naming the request's method and URL when it has
    them."""
    if request is not _ABSENT:
        try:
            method = request.method  # type: ignore[attr-defined]
            url = request.url  # type: ignore[attr-defined]
        except AttributeError:
            pass
        else:
            raise NotImplementedError(
                f"no Moto handler for {method} {url}: Moto does not implement this "
                "service or operation"
            )
    raise NotImplementedError(
        "no Moto handler for this request: Moto does not implement this service "
        "or operation"
    )


def _argument(
    args: tuple[Any, ...], kwargs: dict[str, Any], position: int, name: str
) -> Any:
    """An argument after the stubber, as BotocoreStubber.__call__(self,
    event_name, request, **kwargs) would bind it; _ABSENT if not given."""
    if len(args) > position:
        return args[position]
    return kwargs.get(name, _ABSENT)


def _check_callable(name: str, value: object) -> None:
    if not callable(value):
        raise TypeError(f"Dispatcher {name} must be callable, not {_type_name(value)}")


@final
class Dispatcher:
    """A replacement for BotocoreStubber.__call__ that answers aiobotocore with
    an AsyncResponse and everything else with Moto's original __call__.

    The caller's code object tells the two apart: aiobotocore's async emitter
    (async_emit_code) gets an AsyncResponse, anything else Moto's original
    behaviour untouched.  With a DispatchLock, every call into Moto runs
    holding it.  With max_body_bytes, an async request whose in-memory body
    is larger goes to async_body_dispatch, which owns the limit's error;
    bodies that must be awaited always go there, and events named in
    deferred to their own handler.
    """

    __slots__ = (
        "_async_body_dispatch",
        "_async_emit_code",
        "_deferred",
        "_lock",
        "_max_body_bytes",
        "_not_implemented",
        "_original_call",
    )
    _original_call: Callable[..., object]
    _async_emit_code: CodeType
    _async_body_dispatch: _AsyncHandler
    _deferred: dict[str, _AsyncHandler]
    _lock: DispatchLock | None
    _max_body_bytes: int
    _not_implemented: Callable[[object, BaseException], BaseException | None] | None

    def __new__(
        cls,
        original_call: Callable[..., object],
        async_emit_code: CodeType,
        async_body_dispatch: _AsyncHandler,
        deferred: dict[str, _AsyncHandler] | None = None,
        *,
        lock: DispatchLock | None = None,
        max_body_bytes: int | None = None,
        not_implemented: Callable[[object, BaseException], BaseException | None]
        | None = None,
    ) -> Dispatcher:
        if not isinstance(async_emit_code, CodeType):
            # Worded as the C's argument parser words it, None by name.
            given = "None" if async_emit_code is None else _type_name(async_emit_code)
            raise TypeError(f"Dispatcher() argument 2 must be code, not {given}")
        if deferred is not None and not isinstance(deferred, dict):
            raise TypeError(
                f"Dispatcher() argument 4 must be dict, not {_type_name(deferred)}"
            )
        _check_callable("original_call", original_call)
        _check_callable("async_body_dispatch", async_body_dispatch)
        if not_implemented is not None:
            _check_callable("not_implemented", not_implemented)
        if lock is not None and type(lock) is not DispatchLock:
            raise TypeError(
                "Dispatcher lock must be a DispatchLock or None, not "
                f"{_type_name(lock)}"
            )
        self: Dispatcher = _new_object(cls)
        self._original_call = original_call
        self._async_emit_code = async_emit_code
        self._async_body_dispatch = async_body_dispatch
        self._deferred = {} if deferred is None else deferred
        self._lock = lock
        self._max_body_bytes = _body_limit(max_body_bytes)
        self._not_implemented = not_implemented
        return self

    @property
    def __wrapped__(self) -> Callable[..., object]:
        """Moto's original BotocoreStubber.__call__."""
        return self._original_call

    @property
    def lock(self) -> DispatchLock | None:
        """The DispatchLock held while Moto runs, or None."""
        return self._lock

    @property
    def max_body_bytes(self) -> int:
        """The largest async request body passed to Moto; -1 for no limit."""
        return self._max_body_bytes

    # Binds like a function, so that as BotocoreStubber.__call__ it receives
    # the stubber as its first argument.
    @overload
    def __get__(self, obj: None, owner: type | None = None, /) -> Dispatcher: ...
    @overload
    def __get__(
        self, obj: object, owner: type | None = None, /
    ) -> Callable[..., Any]: ...
    def __get__(self, obj: object, owner: type | None = None, /) -> Any:
        if obj is None:
            if owner is None:
                raise TypeError("__get__(None, None) is invalid")
            return self
        return MethodType(self, obj)

    def __call__(self, stubber: Any, /, *args: Any, **kwargs: Any) -> Any:
        # The frame below this one is the code that called the stubber.
        try:
            caller = sys._getframe(1).f_code
        except ValueError:  # called with no Python frame below
            caller = None
        try:
            if caller is self._async_emit_code:
                return self._dispatch_async(stubber, args, kwargs)
            return self._call_sync(stubber, args, kwargs)
        except NotImplementedError as error:
            if self._not_implemented is None:
                raise
            failure = error
        event_name = _argument(args, kwargs, 0, "event_name")
        raise self._explain(failure, None if event_name is _ABSENT else event_name)

    def respond(
        self, stubber: Any, request: Any, event_name: str | None = None, /
    ) -> AsyncResponse | None:
        """Let Moto process request and wrap its answer for aiobotocore;
        with the event name, NotImplementedError is explained."""
        if not stubber.enabled:
            return None
        try:
            return self._respond_enabled(stubber, request)
        except NotImplementedError as error:
            if self._not_implemented is None:
                raise
            failure = error
        raise self._explain(failure, event_name)

    def _locked(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call into Moto holding the lock; the local reference keeps the lock
        that was acquired the one released."""
        lock = self._lock
        if lock is None:
            return call(*args, **kwargs)
        me = _lock_acquire(lock)
        try:
            return call(*args, **kwargs)
        finally:
            # Released here rather than by a call: an exception raised
            # asynchronously (a signal handler's KeyboardInterrupt) lands as
            # a function is entered, and landing in a release function would
            # leave Moto locked.  Not held here only if Moto waited without
            # it (_release_save) and was interrupted taking it back.
            if lock._owner == me:
                lock._count -= 1
                if lock._count == 0:
                    lock._owner = None
                    lock._lock.release()

    def _call_sync(
        self, stubber: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        result = self._locked(self._original_call, stubber, *args, **kwargs)
        if (
            result is not None
            and self._not_implemented is not None
            and _is_not_yet_response(result)
        ):
            _raise_not_yet(_argument(args, kwargs, 1, "request"))
        return result

    def _dispatch_async(
        self, stubber: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        request = _argument(args, kwargs, 1, "request")
        if request is _ABSENT:
            raise TypeError(
                "BotocoreStubber.__call__() needs self and a 'request' argument"
            )
        if not stubber.enabled:
            return None
        event_name = _argument(args, kwargs, 0, "event_name")
        # Operations that wait inside Moto, such as SQS long polls, have a
        # handler of their own: they must not run on the event loop's thread.
        deferred = self._deferred
        if deferred and event_name is not _ABSENT:
            handler = dict.get(deferred, event_name)
            if handler is not None:
                return handler(self, stubber, request, event_name)
        if self._in_memory(request.body):
            return self._respond_enabled(stubber, request)
        return self._async_body_dispatch(
            self, stubber, request, None if event_name is _ABSENT else event_name
        )

    def _in_memory(self, body: object) -> bool:
        """Whether Moto can read body without awaiting, within the limit.  A
        str's UTF-8 size is up to 4 bytes a character; one that might be over
        goes to async_body_dispatch, which measures it."""
        if body is None:
            return True
        limit = self._max_body_bytes
        if isinstance(body, (bytes, bytearray)):
            size = len(body)
        elif isinstance(body, str):
            size, limit = len(body), limit // 4
        else:
            return False
        return self._max_body_bytes < 0 or size <= limit

    def _respond_enabled(self, stubber: Any, request: Any) -> AsyncResponse | None:
        result = self._locked(stubber.process_request, request)
        if result is None:
            return None
        # Moto returns (status, headers, body); unpack it as its __call__ would.
        if type(result) is tuple or type(result) is list:
            items = result
        else:
            try:
                iterator = iter(result)
            except TypeError:
                raise TypeError(_BAD_RESULT) from None
            items = list(iterator)
        if len(items) != 3:
            raise TypeError(f"{_BAD_RESULT}, not {len(items)} items")
        status, headers, body = items
        if (
            self._not_implemented is not None
            and _is_404(status)
            and _is_not_yet_body(body)
        ):
            _raise_not_yet(request)
        return _async_response(request.url, status, headers, body)

    def _explain(self, error: NotImplementedError, event_name: object) -> BaseException:
        """What not_implemented(event_name, error) returns, to raise in place
        of Moto's NotImplementedError and chained to it; the error itself when
        that is None.  Only the dispatcher knows the event name --
        before-send.SERVICE.OPERATION -- that names the call."""
        assert self._not_implemented is not None
        replacement = self._not_implemented(event_name, error)
        if replacement is None:
            return error
        if not isinstance(replacement, BaseException):
            return TypeError(
                "not_implemented must return an exception or None, "
                f"not {_type_name(replacement)}"
            )
        replacement.__cause__ = error
        replacement.__context__ = error
        return replacement

    def __repr__(self) -> str:
        return f"<Dispatcher wrapping {self._original_call!r}>"


def _body_limit(max_body_bytes: object) -> int:
    if max_body_bytes is None:
        return -1
    if not isinstance(max_body_bytes, int):
        raise TypeError(
            "Dispatcher max_body_bytes must be an int or None, not "
            f"{_type_name(max_body_bytes)}"
        )
    limit = operator.index(max_body_bytes)
    if _clamp(limit) != limit:
        raise OverflowError("Python int too large to convert to C ssize_t")
    if limit < 0:
        raise ValueError("Dispatcher max_body_bytes must be >= 0 or None")
    return limit
