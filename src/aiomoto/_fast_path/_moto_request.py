"""Moto's normalized request, built straight from botocore's prepared request.

Before Moto's handlers see a request, ``moto.core.request.normalize_request``
turns botocore's ``AWSPreparedRequest`` into a werkzeug request.  It does so
through werkzeug's ``EnvironBuilder``, a general tool for test clients: it
parses the URL again, converts it to a URI and back, copies the headers
through two header lists and builds a WSGI environ from them -- about a
tenth of a whole call.  Moto's ``raw_url`` then adds werkzeug's host
validation and IRI conversion of the URL's origin.

:func:`normalize` writes the same environ dict directly and wraps it in
Moto's own ``Request`` class, so handlers read exactly what they read from
Moto's.  The parts that depend only on the URL's origin (scheme and host:
``SERVER_NAME``, ``SERVER_PORT``, ``HTTP_HOST`` and the constant WSGI keys)
and the URL root ``raw_url`` starts with are made by werkzeug itself, once
per origin (and Host header), and kept.  What varies per request follows
werkzeug's rules:

* The path, without the ``;params`` ``urlparse`` splits off, is
  ``REQUEST_URI`` and ``RAW_URI``; ``PATH_INFO`` is the path converted to a
  URI and percent-decoded.  Both are written as WSGI's latin-1 strings.
* A ``Content-Type`` header becomes ``CONTENT_TYPE`` (the first one wins);
  ``Content-Length`` headers are dropped and ``CONTENT_LENGTH`` is the
  body's length, as werkzeug counts it when it is given the body.
* The other headers become ``HTTP_*`` keys, repeated names joined by ", ".
* Moto's additions: the original spelling of header names it preserves,
  and ``CONTENT_LENGTH`` "0" when the body was empty.

Requests of shapes werkzeug treats specially -- a path that is empty or
starts with ``//`` (which URL parsing reads as a host), an empty
multipart form (werkzeug writes one with a random boundary), a header value
with a line break (werkzeug refuses it), a body that is neither bytes nor
text -- are left to Moto's own ``Request.from_primitives``.

``aiomoto._internals.moto.missing_for_request_building`` builds canary
requests both ways and compares them; a Moto or werkzeug release that
builds differently switches this piece off, and Moto's code answers.
"""

from __future__ import annotations

import functools
import io
import sys
from typing import Any, NamedTuple
from urllib.parse import quote, unquote, urlparse

from aiomoto._internals import botocore as _botocore
from aiomoto._internals import moto as _moto
from aiomoto._internals.botocore import AWSPreparedRequest

# The characters werkzeug's ``iri_to_uri`` leaves unquoted in a path.  Only
# "%" changes the result: every other quoted character is decoded again.
_PATH_SAFE = "%!$&'()*+,/:;=@"

# The environ keys werkzeug's ``url_root`` reads.
_ROOT_KEYS = (
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
)

_MULTIPART = "multipart/form-data"
_URL_ENCODED = "application/x-www-form-urlencoded"


class Normalized(NamedTuple):
    """Moto's request and the ``raw_url`` Moto's property would give for it."""

    request: Any
    raw_url: str


class _Headers(NamedTuple):
    # The first Content-Type value.
    content_type: str | None
    # ``HTTP_*`` environ keys and their joined values, in first-seen order.
    wsgi: dict[str, str]
    # Moto's record of the names whose spelling it keeps, by environ key.
    preserved: dict[str, str]


def normalize(request: AWSPreparedRequest) -> Normalized:
    """What ``moto.core.request.normalize_request(request)`` gives, and its
    ``raw_url``.

    The steps run in the order Moto and werkzeug run them (body unchunked,
    headers, path, origin, body read), so a request either side refuses
    raises the same error, and a stream is not read before a refusal.
    """
    body = request.body
    if isinstance(body, _moto.core_request.AwsChunkedWrapper):
        body = body.read()
    headers = _headers(request.headers)
    url = urlparse(request.url)
    if headers is None or not url.path.startswith("/") or url.path.startswith("//"):
        return _built_by_moto(request, body)
    path_info = _path_info(url.path)
    origin = _origin(url.scheme, url.netloc)
    data = _data(body)
    if data is not None and not isinstance(data, bytes):
        return _built_by_moto(request, data)
    if data is None and _mimetype(headers.content_type) == _MULTIPART:
        return _built_by_moto(request, body)

    # The origin's environ has werkzeug's keys in werkzeug's order; the
    # per-request ones are replaced in place.
    environ = dict(origin)
    raw_uri = _wsgi_string(url.path)
    environ["REQUEST_METHOD"] = request.method
    environ["PATH_INFO"] = path_info
    environ["QUERY_STRING"] = _wsgi_string(url.query)
    environ["REQUEST_URI"] = raw_uri
    environ["RAW_URI"] = raw_uri
    environ["wsgi.input"] = io.BytesIO(data or b"")
    # werkzeug takes the error stream at build time: pytest swaps it.
    environ["wsgi.errors"] = sys.stderr
    _add_content_keys(environ, headers.content_type, data)
    environ.update(headers.wsgi)

    moto_request = _moto.core_request.Request(environ)
    # Moto adds these after werkzeug's request is made; same order here.
    environ[_moto.core_request.PRESERVED_HEADER_NAMES_ENVIRON_KEY] = headers.preserved
    environ.setdefault("CONTENT_LENGTH", "0")

    root = _url_root(environ)
    raw_url = f"{root}{raw_uri}?{url.query}" if url.query else f"{root}{raw_uri}"
    return Normalized(moto_request, raw_url)


