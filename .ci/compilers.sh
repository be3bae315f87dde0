#!/usr/bin/env bash
# The C core compiled by every compiler against every CPython's headers CI
# has, with the project's strict flags (setup.py's STRICT_FLAGS): any warning
# fails.  Each file is compiled as the extension's build would (-O2, which
# also runs the warnings that need the optimiser's analysis) but not linked,
# so the whole matrix takes seconds:
#
#   host gcc            the host's CPython (PY, .venv/bin/python by default)
#   host gcc            free-threaded CPython 3.13t, when .ci/roots.sh has
#                       built it: the only headers here with Py_GIL_DISABLED
#   gcc-16, clang-21    CPython 3.13, 3.14 and 3.15 in the Debian unstable
#                       root (.ci/roots.sh sid), entered with roots.sh run
#
# A root that does not exist yet is made by .ci/roots.sh (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
SID_COMPILERS=(gcc-16 clang-21)
SID_PYTHONS=(3.13 3.14 3.15)

# setup.py's list, read without running setup.py.
read -r -a FLAGS <<<"$("$PY" - <<'PY'
import ast
from pathlib import Path

for node in ast.parse(Path("setup.py").read_text()).body:
    if isinstance(node, ast.Assign) and node.targets[0].id == "STRICT_FLAGS":
        print(" ".join(ast.literal_eval(node.value)))
PY
)"
[ ${#FLAGS[@]} -gt 0 ] || { echo "compilers: no STRICT_FLAGS in setup.py" >&2; exit 1; }

# $1: what to call this row, $2: the compiler, the rest: include flags.
# Every warning is an error, so any output at all fails the row.
check() {
    local row=$1 cc=$2
    shift 2
    local output status=0
    output=$(for source in csrc/*.c; do
        "$cc" -O2 -fPIC -c -o /dev/null "${FLAGS[@]}" -Icsrc "$@" "$source" 2>&1 ||
            echo "($source failed)"
    done)
    if [ -n "$output" ]; then
        echo "compilers: $row: FAILED"
        echo "$output"
        status=1
    else
        echo "compilers: $row: clean"
    fi
    return "$status"
}

status=0
host_include=$("$PY" -c 'import sysconfig; print(sysconfig.get_path("include"))')
host_version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
check "gcc $(gcc -dumpfullversion) x CPython $host_version (host)" gcc -I"$host_include" || status=1

freethreaded=$(.ci/roots.sh path freethreaded)
if [ -f "$freethreaded/.complete" ]; then
    ft_include=$("$freethreaded"/bin/python3.13t -c 'import sysconfig; print(sysconfig.get_path("include"))')
    check "gcc $(gcc -dumpfullversion) x CPython 3.13t (free-threaded)" gcc -I"$ft_include" || status=1
else
    echo "compilers: no free-threaded CPython yet: run .ci/roots.sh freethreaded" >&2
    status=1
fi

# Inside the root the same check function runs, handed over with the flags.
sid=$(.ci/roots.sh path sid)
.ci/roots.sh sid
sid_script=$(declare -f check)
sid_script+="
FLAGS=(${FLAGS[*]})
status=0
for cc in ${SID_COMPILERS[*]}; do
    for version in ${SID_PYTHONS[*]}; do
        check \"\$cc \$(\$cc -dumpfullversion 2>/dev/null || \$cc -dumpversion) x CPython \$version (sid)\" \"\$cc\" \$(python\$version-config --includes) || status=1
    done
done
exit \$status"
.ci/roots.sh run "$sid" bash -c "$sid_script" || status=1

exit "$status"
