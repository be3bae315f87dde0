"""Python clients addressed to aiomoto's own endpoint are answered in-process.

A botocore, aiobotocore, aioboto3 or s3fs client whose ``endpoint_url`` is
the endpoint of this process (given explicitly, or through
``AWS_ENDPOINT_URL`` in server mode) still reaches Moto's ``before-send``
handler first.  There, before Moto routes the request, its URL is moved to
the AWS host Moto routes that service by -- the service and region read from
the request's SigV4 credential scope, as Moto's server does -- and the
request is answered as any other in-process request: no socket, the same
lock, the same backends the endpoint serves.  The request's path and query
stay as the client built them; only the scheme and host change.

Requests this cannot place (an unsigned request to a service other than S3,
a service Moto routes by no host) are answered by the endpoint's own WSGI
application, still inside the process.

The endpoint's lifecycle (``_server``) tells this module what it serves, with
:func:`serve`, when it starts and when it stops; nothing here reads the
lifecycle's state, so the dependency runs one way.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import moto.backend_index as backend_index
from botocore.awsrequest import AWSPreparedRequest

# "AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, ..."
_CREDENTIAL_SCOPE = re.compile(
    r"Credential=[^/,\s]+/[^/,\s]+/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)/"
)
# Moto's server takes an unsigned request for S3 in us-east-1.
_UNSIGNED = ("us-east-1", "s3")

_ProcessRequest = Callable[[Any, AWSPreparedRequest], Any]
_WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Served(NamedTuple):
    """The endpoint this process runs, as requests addressed to it need it."""

    url: str | None
    # How a request's URL starts when the client is addressed to it.
    url_prefixes: tuple[str, ...]
    app: _WSGIApp | None


# Replaced whole, never changed in place: a request reads it once.
_served = _Served(None, (), None)


def serve(url: str | None, url_prefixes: tuple[str, ...], app: _WSGIApp | None) -> None:
    """Answer in-process the requests whose URL starts with one of
    ``url_prefixes``: those of the endpoint at ``url``, whose WSGI application
    is ``app``.  Empty prefixes: the process runs no endpoint of its own."""
    global _served
    _served = _Served(url, url_prefixes, app)


def _header(request: AWSPreparedRequest, name: str) -> str:
    value = request.headers.get(name)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value or ""


def _scope(request: AWSPreparedRequest) -> tuple[str, str]:
    match = _CREDENTIAL_SCOPE.search(_header(request, "Authorization"))
    if match is None:
        return _UNSIGNED
    return match["region"], match["service"].lower()


def _signing_aliases() -> dict[str, str]:
    """Moto's server's table of signing names that differ from its backend's."""
    from moto.moto_server.werkzeug_app import SIGNING_ALIASES

    return dict(SIGNING_ALIASES)


def _candidate_hosts(region: str, service: str, path: str, target: str) -> list[str]:
    if service == "dynamodb" and target.startswith("DynamoDBStreams"):
        return [f"streams.dynamodb.{region}.amazonaws.com"]
    if service == "ses" and path.startswith("/v2/"):
        return [f"email.{region}.amazonaws.com"]
    if service == "s3" and path.startswith("/v20180820/"):
        return [f"s3-control.{region}.amazonaws.com"]
    service = _signing_aliases().get(service, service)
    return [f"{service}.{region}.amazonaws.com", f"{service}.amazonaws.com"]


@functools.lru_cache(maxsize=256)
def _routed_host(region: str, service: str, path_kind: str, target: str) -> str | None:
    """The first candidate host one of Moto's host patterns routes, if any."""
    for host in _candidate_hosts(region, service, path_kind, target):
        url = f"https://{host}"
        if any(p.match(url) for _, p in backend_index.backend_url_patterns):
            return host
    return None


def _path_kind(path: str) -> str:
    """The part of the path that chooses a host: only a few prefixes do."""
    for prefix in ("/v2/", "/v20180820/"):
        if path.startswith(prefix):
            return prefix
    return ""


def in_aws_domain(request: AWSPreparedRequest) -> AWSPreparedRequest | None:
    """A copy of ``request`` addressed to the AWS host Moto routes it by."""
    parts = urlsplit(request.url)
    region, service = _scope(request)
    target = _header(request, "X-Amz-Target")
    host = _routed_host(region, service, _path_kind(parts.path), target)
    if host is None:
        return None
    moved = copy.copy(request)
    moved.url = urlunsplit(("https", host, parts.path, parts.query, parts.fragment))
    return moved


def _answer_by_wsgi(
    request: AWSPreparedRequest, served: _Served
) -> tuple[int, Any, bytes] | None:
    """Answer through the endpoint's WSGI application, without its socket."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    app = served.app
    if app is None:
        return None
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    builder = EnvironBuilder(
        path=urlsplit(request.url).path or "/",
        base_url=served.url,
        query_string=urlsplit(request.url).query,
        method=request.method,
        headers=list(request.headers.items()),
        data=body if body is not None else b"",
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    response, status, headers = run_wsgi_app(app, environ)
    data = b"".join(_bytes(response))
    return int(status.split(" ", 1)[0]), dict(headers), data


def _bytes(chunks: Iterable[Any]) -> Iterable[bytes]:
    for chunk in chunks:
        yield chunk.encode() if isinstance(chunk, str) else chunk


def process_request(original: _ProcessRequest) -> _ProcessRequest:
    """``BotocoreStubber.process_request``, answering requests sent to the
    endpoint as if they had gone to AWS."""

    @functools.wraps(original)
    def process_request(stubber: Any, request: AWSPreparedRequest) -> Any:
        served = _served
        prefixes = served.url_prefixes
        if not prefixes or not request.url.startswith(prefixes):
            return original(stubber, request)
        moved = in_aws_domain(request)
        if moved is None:
            return _answer_by_wsgi(request, served)
        return original(stubber, moved)

    return process_request
