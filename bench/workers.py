"""Benchmark workers: processes of their own, driven in turns.

The incumbent (aiomoto 0.5.8 from PyPI) cannot share a process with this
aiomoto, so ``make bench`` installs it into ``bench/.venv-incumbent`` and
runs ``bench/worker.py`` there; the same script runs in this project's
virtual environment for this aiomoto, boto3 on ``moto.mock_aws`` and
aiobotocore on a ``ThreadedMotoServer``.  ``bench/core_worker.py`` runs there
too, twice, for the C core against the Python core (``bench/cores.py``).
The driver sends one request at a time, so the workers never run together
and each round alternates them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WORKER = BENCH_DIR / "worker.py"
INCUMBENT_VENV = BENCH_DIR / ".venv-incumbent"
INCUMBENT = "aiomoto==0.5.8"
# The newest Moto the incumbent accepts; botocore, aiobotocore, boto3,
# aiohttp and awscrt (botocore's CRT signer, which this project's test set
# installs) are this project's pins, so both sides run the same clients.
INCUMBENT_MOTO = "moto[s3,dynamodb]==5.2.4"
SHARED_PINS = ("boto3", "botocore", "aiobotocore", "aiohttp", "awscrt")


def _pins() -> list[str]:
    pins = {}
    for line in (ROOT / "constraints" / "default.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if version and name.strip() in SHARED_PINS:
            pins[name.strip()] = f"{name.strip()}=={version.strip()}"
    return [pins[name] for name in SHARED_PINS if name in pins]


def incumbent_python() -> Path:
    """The incumbent's interpreter, building its virtual environment once."""
    python = INCUMBENT_VENV / "bin" / "python"
    stamp = INCUMBENT_VENV / ".installed"
    wanted = " ".join([INCUMBENT, INCUMBENT_MOTO, *_pins()])
    if stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(INCUMBENT_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *wanted.split()],
        check=True,
    )
    stamp.write_text(wanted)
    return python


def rotated(items: Sequence[Any], by: int) -> list[Any]:
    """``items`` starting at ``by``: the order of one turn of a round."""
    by %= len(items)
    return [*items[by:], *items[:by]]


class Worker:
    """A worker script (``bench/worker.py`` unless told) in another process,
    answering one request at a time.  ``variables`` are set in its
    environment, or removed from it where their value is None."""

    def __init__(
        self,
        name: str,
        python: Path | str,
        script: Path = WORKER,
        variables: Mapping[str, str | None] | None = None,
    ) -> None:
        self.name = name
        environment = dict(os.environ)
        # The incumbent's environment must not see this checkout's aiomoto.
        environment.pop("PYTHONPATH", None)
        for variable, value in (variables or {}).items():
            if value is None:
                environment.pop(variable, None)
            else:
                environment[variable] = value
        self._process = subprocess.Popen(
            [str(python), str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=str(BENCH_DIR),
            env=environment,
        )
        self.versions: dict[str, str] = self.ask({"do": "versions"})

    def ask(self, request: dict[str, Any]) -> Any:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.name} worker stopped on {request}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"the {self.name} worker failed: {answer['error']}")
        return answer["result"]

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=60)
