"""The fast path's memos: botocore and Moto functions whose answer depends
only on their arguments, answered from a table the second time.

A profile of one request through aiomoto, Moto's handler aside, spends about
a third of its time recomputing these:

* **Endpoint resolution.**  botocore evaluates the service's endpoint rule
  set for every request.  Its own cache holds 100 entries keyed on every
  parameter, and S3's parameters include ``Key``, ``Prefix`` and
  ``CopySource``, which no rule reads: a test touching more than 100 keys
  misses every time.  :func:`resolve_endpoint` keys its table on the
  parameters the rule set reads.
* **Timestamps.**  Each timestamp Moto returns goes through dateutil's parser
  twice: once when Moto's serializer normalises it, once when botocore parses
  the response.  Listing 1,000 keys spends 40% of its time there.
  :func:`parse_timestamp_with_tzinfo` remembers complete, zoned timestamps.
* **User agent.**  botocore builds the user-agent string twice per request
  (once more after signing has registered its features), each time from
  about 18 components it rebuilds and re-sanitises: :func:`user_agent_string`
  remembers the string per complete set of its inputs, and
  :func:`sanitize_user_agent_string_component` the components.
* **Handler signatures.**  Every new session checks, with
  ``inspect.getfullargspec``, that each of its ~130 builtin handlers takes
  ``**kwargs``: :func:`accepts_kwargs` remembers the answer per function.
* **Event name aliases.**  Each new client works out again, for each
  event name, which of botocore's ~150 aliases applies:
  :func:`alias_event_name` shares the answers among clients.
* **Moto's attribute aliases.**  Moto's response serializer asks, for every
  member of every structure it writes, which attribute names the value
  might use, building six alias checkers each time: a third of a DynamoDB
  query's time.  :func:`possible_keys` remembers the answer for values whose
  class alone decides it.
* **Moto's action lookup.**  Moto's ``call_action`` lists every function of
  the response class with ``inspect.getmembers`` to test whether one name is
  among them; :class:`MethodNames` answers that test directly.
* **S3's addressing style.**  Moto's S3 asks five or six times per request
  whether the request's host names the bucket, each time through a dozen
  regular expressions: :func:`s3_addressing` remembers the answer per host
  and settings.
* **Moto's snake-case names.**  Moto's SQS turns each of a queue's ~14
  attribute names from camel case to snake case, character by character, on
  every send and receive, and every ``call_action`` turns its action name:
  :func:`camelcase_to_underscores` remembers the answer per name.

Every table is bounded and holds only values botocore or Moto computed, so
an answer is the same object or an equal one.  Each outermost enter empties
them, but for four whose answers depend on nothing that can change: the
parameters a rule set reads (keyed by the source data, which the entry keeps),
whether a function's code takes ``**kwargs``, event names under botocore's
default aliases (checked against them) and snake-case names.  Those stay, so that each
test's fresh session finds them.  These are plain Python rather than C: a
hit is one dict lookup, which is already C, and the code reads next to the
botocore functions it stands in for.

Threads, free-threaded builds included: a hit is one dict lookup and takes
no lock -- a table only ever maps a key to what the function answered for
it, so whatever a lookup finds is right, and a lookup racing an emptying
finds the answer or nothing.  A miss computes without a lock (two threads
may both compute, and both answers are right) and stores under
``_store_lock``, so that filling, emptying a full table and :func:`clear`
are one step each and no table passes its bound.
"""

from __future__ import annotations

import inspect
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from types import CodeType, FunctionType, MethodType
from typing import TYPE_CHECKING, Any, TypeVar

from aiomoto._internals import botocore as _botocore
from aiomoto._internals import moto as _moto

if TYPE_CHECKING:
    from botocore.endpoint_provider import EndpointProvider, RuleSet
    from moto.core.serialize import AttributePickerContext, XFormedAttributePicker


def _original(owner: object, name: str) -> Any:
    """The function a memo stands in for; None where the library lacks it
    (the memo is then off, see ``aiomoto._fast_path._pieces``)."""
    return None if owner is None else vars(owner).get(name)


# Past this many entries a table is emptied and starts again.
TABLE_LIMIT = 4096

_Key = TypeVar("_Key")
_Value = TypeVar("_Value")

