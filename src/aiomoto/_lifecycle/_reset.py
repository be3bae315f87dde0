"""``aiomoto.reset``: empty Moto's backends, all or some, inside a context."""

from __future__ import annotations

import difflib
import functools
import re
import typing
from typing import TYPE_CHECKING

from aiomoto._internals import moto as _moto
from aiomoto._lifecycle._state import state

if TYPE_CHECKING:
    from moto.core.base_backend import BackendDict

# Names moto.backends.get_backend accepts that are not services a user resets.
_INTERNAL = frozenset({"moto_api", "s3bucket_path", "instance_metadata"})


def _normal(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


@functools.cache
def known_services() -> dict[str, str]:
    """Moto's service names, keyed by their normal form (no case, - or _).

    Read from the names ``moto.backends.get_backend`` is typed to accept,
    which are the botocore-style names users know (``"lambda"``,
    ``"cognito-idp"``).
    """
    names = []
    for argument in typing.get_args(_moto.backends.SERVICE_NAMES):
        text = getattr(argument, "__forward_arg__", argument)
        match = re.fullmatch(r"Literal\['([^']+)'\]", str(text))
        if match and match.group(1) not in _INTERNAL:
            names.append(match.group(1))
    known = {_normal(name): name for name in names}
    # Moto's module names for the services whose botocore names differ.
    known.setdefault("awslambda", "lambda")
    return known


def _unknown(name: object, known: dict[str, str]) -> ValueError:
    shown = sorted(set(known.values()))
    close = difflib.get_close_matches(str(name).lower(), shown, n=3)
    hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
    return ValueError(
        f"aiomoto.reset() got {name!r}, which is not a service Moto implements."
        f"{hint} Known services: {', '.join(shown)}"
    )


def _resolve(services: tuple[str, ...]) -> list[str]:
    known = known_services()
    resolved = []
    for name in services:
        if not isinstance(name, str):
            raise TypeError(
                "aiomoto.reset() takes service names as separate strings, such as "
                f"reset('s3', 'sqs'), not {type(name).__name__}"
            )
        canonical = known.get(_normal(name))
        if canonical is None:
            raise _unknown(name, known)
        resolved.append(canonical)
    return resolved


def _reset_backends(backends: BackendDict) -> None:  # type: ignore[type-arg]
    """What ``BackendDict.reset`` does for every service, for one."""
    with _moto.base_backend.backend_lock:
        for account_backends in backends.values():
            account_backends.reset()
        backends.clear()
        instances = _moto.base_backend.BackendDict._instances  # type: ignore[misc]
        if backends in instances:
            instances.remove(backends)


def reset(*services: str) -> None:
    """Reset Moto's state while the aiomoto context stays active.

    ``aiomoto.reset()`` empties every service, as a fresh context would;
    ``aiomoto.reset("s3", "sqs")`` empties only those, and the others keep
    their data.  Names are Moto's (botocore's) service names; an unknown one
    raises ``ValueError`` listing the known ones, before anything is reset.
    Outside a context there is nothing to reset: ``RuntimeError``.
    """
    resolved = _resolve(services)
    if not state.active:
        raise RuntimeError(
            "aiomoto.reset() resets the state of an active aiomoto context, and "
            "none is active: call it inside aiomoto.mock_aws, the aiomoto_mock "
            "fixture or a test marked @pytest.mark.aiomoto"
        )
    # Held as the dispatcher holds it, so no request is inside Moto meanwhile.
    with state.dispatch_lock:
        if not services:
            _moto.base_backend.BackendDict.reset()
            _moto.reset_model_data()
            return
        for name in dict.fromkeys(resolved):
            backends = _moto.backends.get_backend(name)  # type: ignore[call-overload]
            if isinstance(backends, _moto.base_backend.BackendDict):
                _reset_backends(backends)
