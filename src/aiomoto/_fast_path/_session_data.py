"""Session data loaded once per process, for the sessions tests create.

A test usually builds a fresh session -- a fixture calls ``get_session()``
or ``aioboto3.Session()``, and Moto drops boto3's default session at every
mock start.  A fresh botocore session reads and parses again the endpoint
JSON, each service model and each endpoint rule set its clients use, and
walks botocore's data directory to list the services: a fresh session and
one client cost several times a client from a warm session, nearly all of
it in ``json.loads``.

While an aiomoto context is active (it is the fast path's "session data"
piece, off with ``AIOMOTO_FAST_PATH=0`` or on a botocore without the
internals it needs; see ``aiomoto._internals.botocore``), sessions created
in it take three things from one process-wide botocore
``Loader`` instead of their own: the service model and the endpoint rule
set a new client is built from, and the data of the session's endpoint
resolver.  What stays shared is that loader's data, which aiomoto hands
only to botocore's ``ServiceModel``, ``EndpointProvider`` and
``EndpointResolver``; botocore's own loader already shares these same
objects among all clients of one session.  They only read them, but for
one S3 handler that rewrites an operation's ``http`` on its first call,
and the endpoint resolver, which fills in the endpoint data of the services
it resolves: each client gets copies of its own of the first
(:func:`own_description`), each session of the second (:func:`own_endpoints`).
``tests/test_session_data.py`` checks, after clients of several services
have made calls through Moto, that the shared data still equal a fresh
load.  The
session's data loader itself is untouched: what a caller loads through
``session.get_component("data_loader")`` is that session's own, freshly
parsed, so changing it changes nothing for another session.

Only sessions whose loader reads botocore's packaged data alone share:
botocore's own ``Loader`` and file loader, no ``AWS_DATA_PATH`` or
``data_path``, no ``~/.aws/models``, the default extras, and no model of
that service loaded (and perhaps changed) through the session's loader
before the client.  Packaged data do not change while a process runs, so
the shared answers are the ones the session's loader would give.  Every
other session loads its own data, as botocore does.

Why only inside a context: aiomoto changes nothing for code outside its
contexts.  The data stay for the process (they are the files in botocore's
package), so each test's fresh session finds them already loaded.

Threads: ``_lock`` guards the first load of each piece of shared data (so
it is parsed once, however many threads ask at once) and each session's
copy of a service's endpoint data (so that no thread's resolver is handed
the shared one to write into).  Once loaded or copied, a piece is found
with one dict lookup, without the lock.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from aiomoto._internals import botocore as internals
from aiomoto._internals.botocore import (
    ClientCreator,
    EndpointResolver,
    Loader,
    ServiceModel,
    Session,
)

SERVICE_MODEL = "service-2"
ENDPOINT_RULESET = "endpoint-rule-set-1"


# Held while shared data are first loaded and while a session copies a
# service's endpoint data; never needed to read what is already there.
_lock = threading.Lock()


def _fresh_lock() -> None:
    # A forked child has only the forking thread: a hold by any other would
    # never end.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_fresh_lock)


class SharedData:
    """botocore's packaged data, loaded once by one loader of aiomoto's own."""

    def __init__(self) -> None:
        self._loader: Loader | None = None
        # What the loader answered, by the arguments it was asked with:
        # written under ``_lock``, read without it.
        self._loaded: dict[tuple[Any, ...], Any] = {}

    def _load(self, key: tuple[Any, ...], load: Callable[[Loader], Any]) -> Any:
        try:
            return self._loaded[key]
        except KeyError:
            pass
        with _lock:
            if key not in self._loaded:
                if self._loader is None:
                    self._loader = Loader()
                self._loaded[key] = load(self._loader)
            return self._loaded[key]

    def model(self, service_name: str, type_name: str, api_version: str | None) -> Any:
        return self._load(
            (service_name, type_name, api_version),
            lambda loader: loader.load_service_model(
                service_name, type_name, api_version=api_version
            ),
        )

    def endpoints(self) -> tuple[Any, bool]:
        """The endpoint data, and whether it is botocore's packaged file."""

        def load(loader: Loader) -> tuple[Any, bool]:
            data, path = loader.load_data_with_path("endpoints")
            return data, loader.is_builtin_path(path)

        answer: tuple[Any, bool] = self._load(("endpoints",), load)
        return answer


shared = SharedData()


def _shares(loader: object, *loaded: str) -> bool:
    return internals.is_default_loader(loader) and not internals.has_loaded(
        loader, *loaded
    )


def load_service_model(
    botocore_load: Callable[[ClientCreator, str, str | None], ServiceModel],
) -> Callable[..., ServiceModel]:
    """``ClientCreator._load_service_model`` while the sharing is installed."""

    def _load_service_model(
        self: ClientCreator, service_name: str, api_version: str | None = None
    ) -> ServiceModel:
        loader = internals.creator_loader(self)
        if not _shares(loader, "load_service_model", service_name, SERVICE_MODEL):
            return botocore_load(self, service_name, api_version)
        return ServiceModel(
            own_description(shared.model(service_name, SERVICE_MODEL, api_version)),
            service_name=service_name,
        )

    return _load_service_model


