"""The ``responses`` library's internals that aiomoto uses (fast path only).

Moto starts a ``responses`` mock for the ``requests`` library.  The fast
path keeps Moto's registrations across contexts and empties their call
records before each reuse, reading the record list of ``CallList``.
"""

from __future__ import annotations

from typing import Any

from aiomoto._internals import first_missing

LIBRARY = "responses"


def missing_for_registrations() -> str | None:
    """What the kept registrations need of ``responses``, or None."""
    missing = first_missing(
        ["responses:CallList.reset", "moto.core.models:responses_mock._registry"]
    )
    if missing is not None:
        return missing
    from responses import CallList

    if not isinstance(vars(CallList()).get("_calls"), list):
        return "responses:CallList._calls (a list)"
    return None


def has_calls(response: Any) -> bool:
    """Whether a registration has recorded calls since its last reset."""
    return bool(response.calls._calls)


def registry_of(mock: Any) -> Any:
    """The registry a ``RequestsMock`` matches requests against."""
    return mock._registry