# Held to change a table (an insert, with the emptying of a full table before
# it, and :func:`clear`), never to read one, and never while calling botocore
# or Moto.  Reentrant: a key's ``__eq__`` or a
# finalizer run by an emptying may come back to a memo in the same thread.
_store_lock = threading.RLock()


def _fresh_store_lock() -> None:
    # A forked child has only the forking thread: a hold by any other would
    # never end.
    global _store_lock
    _store_lock = threading.RLock()


os.register_at_fork(after_in_child=_fresh_store_lock)


def _remember(table: dict[_Key, _Value], key: _Key, value: _Value) -> _Value:
    """Keep ``value`` under ``key``, emptying a full ``table`` first."""
    with _store_lock:
        if len(table) >= TABLE_LIMIT:
            table.clear()
        table[key] = value
    return value


# --- Endpoint resolution ----------------------------------------------------

_botocore_resolve_endpoint: Callable[..., Any] = _original(
    getattr(_botocore.endpoint_provider, "EndpointProvider", None), "resolve_endpoint"
)


class _UnknownRule(Exception):
    """A rule set shaped in a way this module does not know how to read."""


def _names_in_value(value: object, names: set[str]) -> None:
    """Collect the names a rule's JSON reads: ``{"ref": name}`` and templates."""
    if isinstance(value, dict):
        reference = value.get("ref")
        if isinstance(reference, str):
            names.add(reference)
        for item in value.values():
            _names_in_value(item, names)
    elif isinstance(value, list):
        for item in value:
            _names_in_value(item, names)
    elif isinstance(value, str):
        if _botocore.endpoint_provider.TEMPLATE_STRING_RE.search(value) is None:
            return
        try:
            fields = list(_botocore.endpoint_provider.STRING_FORMATTER.parse(value))
        except ValueError as error:
            raise _UnknownRule(value) from error
        for _, field, _, _ in fields:
            if field is not None:
                names.add(field.split("#", 1)[0])
    elif not (value is None or isinstance(value, (bool, int, float))):
        raise _UnknownRule(type(value).__name__)


def _names_in_rules(rules: Iterable[Any], names: set[str]) -> None:
    for rule in rules:
        _names_in_value(getattr(rule, "conditions", None), names)
        kind = type(rule)
        if kind is _botocore.endpoint_provider.EndpointRule:
            _names_in_value(rule.endpoint, names)
        elif kind is _botocore.endpoint_provider.ErrorRule:
            _names_in_value(rule.error, names)
        elif kind is _botocore.endpoint_provider.TreeRule:
            _names_in_rules(rule.rules, names)
        else:
            raise _UnknownRule(type(rule).__name__)


def parameters_read(ruleset: RuleSet) -> frozenset[str] | None:
    """The parameters ``ruleset`` can read, or None if that cannot be told.

    A rule reads a parameter through a ``ref`` or a ``{Name}`` template; an
    evaluation therefore depends on these parameters' values and no others.
    """
    names: set[str] = set()
    try:
        _names_in_rules(ruleset.rules, names)
    except _UnknownRule:
        return None
    return frozenset(names & set(ruleset.parameters))


# Which parameters a rule set reads, by the rule set's source data.  botocore
# builds a new ``RuleSet`` for every client, but hands each rule the lists of
# its JSON (a rule's ``conditions``) as they are: a rule set whose top-level
# rules hold the very same lists was built from the same data, loaded once
# per session (or once per process, ``aiomoto._fast_path._session_data``).  Each entry
# keeps those lists, so that their ids stay theirs; the table outlives the
# contexts, as the data it describes does.
_names_by_source: dict[
    tuple[int, ...], tuple[tuple[object, ...], frozenset[str] | None]
] = {}


def _ruleset_parameters(ruleset: RuleSet) -> frozenset[str] | None:
    sources = tuple(getattr(rule, "conditions", None) for rule in ruleset.rules)
    key = tuple(map(id, sources))
    known = _names_by_source.get(key)
    if known is not None and all(
        a is b for a, b in zip(known[0], sources, strict=True)
    ):
        return known[1]
    names = parameters_read(ruleset)
    _remember(_names_by_source, key, (sources, names))
    return names


class _ProviderTable:
    def __init__(self, provider: EndpointProvider) -> None:
        self.ruleset: RuleSet = provider.ruleset
        names = _ruleset_parameters(provider.ruleset)
        # The key is these parameters' values, in this order.
        self.names = None if names is None else tuple(sorted(names))
        self.endpoints: dict[tuple[Any, ...], Any] = {}


