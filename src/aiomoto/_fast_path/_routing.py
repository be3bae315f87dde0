"""aiomoto's fast path: Moto's routing and mock set-up, done once and reused.

For every request, Moto's ``BotocoreStubber.process_request`` tries about 180
host regexes in order, fetches the backend of each service that matches,
rebuilds that backend's URL map (S3 re-imports its ``urls`` module to do so)
and tries the map's regexes in order.  And every outermost ``mock_aws``
builds about 1,280 ``responses`` registrations, identical each time.

While an aiomoto context is active, and unless ``AIOMOTO_FAST_PATH=0``, the
functions here replace two of Moto's methods:

* ``BotocoreStubber.process_request`` by :func:`process_request`, which makes
  Moto's routing decisions from caches and then calls the handler Moto would.
  Async clients reach it through aiomoto's dispatcher; boto3 and ``requests``
  reach it through Moto's own ``__call__`` and ``process_prepared_request``.
* ``MockAWS._enable_patching`` by :func:`enable_patching`, which registers the
  same ``responses`` callbacks as Moto, built once instead of per test.

The fast path also installs the memos of :mod:`aiomoto._fast_path._memo`, for work
botocore and Moto repeat per request outside the routing.

Nothing that can change while a mock runs is cached without a check:
passthrough and whitelist settings are read on every request, as Moto reads
them; the S3 custom endpoints and ISO-region settings, and Moto's table of
host patterns, are compared on every request and empty the caches when they
change; every outermost enter empties them too.

This module is Python rather than part of the C core on purpose: what is left
per request is a few dict lookups and compiled-regex matches, which run in C
already, and in Python the code reads side by side with the Moto code whose
decisions it reproduces, using Moto's own functions for everything that is
not a cache.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple
from urllib.parse import urlparse

from aiomoto._fast_path import _memo, _moto_request
from aiomoto._fast_path import _pieces as _fast_path
from aiomoto._internals import moto as _moto
from aiomoto._internals import responses as _responses
from aiomoto._internals.botocore import AWSPreparedRequest

_sre: Any
try:
    _sre = importlib.import_module("re._parser")
except ImportError:  # Python 3.10
    _sre = importlib.import_module("sre_parse")

# What Moto answers for an AWS URL that no service handles.
_NOT_IMPLEMENTED_URL = re.compile(r"https?://.+\.amazonaws.com/.*")

# Moto's (status, headers, body).
_Response = tuple[int, Any, Any]
_Handler = Callable[[Any, str, Any], _Response]


# --- Which host regexes a URL's host alone decides --------------------------
#
# A host regex is tried on the whole URL without its query, ``origin + path``.
# Caching its outcome per origin is only right when the path cannot change
# it.  For a regex built of plain matching parts (no lookahead, end anchor,
# word boundary, backreference, atomic group or case folding) whose top level
# ends in literal characters ``tail``, every match ends with ``tail``.  So if
# ``tail`` does not occur in the URL ending after the origin, every match
# lies inside the origin and the regex matches the URL exactly when it
# matches the origin.  Regexes that do not qualify are tried on every URL;
# for the others, the few tails are looked for in each path, and the regexes
# whose tail occurs there are tried on that URL.

_PLAIN_OPCODES = frozenset(
    {
        _sre.LITERAL,
        _sre.NOT_LITERAL,
        _sre.ANY,
        _sre.IN,
        _sre.MAX_REPEAT,
        _sre.MIN_REPEAT,
        _sre.SUBPATTERN,
        _sre.BRANCH,
    }
)
_BACKWARD_ANCHORS = frozenset({_sre.AT_BEGINNING, _sre.AT_BEGINNING_STRING})


def _is_plain(items: Iterable[tuple[Any, Any]]) -> bool:
    for opcode, argument in items:
        if opcode is _sre.AT:
            if argument not in _BACKWARD_ANCHORS:
                return False
        elif opcode not in _PLAIN_OPCODES:
            return False
        elif opcode is _sre.SUBPATTERN:
            if not _is_plain(argument[-1]):
                return False
        elif opcode in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            if not _is_plain(argument[2]):
                return False
        elif opcode is _sre.BRANCH and not all(_is_plain(b) for b in argument[1]):
            return False
    return True


def host_decided_tail(pattern: re.Pattern[str]) -> str | None:
    """The literal every match of ``pattern`` ends with, if the host decides it.

    None means the pattern must be tried on every URL.
    """
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = _sre.parse(pattern.pattern, pattern.flags)
    except Exception:
        return None
    if parsed.state.flags & re.IGNORECASE or not _is_plain(parsed):
        return None
    tail: list[str] = []
    for opcode, argument in reversed(list(parsed)):
        if opcode is not _sre.LITERAL:
            break
        tail.append(chr(argument))
    return "".join(reversed(tail)) or None


class _Step(NamedTuple):
    position: int
    service: str
    # None when the host alone decided that the regex matches.
    regex: re.Pattern[str] | None


class _TailCheck(NamedTuple):
    tail: str
    # Where an occurrence of ``tail`` would end after the origin.
    start: int
    steps: tuple[_Step, ...]


class _TailGroup(NamedTuple):
    """Tails that all end with ``shortest``: if it is absent, so are they."""

    shortest: str
    start: int
    checks: tuple[_TailCheck, ...]


class _HostPlan(NamedTuple):
    steps: tuple[_Step, ...]
    tail_groups: tuple[_TailGroup, ...]


def _after(origin_length: int, tail: str) -> int:
    return max(0, origin_length - len(tail) + 1)


def _plan_host(
    origin: str,
    patterns: Sequence[tuple[str, re.Pattern[str]]],
    tails: Sequence[str | None],
) -> _HostPlan:
    steps: list[_Step] = []
    undecided: dict[str, list[_Step]] = {}
    for index, ((service, regex), tail) in enumerate(zip(patterns, tails, strict=True)):
        if tail is None:
            steps.append(_Step(index, service, regex))
        elif regex.match(origin):
            steps.append(_Step(index, service, None))
        else:
            undecided.setdefault(tail, []).append(_Step(index, service, regex))
    groups: dict[str, list[_TailCheck]] = {}
    for tail in sorted(undecided, key=len):
        shortest = next((s for s in groups if tail.endswith(s)), tail)
        check = _TailCheck(tail, _after(len(origin), tail), tuple(undecided[tail]))
        groups.setdefault(shortest, []).append(check)
    return _HostPlan(
        tuple(steps),
        tuple(
            _TailGroup(shortest, _after(len(origin), shortest), tuple(checks))
            for shortest, checks in groups.items()
        ),
    )


def _steps_for(plan: _HostPlan, clean_url: str) -> Sequence[_Step]:
    extra: list[_Step] = []
    for group in plan.tail_groups:
        if clean_url.find(group.shortest, group.start) < 0:
            continue
        for check in group.checks:
            if clean_url.find(check.tail, check.start) >= 0:
                extra.extend(check.steps)
    if not extra:
        return plan.steps
    return sorted((*plan.steps, *extra))


# --- The routing cache ------------------------------------------------------


class _ServiceRoutes(NamedTuple):
    backends: Any
    urls: tuple[tuple[re.Pattern[str], _Handler], ...]


def _default_region(account: Any) -> str:
    """The region of an account's backends that Moto routes by."""
    return "us-east-1" if "us-east-1" in account else "aws"