def load_service_endpoints_ruleset(
    botocore_load: Callable[[ClientCreator, str, str | None], Any],
) -> Callable[..., Any]:
    """``ClientCreator._load_service_endpoints_ruleset``, shared."""

    def _load_service_endpoints_ruleset(
        self: ClientCreator, service_name: str, api_version: str | None = None
    ) -> Any:
        loader = internals.creator_loader(self)
        if not _shares(loader, "load_service_model", service_name, ENDPOINT_RULESET):
            return botocore_load(self, service_name, api_version)
        return shared.model(service_name, ENDPOINT_RULESET, api_version)

    return _load_service_endpoints_ruleset


def register_endpoint_resolver(
    botocore_register: Callable[[Session], None],
) -> Callable[[Session], None]:
    """``Session._register_endpoint_resolver``: botocore's lazy factory,
    answered from the shared data for a session that shares."""

    def _register_endpoint_resolver(self: Session) -> None:
        botocore_register(self)

        def wrap(botocore_factory: Callable[[], Any]) -> Callable[[], Any]:
            def create_endpoint_resolver() -> Any:
                loader = self.get_component("data_loader")
                if not _shares(loader, "load_data_with_path", "endpoints"):
                    return botocore_factory()
                endpoints, builtin = shared.endpoints()
                return EndpointResolver(
                    own_endpoints(endpoints), uses_builtin_data=builtin
                )

            return create_endpoint_resolver

        internals.wrap_deferred_component(self, "endpoint_resolver", wrap)

    return _register_endpoint_resolver


def own_description(shared_description: Any) -> Any:
    """A client's service description: the shared one, with copies of its own
    of the parts botocore changes.

    botocore's S3 handler ``remove_bucket_from_url_paths_from_model``
    rewrites an operation's ``http`` (``requestUri``, ``authPath``) the
    first time a client calls it; botocore's own loader shares that change
    with the session's later clients, a shared one would share it with
    every session.  So each client gets its own top level, operations table,
    operations and their ``http``; the shapes, documentation and the rest,
    which botocore only reads, stay shared.
    """
    description = type(shared_description)(shared_description)
    operations = description.get("operations")
    if isinstance(operations, dict):
        description["operations"] = type(operations)(
            (name, _own_operation(operation)) for name, operation in operations.items()
        )
    return description


class _ServicesCopiedOnUse(OrderedDict[str, Any]):
    """A partition's ``services``, each copied from the shared data the first
    time this session's endpoint resolver reads it.

    botocore's ``EndpointResolver`` writes into the endpoint data of a
    service it resolves (the partition, the DNS suffix, the defaults it
    merged and the hostname it expanded), so each session resolves on a
    copy of its own, as when it loads the file itself.
    """

    def __getitem__(self, name: str) -> Any:
        try:
            return self._copies[name]
        except KeyError:
            pass
        with _lock:
            # Checked again under the lock, where another thread's copy is
            # seen: the shared service is read only here, to be copied.
            if name not in self._copies:
                copy = _own_service(super().__getitem__(name))
                super().__setitem__(name, copy)
                self._copies[name] = copy
            return self._copies[name]

    def get(self, name: str, default: Any = None) -> Any:
        if name not in self:
            return default
        return self[name]

    def values(self) -> Any:
        return [self[name] for name in self]

    def items(self) -> Any:
        return [(name, self[name]) for name in self]

    def __init__(self, shared_services: Any) -> None:
        super().__init__(shared_services)
        # This session's copies, by service: written under ``_lock``.
        self._copies: dict[str, Any] = {}


def _own_service(shared_service: Any) -> Any:
    """A service's endpoint data with its endpoints copied: the resolver
    writes into an endpoint's entry, and only puts references to the
    service's and partition's defaults into it."""
    if not isinstance(shared_service, dict):
        return shared_service
    service = type(shared_service)(shared_service)
    endpoints = service.get("endpoints")
    if isinstance(endpoints, dict):
        service["endpoints"] = type(endpoints)(
            (name, type(entry)(entry) if isinstance(entry, dict) else entry)
            for name, entry in endpoints.items()
        )
    return service


def own_endpoints(shared_endpoints: Any) -> Any:
    """A session's endpoint data: the shared partitions' fields, and their
    services copied on use."""
    endpoints = type(shared_endpoints)(shared_endpoints)
    partitions = []
    for shared_partition in shared_endpoints.get("partitions", []):
        partition = type(shared_partition)(shared_partition)
        if isinstance(partition.get("services"), dict):
            partition["services"] = _ServicesCopiedOnUse(partition["services"])
        partitions.append(partition)
    endpoints["partitions"] = partitions
    return endpoints


def _own_operation(shared_operation: Any) -> Any:
    if not isinstance(shared_operation, dict):
        return shared_operation
    operation = type(shared_operation)(shared_operation)
    http = operation.get("http")
    if isinstance(http, dict):
        operation["http"] = type(http)(http)
    return operation