_providers: weakref.WeakKeyDictionary[EndpointProvider, _ProviderTable] = (
    weakref.WeakKeyDictionary()
)


def resolve_endpoint(self: EndpointProvider, **parameters: Any) -> Any:
    """``EndpointProvider.resolve_endpoint`` while the fast path is installed."""
    table = _providers.get(self)
    if table is None or table.ruleset is not self.ruleset:
        table = _ProviderTable(self)
        with _store_lock:
            _providers[self] = table
    # botocore's own cache turns lists into tuples before the rules see them.
    for name, value in parameters.items():
        if isinstance(value, list):
            parameters[name] = tuple(value)
    if table.names is None:
        return _botocore_resolve_endpoint(self, **parameters)
    # An absent parameter and a None one are the same to the rules.
    key = tuple(parameters.get(name) for name in table.names)
    try:
        endpoint = table.endpoints.get(key)
    except TypeError:  # a value that cannot be a key
        return _botocore_resolve_endpoint(self, **parameters)
    if endpoint is None:
        endpoint = _botocore_resolve_endpoint(self, **parameters)
        _remember(table.endpoints, key, endpoint)
    else:
        # The same checks (types, required parameters) a resolution makes,
        # for the parameters the key leaves out.
        self.ruleset.process_input_parameters(parameters)
    return endpoint


# --- Timestamps ---------------------------------------------------------------

_parse_timestamp_with_tzinfo: Callable[[Any, Callable[[], tzinfo]], datetime] = (
    _original(_botocore.utils, "_parse_timestamp_with_tzinfo")
)

# Complete timestamps with their zone, the forms AWS and Moto write: nothing
# in them is filled in from the clock, so parsing one always gives the same
# datetime.  Numbers are left to botocore (they go through the local zone).
_COMPLETE_TIMESTAMP = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)"
    r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT"
)

_timestamps: dict[str, datetime] = {}


def parse_timestamp_with_tzinfo(value: Any, zone: Callable[[], tzinfo]) -> datetime:
    """``botocore.utils._parse_timestamp_with_tzinfo``, remembered."""
    if type(value) is not str:
        return _parse_timestamp_with_tzinfo(value, zone)
    parsed = _timestamps.get(value)
    if parsed is None:
        parsed = _parse_timestamp_with_tzinfo(value, zone)
        if _COMPLETE_TIMESTAMP.fullmatch(value):
            _remember(_timestamps, value, parsed)
    return parsed


# --- User agent ---------------------------------------------------------------

_sanitize_user_agent_string_component: Callable[[str, bool], str] = _original(
    _botocore.useragent, "sanitize_user_agent_string_component"
)
_user_agent_components: dict[tuple[str, bool], str] = {}


def sanitize_user_agent_string_component(raw_str: str, allow_hash: bool) -> str:
    """``botocore.useragent.sanitize_user_agent_string_component``, remembered."""
    key = (raw_str, allow_hash)
    try:
        return _user_agent_components[key]
    except KeyError:
        pass
    except TypeError:
        return _sanitize_user_agent_string_component(raw_str, allow_hash)
    clean = _sanitize_user_agent_string_component(raw_str, allow_hash)
    return _remember(_user_agent_components, key, clean)


# --- User-agent strings -------------------------------------------------------

_UserAgentString: Any = getattr(_botocore.useragent, "UserAgentString", None)
_user_agent_to_string: Callable[[Any], str] = _original(_UserAgentString, "to_string")
_user_agent_strings: dict[tuple[object, ...], str] = {}


# Values that are their own key.
_ATOMS = frozenset({str, int, bool, float, type(None)})


def _frozen(value: object) -> object:
    """A hashable value equal for equal inputs (TypeError if there is none)."""
    if type(value) in _ATOMS:
        return value
    if type(value) is dict:
        # Plain values are taken as they are, without a call each.
        return (
            dict,
            tuple(
                [
                    (key, item if type(item) in _ATOMS else _frozen(item))
                    for key, item in value.items()
                ]
            ),
        )
    if type(value) is set or type(value) is frozenset:
        return (frozenset, frozenset(value))
    if type(value) is list or type(value) is tuple:
        return (type(value), tuple([_frozen(item) for item in value]))
    hash(value)
    return value