def _default_backend(backends: Any) -> Any:
    """The backend whose URL map Moto routes by, chosen (and made) as Moto does."""
    if isinstance(backends, _moto.base_backend.BackendDict):
        account = backends[_moto.models.DEFAULT_ACCOUNT_ID]
        return account[_default_region(account)]
    return backends["global"]


def _touch_default_backend(backends: Any) -> None:
    """Have the default backend exist, as Moto's routing makes sure it does.

    Looking it up creates it (and registers the service for reset) when it
    does not exist yet; when it does, the lookup changes nothing and is
    skipped.
    """
    if isinstance(backends, _moto.base_backend.BackendDict):
        account = dict.get(backends, _moto.models.DEFAULT_ACCOUNT_ID)
        if account is not None and dict.__contains__(account, _default_region(account)):
            return
    _default_backend(backends)


def _call_handler(handler: _Handler, request: AWSPreparedRequest) -> _Response:
    # While the "request building" piece is on, aiomoto builds Moto's request
    # and its raw_url; else Moto does, reading raw_url where Moto reads it.
    built = _fast_path.decisions.enabled("request building")
    if built:
        normalized, raw_url = _moto_request.normalize(request)
    else:
        normalized = _moto.core_request.normalize_request(request)
    try:
        _moto.moto_api.recorder._record_request(normalized)
        if not built:
            raw_url = normalized.raw_url
        status, headers, body = handler(normalized, raw_url, normalized.headers)
    except _moto.HTTPException as error:
        return error.code, error.get_headers(), error.get_body()  # type: ignore[return-value]
    return status, headers, body


