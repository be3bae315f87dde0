"""botocore's internals that aiomoto uses, and the checks that they exist.

Correctness needs the client creator (each new client is bound to its
context), the case-insensitive headers class and two helpers the C core and
the request-body reader call.  The fast path's memos need the endpoint rule
set's structure, the timestamp parser, the user-agent sanitizer and the
handler-signature check of ``botocore.hooks``.

Shared session data (``aiomoto._fast_path._session_data``) needs:

* ``ClientCreator._load_service_model(service_name, api_version)`` and
  ``ClientCreator._load_service_endpoints_ruleset(service_name,
  api_version)``: where a client creator turns loader data into its service
  model and endpoint rule set; ``ClientCreator._loader`` is the session's
  data loader.
* ``Session._register_endpoint_resolver()`` and the session's
  ``_internal_components`` locator with its ``_deferred`` factories: where a
  session registers the lazy factory of its endpoint resolver.
* The ``Loader`` fields that tell a default loader from a customised one
  (``search_paths``, ``extras_types``, ``file_loader``,
  ``_extras_processor``) and its per-instance cache ``_cache``, keyed
  ``(method name, *arguments)``.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable
from typing import Any

import botocore.endpoint_provider as endpoint_provider
import botocore.hooks as hooks
import botocore.useragent as useragent
import botocore.utils as utils
from botocore.awsrequest import AWSPreparedRequest, HeadersDict
from botocore.client import BaseClient, ClientCreator
from botocore.loaders import ExtrasProcessor, JSONFileLoader, Loader
from botocore.model import ServiceModel
from botocore.regions import EndpointResolver
from botocore.session import Session

from aiomoto._internals import Required, first_missing

LIBRARY = "botocore"

__all__ = [
    "AWSPreparedRequest",
    "BaseClient",
    "ClientCreator",
    "EndpointResolver",
    "HeadersDict",
    "Loader",
    "ServiceModel",
    "Session",
    "endpoint_provider",
    "hooks",
    "useragent",
    "utils",
]

REQUIRED = tuple(
    Required(LIBRARY, name)
    for name in (
        "botocore.client:ClientCreator.create_client",
        "botocore.awsrequest:HeadersDict",
        "botocore.utils:get_encoding_from_headers",
        "botocore.utils:determine_content_length",
    )
)


def header_items(headers: Any) -> Any:
    """``headers.items()``, read straight from a ``HeadersDict``'s own dict.

    ``HeadersDict`` keeps each header under a case-folding ``_HeaderKey``
    holding the name as sent in ``_key``; its ``items()`` looks every value
    up again through a new key, five times the cost of reading the dict.
    """
    if type(headers) is HeadersDict:
        return [(key._key, value) for key, value in headers._dict.items()]
    return headers.items()


def missing_for_header_items() -> str | None:
    """Whether :func:`header_items` gives what ``HeadersDict.items()`` does."""
    probe = HeadersDict({"Content-Type": "text/plain", "x-amz-meta-a_b": b"v"})
    probe["content-type"] = "application/json"
    try:
        same = header_items(probe) == list(probe.items())
    except AttributeError:
        same = False
    if not same:
        return "botocore.awsrequest:HeadersDict._dict holding _HeaderKey._key"
    return None


def missing_for_endpoint_memo() -> str | None:
    return first_missing(
        [
            "botocore.endpoint_provider:EndpointProvider.resolve_endpoint",
            "botocore.endpoint_provider:RuleSet.process_input_parameters",
            "botocore.endpoint_provider:EndpointRule",
            "botocore.endpoint_provider:ErrorRule",
            "botocore.endpoint_provider:TreeRule",
            "botocore.endpoint_provider:STRING_FORMATTER",
            "botocore.endpoint_provider:TEMPLATE_STRING_RE",
        ]
    )


def missing_for_timestamp_memo() -> str | None:
    return first_missing(["botocore.utils:_parse_timestamp_with_tzinfo"])


def missing_for_user_agent_memo() -> str | None:
    return first_missing(["botocore.useragent:sanitize_user_agent_string_component"])


def missing_for_user_agent_string_memo() -> str | None:
    """What the user-agent string memo lacks, or None.

    It stands in for ``UserAgentString.to_string`` only where botocore builds
    the string from the object's own fields, its client config and the
    request context's features -- not where a customization rewrites the
    components.
    """
    missing = first_missing(
        [
            "botocore.useragent:UserAgentString.to_string",
            "botocore.useragent:get_context",
            "botocore.useragent:modify_components",
        ]
    )
    if missing is not None:
        return missing
    if useragent.modify_components.__module__ != useragent.__name__:
        return "botocore.useragent:modify_components (customized)"
    return None


def missing_for_handler_memo() -> str | None:
    return first_missing(["botocore.hooks:accepts_kwargs"])


def missing_for_event_alias_memo() -> str | None:
    missing = first_missing(
        [
            "botocore.hooks:EventAliaser._alias_event_name",
            "botocore.hooks:EVENT_ALIASES",
            "botocore.hooks:logger",
            "botocore.hooks:HierarchicalEmitter",
        ]
    )
    if missing is not None:
        return missing
    aliaser = hooks.EventAliaser(hooks.HierarchicalEmitter())
    for name in ("_alias_name_cache", "_event_aliases"):
        if not isinstance(getattr(aliaser, name, None), dict):
            return f"botocore.hooks:EventAliaser().{name}"
    return None


# --- Shared session data ------------------------------------------------------


def _parameters(function: object) -> list[str] | None:
    try:
        return list(inspect.signature(function).parameters)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def missing_for_session_data() -> str | None:
    creator = vars(ClientCreator)
    loading = ["self", "service_name", "api_version"]
    for name in ("_load_service_model", "_load_service_endpoints_ruleset"):
        if _parameters(creator.get(name)) != loading:
            return f"botocore.client:ClientCreator.{name}"
    if _parameters(vars(Session).get("_register_endpoint_resolver")) != ["self"]:
        return "botocore.session:Session._register_endpoint_resolver"
    for name in ("BUILTIN_DATA_PATH", "CUSTOMER_DATA_PATH", "search_paths"):
        if not hasattr(Loader, name):
            return f"botocore.loaders:Loader.{name}"
    loader = Loader()
    for name, kind in (
        ("_cache", dict),
        ("_extras_processor", ExtrasProcessor),
        ("file_loader", JSONFileLoader),
    ):
        if not isinstance(getattr(loader, name, None), kind):
            return f"botocore.loaders:Loader().{name}"
    return None


def creator_loader(creator: ClientCreator) -> Any:
    """The data loader a client creator was given."""
    return getattr(creator, "_loader", None)


_DEFAULT_EXTRAS = ["sdk"]
# The files a client's service model, endpoint rule set and endpoint resolver
# come from.
_SHARED_NAMES = ("service-2", "endpoint-rule-set-1", "endpoints")


def is_default_loader(loader: Any) -> bool:
    """Whether ``loader`` answers as botocore's own loader reading botocore's
    packaged data alone.

    True for the loader of a session with no ``AWS_DATA_PATH`` (or
    ``data_path``), no models in ``~/.aws/models``, and no loader, file
    loader or extras of its own; boto3 (and aioboto3) sessions add boto3's
    packaged resource models, which hold none of the files that are shared.
    The answers are then those of files in installed packages, which do not
    change while the process runs.
    """
    if not (
        type(loader) is Loader
        and type(loader.file_loader) is JSONFileLoader
        and type(getattr(loader, "_extras_processor", None)) is ExtrasProcessor
        and loader.extras_types == _DEFAULT_EXTRAS
    ):
        return False
    paths = loader.search_paths
    return (
        paths[:2] == [Loader.CUSTOMER_DATA_PATH, Loader.BUILTIN_DATA_PATH]
        and all(path in _resource_model_directories() for path in paths[2:])
        and not os.path.isdir(Loader.CUSTOMER_DATA_PATH)
    )


def _resource_model_directories() -> frozenset[str]:
    """boto3's packaged data directory, which boto3 sessions add to their
    loader's search path, if it holds none of the shared files."""
    boto3 = sys.modules.get("boto3")
    if boto3 is None or boto3.__file__ is None:
        return frozenset()
    directory = os.path.join(os.path.dirname(boto3.__file__), "data")
    return frozenset({directory}) if _holds_no_shared_file(directory) else frozenset()