def _user_agent_inputs(agent: Any) -> tuple[object, ...]:
    """Everything ``UserAgentString.to_string`` reads, as a key.

    Its own fields, all of its client config's (a config can be changed after
    the client is made), and the request's features in the order the string
    lists them: botocore joins a set, so the key holds the order this very set
    iterates in, computed as botocore computes it.
    """
    fields = dict(vars(agent))
    config = fields.pop("_client_config", None)
    context = _botocore.useragent.get_context()
    context_features = set() if context is None else context.features
    features = (fields.get("_client_features") or set()).union(context_features)
    return (
        _frozen(fields),
        None if config is None else (type(config), _frozen(vars(config))),
        bool(config),
        tuple(features),
    )


def user_agent_string(self: Any) -> str:
    """``UserAgentString.to_string``, remembered per complete set of inputs."""
    if type(self) is not _UserAgentString:
        return _user_agent_to_string(self)
    try:
        key = _user_agent_inputs(self)
        return _user_agent_strings[key]
    except KeyError:
        pass
    except TypeError:
        return _user_agent_to_string(self)
    built = _user_agent_to_string(self)
    return _remember(_user_agent_strings, key, built)


# --- Handler signatures -------------------------------------------------------

_accepts_kwargs: Callable[[Any], Any] = _original(_botocore.hooks, "accepts_kwargs")
# A function's ``**kwargs`` is written in its code object.
_kwargs_by_code: dict[CodeType, Any] = {}


def accepts_kwargs(func: Any) -> Any:
    """``botocore.compat.accepts_kwargs`` (``inspect.getfullargspec(func)[2]``)
    as ``botocore.hooks`` calls it, remembered per code object.

    A new session checks each of its ~130 builtin handlers with it.  Only
    plain functions and methods of plain functions are remembered, and not
    those with a ``__signature__`` of their own, which inspect would read.
    """
    function = func.__func__ if type(func) is MethodType else func
    if type(function) is not FunctionType or "__signature__" in vars(function):
        return _accepts_kwargs(func)
    code = function.__code__
    try:
        return _kwargs_by_code[code]
    except KeyError:
        pass
    answer = _accepts_kwargs(func)
    return _remember(_kwargs_by_code, code, answer)


# --- Event name aliases -------------------------------------------------------

_botocore_alias_event_name: Callable[[Any, str], str] = _original(
    getattr(_botocore.hooks, "EventAliaser", None), "_alias_event_name"
)
# A copy of botocore's default aliases, and the event names as they rewrite
# them: one pair, replaced whole (one assignment) when the defaults change,
# so that a thread always reads a table with the aliases it was made for.
_aliased: tuple[dict[str, str], dict[str, str]] = ({}, {})


def alias_event_name(self: Any, event_name: str) -> str:
    """``EventAliaser._alias_event_name``, shared among emitters.

    botocore caches the answer per emitter, but every client copies its
    session's emitter with an empty cache, and working out an alias tries
    each of ~150 aliases in turn: a third of creating a client.  Emitters
    with botocore's default aliases share one table here.
    """
    global _aliased
    # One lookup: botocore only ever adds to an emitter's cache.
    known: str | None = self._alias_name_cache.get(event_name)
    if known is not None:
        return known
    aliases = self._event_aliases
    seen, names = _aliased
    if aliases is not seen and aliases != seen:
        if aliases != _botocore.hooks.EVENT_ALIASES:
            return _botocore_alias_event_name(self, event_name)
        _aliased = (dict(_botocore.hooks.EVENT_ALIASES), {})
        names = _aliased[1]
    known = names.get(event_name)
    if known is None:
        known = _botocore_alias_event_name(self, event_name)
        return _remember(names, event_name, known)
    if known != event_name:
        _botocore.hooks.logger.debug(
            "Changing event name from %s to %s", event_name, known
        )
    self._alias_name_cache[event_name] = known
    return known


# --- Moto's attribute aliases -------------------------------------------------

_moto_possible_keys: Callable[
    [XFormedAttributePicker, AttributePickerContext], Iterable[str]
] = _original(
    getattr(_moto.serialize, "XFormedAttributePicker", None), "get_possible_keys"
)