_UNANSWERED = object()


class _Decisions:
    """The routing decisions made for one set of inputs.

    A request reads the router's current set once and works with it alone;
    a change of inputs starts a new set rather than emptying this one, so
    that a request in another thread never meets host patterns of one set
    and decisions of another.  Each table only gains entries, each of them
    one dict operation, computed from this set's own inputs.
    """

    __slots__ = (
        "hosts",
        "inputs",
        "pattern_tails",
        "patterns",
        "plans",
        "services",
        "source",
    )

    def __init__(
        self,
        source: Sequence[tuple[str, re.Pattern[str]]],
        patterns: tuple[tuple[str, re.Pattern[str]], ...],
        pattern_tails: tuple[str | None, ...],
        inputs: tuple[Any, ...],
    ) -> None:
        # Moto's table of host patterns as it was read, and the copy this set
        # routes by, which nothing changes under a request.
        self.source = source
        self.patterns = patterns
        self.pattern_tails = pattern_tails
        self.inputs = inputs
        self.hosts: dict[str, str] = {}
        self.plans: dict[str, _HostPlan] = {}
        self.services: dict[str, _ServiceRoutes] = {}

    def canonical_host(self, netloc: str) -> str:
        host = self.hosts.get(netloc)
        if host is None:
            host = _moto.utils.get_equivalent_url_in_aws_domain("//" + netloc)[0].netloc
            self.hosts[netloc] = host
        return host

    def plan(self, origin: str) -> _HostPlan:
        plan = self.plans.get(origin)
        if plan is None:
            plan = self.plans[origin] = _plan_host(
                origin, self.patterns, self.pattern_tails
            )
        return plan

    def routes(self, service: str) -> _ServiceRoutes:
        routes = self.services.get(service)
        if routes is not None:
            _touch_default_backend(routes.backends)
            return routes
        backends = _moto.backends.get_backend(service)  # type: ignore[call-overload]
        urls = _default_backend(backends).urls
        routes = self.services[service] = _ServiceRoutes(
            backends,
            tuple((re.compile(url), handler) for url, handler in urls.items()),
        )
        return routes


def _no_decisions() -> _Decisions:
    # Inputs no request has: the next request makes a new set.
    return _Decisions((), (), (), ())


class Router:
    """Moto's routing decisions, cached; see the module documentation."""

    def __init__(self) -> None:
        # Each host pattern's tail: only ever added to, and kept across
        # sets, as a pattern's tail depends on the pattern alone.
        self._tails: dict[re.Pattern[str], str | None] = {}
        # The current set, replaced whole by one assignment (no lock: two
        # threads that both see new inputs each route by a set of their own,
        # and one of the two stays).
        self._decisions = _no_decisions()

    def clear(self) -> None:
        """Forget every routing decision; the next request recomputes them."""
        self._decisions = _no_decisions()

    def _current(self) -> _Decisions:
        patterns = _moto.backend_index.backend_url_patterns
        inputs = (
            len(patterns),
            _moto.settings.get_s3_custom_endpoints(),
            _moto.settings.enable_iso_regions(),
        )
        decisions = self._decisions
        if patterns is decisions.source and inputs == decisions.inputs:
            return decisions
        copied = tuple(patterns)
        tails = tuple(self._tail(regex) for _, regex in copied)
        decisions = self._decisions = _Decisions(patterns, copied, tails, inputs)
        return decisions

    def _tail(self, regex: re.Pattern[str]) -> str | None:
        try:
            return self._tails[regex]
        except KeyError:
            tail = self._tails[regex] = host_decided_tail(regex)
            return tail

    def process_request(self, request: AWSPreparedRequest) -> _Response | None:
        """Answer as ``BotocoreStubber.process_request`` does."""
        decisions = self._current()
        parsed = urlparse(request.url)
        origin = f"{parsed.scheme}://{decisions.canonical_host(parsed.netloc)}"
        clean_url = origin + parsed.path

        if _moto.config.passthrough_url(clean_url):
            return None

        for step in _steps_for(decisions.plan(origin), clean_url):
            if step.regex is not None and step.regex.match(clean_url) is None:
                continue
            answer = self._answer(decisions, step.service, request, clean_url)
            if answer is not _UNANSWERED:
                return answer  # type: ignore[return-value]

        if _NOT_IMPLEMENTED_URL.match(clean_url):
            return 404, {}, "Not yet implemented"
        return None

    def _answer(
        self,
        decisions: _Decisions,
        service: str,
        request: AWSPreparedRequest,
        clean_url: str,
    ) -> object:
        if _moto.config.passthrough_service(service):
            return None
        if not _moto.config.service_whitelisted(service):
            raise _moto.exceptions.ServiceNotWhitelisted(service)
        for regex, handler in decisions.routes(service).urls:
            if regex.match(clean_url):
                return _call_handler(handler, request)
        return _UNANSWERED


