"""Which core runs: the C extension when it imports, else its Python twin.

``AIOMOTO_NO_EXTENSIONS`` (any non-empty value) selects the Python core
without ever importing the extension; PyPy and an extension that fails to
import fall back to it too.  ``aiomoto.diagnostics()`` says which core runs
and why.  The selection happens at import, so each case runs in a fresh
interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import aiomoto
from aiomoto import _engine

ROOT = Path(__file__).resolve().parents[1]

# Reports the core, the reason, whether the extension was ever imported, and
# that an S3 round trip (sync and async) works on that core.
REPORT = textwrap.dedent(
    """
    import asyncio, json, sys
    {prelude}
    import boto3
    from aiobotocore.session import get_session
    import aiomoto

    async def round_trip():
        async with get_session().create_client("s3", region_name="us-east-1") as s3:
            await s3.put_object(Bucket="engine", Key="k", Body=b"async body")
            got = await s3.get_object(Bucket="engine", Key="k")
            async with got["Body"] as body:
                return await body.read()

    with aiomoto.mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="engine")
        body = asyncio.run(round_trip())
    report = aiomoto.diagnostics()
    print(json.dumps({{
        "core": report.core,
        "reason": report.core_reason,
        "extension_loaded": "aiomoto._core" in sys.modules,
        "body": body.decode(),
    }}))
    """
)


def run_report(env_value: str | None, prelude: str = "") -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != _engine.NO_EXTENSIONS_VARIABLE}
    if env_value is not None:
        env[_engine.NO_EXTENSIONS_VARIABLE] = env_value
    done = subprocess.run(
        [sys.executable, "-c", REPORT.format(prelude=prelude)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return report


@pytest.mark.parametrize("value", ["1", "0", "yes"])
def test_no_extensions_runs_the_python_core_without_loading_the_extension(
    value: str,
) -> None:
    # Any non-empty value, "0" too, as multidict's and yarl's variables.
    assert run_report(value) == {
        "core": "Python",
        "reason": f"AIOMOTO_NO_EXTENSIONS={value} is set",
        "extension_loaded": False,
        "body": "async body",
    }


def test_an_empty_setting_is_no_setting() -> None:
    assert run_report("") == run_report(None)


def test_the_c_core_runs_where_it_is_built(c_core: object) -> None:
    assert run_report(None) == {
        "core": "C",
        "reason": "the C extension aiomoto._core is built",
        "extension_loaded": True,
        "body": "async body",
    }


@pytest.mark.skipif(
    sys.implementation.name != "cpython",
    reason="elsewhere than CPython the extension is never tried, so it cannot "
    "fail to import",
)
def test_an_extension_that_fails_to_import_leaves_the_python_core() -> None:
    # None in sys.modules makes the import fail, as a broken build would.
    report = run_report(None, prelude='sys.modules["aiomoto._core"] = None')
    assert report["core"] == "Python"
    assert report["reason"] == (
        "the C extension failed to import: import of aiomoto._core halted; "
        "None in sys.modules"
    )
    assert report["body"] == "async body"


def test_pypy_runs_the_python_core_without_trying_the_extension() -> None:
    # What the engine reads to know it runs on PyPy, as PyPy gives it.
    prelude = (
        "import types; "
        "sys.implementation = types.SimpleNamespace(**{**vars(sys.implementation), "
        "'name': 'pypy'})"
    )
    report = run_report(None, prelude=prelude)
    assert report["core"] == "Python"
    assert report["reason"] == "the C extension is not built for PyPy"
    assert report["extension_loaded"] is False


def test_diagnostics_report_the_core_that_runs() -> None:
    report = aiomoto.diagnostics()
    assert (report.core, report.core_reason) == (_engine.name, _engine.reason)
    assert report.core in ("C", "Python")
