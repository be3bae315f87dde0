"""Which pieces of the fast path are on in this process, and why.

The fast path (``_routing``, ``_moto_request``, ``_memo``,
``_session_data`` and ``_async_emit``) only makes
aiomoto faster; Moto's and botocore's own code gives the same answers
without it.  Each piece relies on internals
of Moto, botocore or ``responses`` that some supported releases lack.  At
the first outermost enter each piece asks ``aiomoto._internals`` whether what
it needs is there; one that lacks something stays off for the process, a debug
line on the ``aiomoto`` logger names what is missing, and
:func:`aiomoto.diagnostics` reports it.  ``AIOMOTO_FAST_PATH=0`` switches
every piece off.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import NamedTuple

from aiomoto._fast_path import _moto_request
from aiomoto._internals import aiobotocore as aiobotocore_internals
from aiomoto._internals import botocore as botocore_internals
from aiomoto._internals import moto as moto_internals
from aiomoto._internals import responses as responses_internals
from aiomoto._lifecycle._environment import switch

FAST_PATH_VARIABLE = "AIOMOTO_FAST_PATH"

logger = logging.getLogger("aiomoto")


def switched_on() -> bool:
    """Whether the fast path is on: it is unless ``AIOMOTO_FAST_PATH`` is 0
    (or false, no, off)."""
    return switch(FAST_PATH_VARIABLE, default=True)


def _first(*checks: Callable[[], str | None]) -> Callable[[], str | None]:
    def missing() -> str | None:
        for check in checks:
            found = check()
            if found is not None:
                return found
        return None

    return missing


# Piece name -> what it lacks in the installed libraries (None: nothing).
PIECES: dict[str, Callable[[], str | None]] = {
    "routing cache": moto_internals.missing_for_routing,
    "responses registrations": _first(
        moto_internals.missing_for_registrations,
        responses_internals.missing_for_registrations,
    ),
    "endpoint memo": botocore_internals.missing_for_endpoint_memo,
    "timestamp memo": botocore_internals.missing_for_timestamp_memo,
    "user-agent memo": botocore_internals.missing_for_user_agent_memo,
    "user-agent string memo": botocore_internals.missing_for_user_agent_string_memo,
    "attribute-alias memo": moto_internals.missing_for_alias_memo,
    "action-lookup memo": moto_internals.missing_for_action_memo,
    "snake-case memo": moto_internals.missing_for_snake_case_memo,
    "S3 addressing memo": moto_internals.missing_for_s3_addressing_memo,
    "handler-signature memo": botocore_internals.missing_for_handler_memo,
    "event-alias memo": botocore_internals.missing_for_event_alias_memo,
    "session data": botocore_internals.missing_for_session_data,
    "async emit": aiobotocore_internals.missing_for_async_emit,
    "request building": _first(
        botocore_internals.missing_for_header_items,
        functools.partial(
            moto_internals.missing_for_request_building, _moto_request.normalize
        ),
    ),
}


class FastPathPiece(NamedTuple):
    """One piece of aiomoto's fast path, as :func:`aiomoto.diagnostics` reports it."""

    name: str
    enabled: bool
    # Why it is off ("" when on): the switch, or the internal it lacks.
    reason: str


def _piece(name: str, lacking: str | None, on: bool) -> FastPathPiece:
    if not on:
        return FastPathPiece(name, False, f"{FAST_PATH_VARIABLE} switches it off")
    if lacking is None:
        return FastPathPiece(name, True, "")
    return FastPathPiece(
        name,
        False,
        f"{lacking} is missing or changed in the installed version; Moto's "
        "own code answers instead",
    )


class Decisions:
    """The pieces' state, decided at each outermost enter.

    What the installed libraries lack is asked once per process; the
    ``AIOMOTO_FAST_PATH`` switch is read at every outermost enter.
    """

    def __init__(self) -> None:
        self._lacking: dict[str, str | None] | None = None
        self.pieces: dict[str, FastPathPiece] = {}

    def lacking(self) -> dict[str, str | None]:
        if self._lacking is None:
            self._lacking = {name: missing() for name, missing in PIECES.items()}
        return self._lacking

    def evaluate(self) -> dict[str, FastPathPiece]:
        on = switched_on()
        return {name: _piece(name, why, on) for name, why in self.lacking().items()}

    def decide(self) -> None:
        decided = self.evaluate()
        for name, piece in decided.items():
            if not piece.enabled and self.pieces.get(name) != piece:
                logger.debug("aiomoto fast path: %s is off: %s", name, piece.reason)
        self.pieces = decided

    def enabled(self, name: str) -> bool:
        piece = self.pieces.get(name)
        return piece is not None and piece.enabled


decisions = Decisions()


@functools.cache
def condition(name: str) -> Callable[[], bool]:
    """A patch-table condition: whether piece ``name`` is on in this context."""
    if name not in PIECES:
        raise KeyError(name)

    def piece_enabled() -> bool:
        return decisions.enabled(name)

    piece_enabled.__qualname__ = f"fast path piece {name!r}"
    return piece_enabled


def report() -> tuple[FastPathPiece, ...]:
    """Each piece's state: as decided in the active context, else as the
    next outermost enter would decide it."""
    from aiomoto._lifecycle._state import state

    if state.active and decisions.pieces:
        return tuple(decisions.pieces.values())
    return tuple(decisions.evaluate().values())