@functools.cache
def _holds_no_shared_file(directory: str) -> bool:
    return not any(
        name.startswith(_SHARED_NAMES)
        for _, _, files in os.walk(directory)
        for name in files
    )


def has_loaded(loader: object, *key_start: str) -> bool:
    """Whether ``loader``'s cache holds an answer whose key starts with
    ``key_start`` (the method's name, then its arguments): data its caller
    may have changed before creating a client."""
    cache = getattr(loader, "_cache", None)
    if not isinstance(cache, dict):
        return True
    size = len(key_start)
    return any(isinstance(key, tuple) and key[:size] == key_start for key in cache)


def wrap_deferred_component(
    session: Session, name: str, wrap: Callable[[Callable[[], Any]], Callable[[], Any]]
) -> None:
    """Replace the lazy factory of an internal component by ``wrap(factory)``.

    Leaves the session alone when the component is not (or no longer) lazy.
    """
    locator = getattr(session, "_internal_components", None)
    deferred = getattr(locator, "_deferred", None)
    if not isinstance(deferred, dict) or name not in deferred:
        return
    deferred[name] = wrap(deferred[name])


def handlers_for(events: Any, event_name: str) -> list[Any] | None:
    """The handlers a client's emitter calls for ``event_name``, in order, or
    None when this botocore keeps them in a way not known here.

    A client's ``meta.events`` is an ``AliasedEventEmitter`` around a
    ``HierarchicalEmitter``, whose ``_handlers`` trie answers
    ``prefix_search``.
    """
    trie = getattr(getattr(events, "_emitter", None), "_handlers", None)
    search = getattr(trie, "prefix_search", None)
    if search is None:
        return None
    try:
        return list(search(event_name))
    except Exception:
        return None
