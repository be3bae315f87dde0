"""Every private or structural name of a third-party library aiomoto uses.

One module per library -- :mod:`.moto`, :mod:`.botocore`, :mod:`.aiobotocore`
and :mod:`.responses`, and for server mode and raw HTTP :mod:`.moto_server`,
:mod:`.aiohttp` and :mod:`.httpx` -- holds the names aiomoto reads, calls or
replaces in it, and the checks that they exist in the installed version.  The
rest of aiomoto reaches those libraries' internals only through
these modules.

Each internal serves one of two purposes:

* **correctness** -- without it aiomoto cannot answer right.  Each module's
  ``REQUIRED`` lists them; :func:`check_required` runs at import and at every
  outermost enter, and a missing one raises
  :class:`~aiomoto.UnsupportedDependencyError` naming the library, its
  installed version and the range aiomoto supports.
* **fast path** -- it only makes aiomoto faster.  Each piece of the fast path
  (see ``aiomoto._fast_path._pieces``) asks a ``missing_*`` function of these modules
  what it lacks; a piece that lacks something switches itself off and Moto's
  own code answers instead.

Checks test what is there (an attribute, a signature, a behaviour), never a
version number.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from importlib import metadata
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from aiomoto.errors import UnsupportedDependencyError


class Required(NamedTuple):
    """A dotted name (``module:attribute.attribute``) aiomoto cannot do without."""

    library: str
    name: str


def lookup(name: str) -> Any:
    """The object a ``module:attr.attr`` name points at; raises when absent."""
    module_name, _, path = name.partition(":")
    found: Any = importlib.import_module(module_name)
    for part in path.split(".") if path else ():
        found = getattr(found, part)
    return found


def first_missing(names: Iterable[str]) -> str | None:
    """The first of ``names`` that cannot be looked up, or None."""
    for name in names:
        try:
            lookup(name)
        except (ImportError, AttributeError):
            return name
    return None


def installed_version(library: str) -> str:
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return "(not installed as a distribution)"


def unsupported(library: str, what: str) -> UnsupportedDependencyError:
    """The error for a correctness internal ``what`` that ``library`` lacks."""
    # Imported here, so that the pytest plugin's import of this package stays
    # as cheap as pytest's own modules.
    from aiomoto._versions import supported_range
    from aiomoto.errors import UnsupportedDependencyError

    version = installed_version(library)
    supported = supported_range(library)
    return UnsupportedDependencyError(
        f"aiomoto cannot work with {library} {version}: it needs {what}, which "
        f"this {library} does not have. aiomoto supports {library} {supported}; "
        f"install a version in that range (pip install '{library}{supported}').",
        library=library,
        version=version,
        supported=supported,
    )


def check_required(
    required: Iterable[Required], extra: Iterable[Callable[[], None]] = ()
) -> None:
    """Raise UnsupportedDependencyError for the first required name missing."""
    for item in required:
        if first_missing([item.name]) is not None:
            raise unsupported(item.library, item.name)
    for check in extra:
        check()
