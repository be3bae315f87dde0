"""``aiomoto.diagnostics()``: what aiomoto runs on, and which speed-ups are on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from aiomoto import _engine
from aiomoto._fast_path._pieces import FastPathPiece, report
from aiomoto._internals import installed_version


class Diagnostics(NamedTuple):
    """What :func:`aiomoto.diagnostics` returns."""

    # Installed versions of the libraries aiomoto works with.
    versions: Mapping[str, str]
    # Each piece of the fast path, on or off and why.
    fast_path: tuple[FastPathPiece, ...]
    # The core that runs requests: "C" (the extension) or "Python" (its
    # pure-Python twin), and why that one.
    core: str
    core_reason: str


def diagnostics() -> Diagnostics:
    """The installed versions aiomoto works with, its fast path's state and
    which core runs requests.

    A piece of the fast path is off when ``AIOMOTO_FAST_PATH=0`` or when an
    internal it relies on is missing from the installed Moto, botocore or
    ``responses``; aiomoto then answers through Moto's own code, just slower.
    Inside a context this is the state that context runs with.  The core is
    the C extension unless ``AIOMOTO_NO_EXTENSIONS`` is set, this is PyPy,
    or the extension failed to import; the Python core answers the same,
    more slowly.
    """
    return Diagnostics(
        versions={
            name: installed_version(name)
            for name in ("moto", "botocore", "aiobotocore", "boto3", "responses")
        },
        fast_path=report(),
        core=_engine.name,
        core_reason=_engine.reason,
    )