router = Router()


def process_request(
    self: _moto.BotocoreStubber, request: AWSPreparedRequest
) -> _Response | None:
    """``BotocoreStubber.process_request`` while the fast path is installed."""
    return router.process_request(request)


# --- Moto's responses registrations, built once -----------------------------


class _Registrations:
    """The ``responses`` callbacks Moto registers at each outermost enter.

    Moto builds a fresh ``CallbackResponse`` for each of its host patterns
    and each HTTP method, plus a catch-all, every time; these are the same
    objects, kept, with their call records emptied before each reuse.
    """

    def __init__(self) -> None:
        self._key: tuple[Any, ...] = ()
        self._by_method: tuple[tuple[str, tuple[Any, ...]], ...] = ()
        self._all: tuple[Any, ...] = ()

    def current(self) -> tuple[tuple[str, tuple[Any, ...]], ...]:
        models = _moto.models
        stubber = models.botocore_stubber
        patterns = _moto.backend_index.backend_url_patterns
        methods = tuple(models.RESPONSES_METHODS)
        key = (
            stubber,
            type(stubber).process_prepared_request,
            id(patterns),
            len(patterns),
            methods,
        )
        if key != self._key:
            self._build(stubber, patterns, methods)
            self._key = key
        else:
            for response in self._all:
                if _responses.has_calls(response):
                    response.calls.reset()
        return self._by_method

    def _build(
        self,
        stubber: _moto.BotocoreStubber,
        patterns: Sequence[tuple[str, re.Pattern[str]]],
        methods: Sequence[str],
    ) -> None:
        by_method = []
        for method in methods:
            responses = [
                _moto.custom_responses_mock.CallbackResponse(
                    method=method,
                    url=pattern,
                    callback=stubber.process_prepared_request,
                )
                for _, pattern in patterns
            ]
            responses.append(
                _moto.custom_responses_mock.CallbackResponse(
                    method=method,
                    url=_NOT_IMPLEMENTED_URL,
                    callback=_moto.custom_responses_mock.not_implemented_callback,
                )
            )
            by_method.append((method, tuple(responses)))
        self._by_method = tuple(by_method)
        self._all = tuple(r for _, responses in self._by_method for r in responses)


registrations = _Registrations()


def enable_patching(original: Callable[..., None]) -> Callable[..., None]:
    """``MockAWS._enable_patching`` while the fast path is installed."""

    def enable_patching(self: Any, reset: bool = True) -> None:
        models = _moto.models
        mock = models.responses_mock
        custom_registry = _moto.responses_custom_registry.CustomRegistry
        if type(_responses.registry_of(mock)) is not custom_registry:
            original(self, reset)
            return
        by_method = registrations.current()
        models.botocore_stubber.enabled = True
        if reset:
            self.reset()
        mock.start()
        # Starting the mock may give it a new registry: read it after.
        table = _moto.registered(_responses.registry_of(mock))
        for method, responses in by_method:
            table[method].extend(responses)

    return enable_patching


def forget() -> None:
    """Empty the routing cache and the memos."""
    router.clear()
    _memo.clear()