# What the alias checkers read of a value: ``value.Meta`` and
# ``value.__class__.__name__``.  For an instance of a class that defines no
# ``Meta``, no ``__class__`` and no attribute hooks, both come from the class.
_CLASS_DECIDES_AGAINST = ("Meta", "__class__", "__getattr__", "__getattribute__")

_class_decides: dict[type, bool] = {}
_aliases: dict[tuple[Any, ...], tuple[str, ...]] = {}


def _decided_by_class(cls: type) -> bool:
    return not any(
        name in vars(base)
        for base in cls.__mro__
        if base.__module__ != "builtins"
        for name in _CLASS_DECIDES_AGAINST
    )


def possible_keys(
    self: XFormedAttributePicker, context: AttributePickerContext
) -> Iterable[str]:
    """``XFormedAttributePicker.get_possible_keys``, remembered per class."""
    value = context.obj
    cls = type(value)
    decided = _class_decides.get(cls)
    if decided is None:
        decided = _remember(_class_decides, cls, _decided_by_class(cls))
    if not decided or "Meta" in getattr(value, "__dict__", ()):
        return _moto_possible_keys(self, context)
    shape = context.shape
    key = (
        type(self),
        tuple(self.alias_providers),
        cls,
        context.key,
        shape,
        getattr(shape, "parent", None),
    )
    try:
        keys = _aliases.get(key)
    except TypeError:  # a shape that cannot be a key
        return _moto_possible_keys(self, context)
    if keys is None:
        try:
            keys = tuple(_moto_possible_keys(self, context))
        except Exception:
            # Moto's checkers run one by one as the caller asks for names;
            # one that fails is left to fail there, as it would.
            return _moto_possible_keys(self, context)
        _remember(_aliases, key, keys)
    return keys


# --- Moto's action lookup -------------------------------------------------------


class MethodNames:
    """What ``method_names_from_class(cls)`` answers to ``name in ...``.

    Moto's list holds the names ``dir(cls)`` gives whose class attribute is a
    plain function; asking the class for the one name gives the same answer
    without listing the others, and sees a method patched in or out at once.
    """

    __slots__ = ("_cls",)

    def __init__(self, cls: type) -> None:
        self._cls = cls

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return inspect.isfunction(getattr(self._cls, name, None))


# --- Moto's snake-case names -------------------------------------------------

_camelcase_to_underscores: Callable[[str], str] = _original(
    _moto.utils, "camelcase_to_underscores"
)
_snake_case: dict[str, str] = {}


def camelcase_to_underscores(argument: str) -> str:
    """``moto.core.utils.camelcase_to_underscores``, remembered per name."""
    if type(argument) is not str:
        return _camelcase_to_underscores(argument)
    try:
        return _snake_case[argument]
    except KeyError:
        pass
    snake = _camelcase_to_underscores(argument)
    return _remember(_snake_case, argument, snake)


# --- S3's addressing style ---------------------------------------------------

_s3_addressing: dict[tuple[object, ...], bool] = {}


def s3_addressing(original: Any) -> staticmethod[[Any], bool]:
    """``S3Response.subdomain_based_buckets``, remembered per Host header,
    custom S3 endpoints and alternative domain suffixes."""
    check: Callable[[Any], bool] = original.__func__
    suffixes_from = check.__globals__

    def subdomain_based_buckets(request: Any) -> bool:
        settings = _moto.settings
        if settings.S3_IGNORE_SUBDOMAIN_BUCKETNAME:
            return check(request)
        # The host as Moto reads it; without one, Moto parses the URL.
        headers = request.headers
        host = headers.get("host", headers.get("Host"))
        if not host:
            return check(request)
        key = (
            host,
            tuple(settings.get_s3_custom_endpoints()),
            tuple(suffixes_from["ALT_DOMAIN_SUFFIXES"]),
        )
        try:
            return _s3_addressing[key]
        except KeyError:
            pass
        answer = check(request)
        return _remember(_s3_addressing, key, answer)

    return staticmethod(subdomain_based_buckets)


# --- Installing -----------------------------------------------------------------


def clear() -> None:
    """Empty every table whose answers could change between contexts."""
    with _store_lock:
        _providers.clear()
        _timestamps.clear()
        _user_agent_components.clear()
        _user_agent_strings.clear()
        _s3_addressing.clear()
        _class_decides.clear()
        _aliases.clear()