def _add_content_keys(
    environ: dict[str, Any], content_type: str | None, data: bytes | None
) -> None:
    """``CONTENT_TYPE`` and ``CONTENT_LENGTH`` where werkzeug puts them.

    werkzeug counts a body it is given, and an empty URL-encoded form it
    writes itself; otherwise it leaves the length out (Moto adds "0" last).
    """
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if data is not None:
        environ["CONTENT_LENGTH"] = str(len(data))
    elif _mimetype(content_type) == _URL_ENCODED:
        environ["CONTENT_LENGTH"] = "0"


def _built_by_moto(request: AWSPreparedRequest, body: Any) -> Normalized:
    """Moto's own request, for shapes :func:`normalize` leaves to it.

    ``body`` is what is left of the request's body after reading it, so a
    stream read here is not read twice.
    """
    built = _moto.core_request.Request.from_primitives(
        request.method, request.url, request.headers, body
    )
    return Normalized(built, built.raw_url)


def _headers(headers: Any) -> _Headers | None:
    """The headers as werkzeug and Moto file them, or None when werkzeug
    would refuse one (a value with a line break)."""
    preserve = _moto.core_request.should_preserve_original_header_name
    key_for = _moto.core_request.environ_key_for_header
    content_type = None
    wsgi: dict[str, str] = {}
    preserved: dict[str, str] = {}
    for name, value in _botocore.header_items(headers):
        lowered = name.lower()
        if lowered == "transfer-encoding":
            # Moto reads a chunked body whole, so the encoding no longer applies.
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        elif not isinstance(value, str):
            value = str(value)
        if "\n" in value or "\r" in value:
            return None
        if preserve(name):
            preserved[key_for(name)] = name
        if lowered == "content-type":
            if content_type is None:
                content_type = value
        elif lowered != "content-length":
            key = "HTTP_" + name.upper().replace("-", "_")
            joined = wsgi.get(key)
            wsgi[key] = value if joined is None else f"{joined}, {value}"
    return _Headers(content_type, wsgi, preserved)


def _data(body: Any) -> Any:
    """The body as werkzeug takes it: None when there is none (a false
    value is not read), else the bytes read or encoded from it -- or,
    from an odd stream, whatever it gave."""
    if not body:
        return None
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        return body.encode()
    return body


def _mimetype(content_type: str | None) -> str | None:
    return content_type.partition(";")[0].strip() if content_type else None


def _wsgi_string(text: str) -> str:
    """``text`` as WSGI carries it: its UTF-8 bytes read as latin-1."""
    return text.encode().decode("latin1")


def _path_info(path: str) -> str:
    """``PATH_INFO`` for a URL path: the path as a URI, percent-decoded.

    An ASCII path without "%" comes back unchanged; only percent escapes and
    non-ASCII characters need the round trip.
    """
    if path.isascii() and "%" not in path:
        return path
    return _wsgi_string(unquote(quote(path, safe=_PATH_SAFE)))


@functools.lru_cache(maxsize=256)
def _origin(scheme: str, netloc: str) -> dict[str, Any]:
    """The environ werkzeug builds for a bare GET to one origin.

    werkzeug makes it: it lower-cases and IDNA-encodes the host, normalizes
    the port, and fills in the server name and port and the constant keys.
    """
    return _moto.werkzeug_environ(f"{scheme}://{netloc}")


def _url_root(environ: dict[str, Any]) -> str:
    """Moto's ``url_root`` (without its trailing slash) for ``environ``.

    It depends only on the scheme, the host and server keys and the script
    name (botocore's Host header, where it sends one, is the host), so it is
    kept for each set of those values.
    """
    return _root_for(tuple(environ[key] for key in _ROOT_KEYS))


@functools.lru_cache(maxsize=256)
def _root_for(values: tuple[Any, ...]) -> str:
    """Moto's ``url_root`` for a request built from these ``_ROOT_KEYS``."""
    bare = dict(zip(_ROOT_KEYS, values, strict=True))
    root: str = _moto.core_request.Request(bare).url_root
    return root.rstrip("/")
