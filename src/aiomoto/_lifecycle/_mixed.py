"""One context at a time: Moto's own ``mock_aws`` and aiomoto's do not mix.

aiomoto drives Moto's ``MockAWS`` itself.  A raw ``moto.mock_aws`` started
alongside would share Moto's counters, and whichever stopped first would
reset the backends and switch off the stubber under the other.  So:

* entering aiomoto while a raw Moto mock is active raises
  :class:`~aiomoto.MixedMocksError` (checked at the outermost enter);
* while aiomoto is active, ``moto.core.models.MockAWS.start`` is replaced by
  :func:`refusing_start`, which raises the same error -- this catches
  ``with moto.mock_aws():``, ``moto.mock_aws().start()`` and Moto's decorator
  on a test that runs inside an aiomoto context or fixture.

aiomoto starts its own Moto mocks through :func:`start_moto`, which calls
Moto's ``start`` directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiomoto._internals import moto as _moto
from aiomoto.errors import MixedMocksError

if TYPE_CHECKING:
    import moto.core.models

_moto_start = vars(_moto.models.MockAWS)["start"]

_HOW_TO_FIX = (
    "Use one context per test: aiomoto.mock_aws serves boto3 as well as "
    "aiobotocore and aioboto3, so replace moto.mock_aws (decorator, with-block "
    "or fixture) with aiomoto.mock_aws, the aiomoto_mock fixture or "
    "@pytest.mark.aiomoto -- or use Moto's alone for sync-only tests."
)


def raw_moto_active() -> bool:
    """Whether a Moto mock not started by aiomoto is active."""
    return _moto.nested_count() > 0


def refuse_raw_moto() -> None:
    """Raise if a raw Moto mock is active; called at the outermost enter."""
    if raw_moto_active():
        raise MixedMocksError(
            "aiomoto.mock_aws was entered while Moto's own mock_aws is active. "
            "The two share Moto's state, and the first to stop would reset it "
            "under the other. " + _HOW_TO_FIX
        )


def start_moto(mock: moto.core.models.MockAWS, reset: bool) -> None:
    """Start one of aiomoto's own Moto mocks, past :func:`refusing_start`."""
    _moto_start(mock, reset=reset)


def refusing_start(self: moto.core.models.MockAWS, reset: bool = True) -> None:
    """``MockAWS.start`` while aiomoto is active: refuse a second context."""
    raise MixedMocksError(
        "moto.mock_aws was started while aiomoto.mock_aws is active (from "
        "aiomoto.mock_aws, the aiomoto_mock fixture or @pytest.mark.aiomoto). "
        "The aiomoto context already mocks boto3: remove Moto's decorator or "
        "with-block from this test. " + _HOW_TO_FIX
    )
