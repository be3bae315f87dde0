#!/usr/bin/env bash
# `make test-free-threaded`: aiomoto on CPython 3.13.5 built with
# --disable-gil (.ci/roots.sh makes it from Debian trixie's source when it is
# missing), in .venv-3.13t.
#
# Moto cannot be installed there: its cryptography has wheels for 3.14t but
# none for 3.13t, and the source build needs Rust crates that cannot be
# reached.  So this runs what installs without Moto -- aiobotocore, botocore,
# boto3, aiohttp, trio, anyio, pytest (the default set's pins) and hypothesis
# 6.155.7, its last pure wheel --, with the C extension built strict:
#   - importing aiomoto and its C core keeps the GIL off, and is quiet under
#     -W error;
#   - the C types' tests (tests/test_core_types.py, both cores), the stream
#     fuzzing, the C types driven from many threads
#     (tests/test_free_threading.py) and the Python side under threads
#     (tests/test_thread_safety.py, whose Moto tests skip naming why), with a
#     check after each run that the GIL is still off.
# The subinterpreter test runs in a process of its own: on 3.13t a module
# object made after a subinterpreter has run is no longer collected by a
# later test's gc.collect() in that process.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=python3.13t
if ! "$PYTHON" -c "" >/dev/null 2>&1; then
    exec .ci/roots.sh with "$PYTHON" .ci/freethreaded.sh "$@"
fi
VENV=.venv-3.13t
PACKAGES="aiobotocore|botocore|boto3|aiohttp|httpx|trio|anyio|pytest|pytest-asyncio|pytest-xdist|sybil"

fingerprint=$(cat pyproject.toml setup.py constraints/default.txt csrc/* "$0" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$fingerprint" ]; then
    echo "free-threaded: installing into $VENV" >&2
    test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    # shellcheck disable=SC2046
    "$VENV/bin/python" -m pip install --quiet --only-binary :all: hypothesis==6.155.7 \
        $(grep -E "^($PACKAGES)==" constraints/default.txt)
    AIOMOTO_STRICT_BUILD=1 "$VENV/bin/python" -m pip install --quiet --no-deps -e .
    echo "$fingerprint" >"$VENV/.installed"
fi

gil_still_off='import sys; assert not sys._is_gil_enabled(), "the GIL was turned on"'
"$VENV/bin/python" -W error -c "
import sys
assert not sys._is_gil_enabled(), 'this build runs with the GIL'
import aiomoto, aiomoto._core, aiomoto._engine
$gil_still_off
print('free-threaded: import aiomoto and its C core: the GIL stays off, no warning')
"

pytest=("$VENV/bin/python" -m pytest -p no:cacheprovider -rs)
tests=(tests/test_core_types.py tests/test_stream_fuzz.py tests/test_free_threading.py
    tests/test_thread_safety.py)
# The fuzz test of bodies Moto itself serves needs Moto.
"${pytest[@]}" -k "not subinterpreter and not moto_serves" "${tests[@]}"
"${pytest[@]}" -k subinterpreter tests/test_core_types.py
# pytest itself exits with the GIL as it found it; a module that turned it
# on would have printed a RuntimeWarning, an error under the suite's
# filterwarnings = error.
"$VENV/bin/python" -c "$gil_still_off
import aiomoto._core
print('free-threaded: the GIL is off')"
