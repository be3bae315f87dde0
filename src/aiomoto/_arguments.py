"""TypeErrors for misspelled keyword arguments that name the right one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping


def unexpected_keywords(
    function: str, given: Mapping[str, object], accepted: Iterable[str]
) -> TypeError:
    """The error for keywords ``function`` does not take, with suggestions."""
    accepted = list(accepted)
    problems = []
    for name in given:
        close = difflib.get_close_matches(name, accepted, n=1, cutoff=0.6)
        hint = f" -- did you mean {close[0]!r}?" if close else ""
        problems.append(f"{name!r}{hint}")
    takes = ", ".join(f"{name}=" for name in accepted)
    return TypeError(
        f"{function} got an unexpected keyword argument {'; '.join(problems)} "
        f"({function} takes {takes})"
    )
