#!/usr/bin/env bash
# One row of the CI matrix (.ci/matrix): the whole suite on one Python,
# dependency set, core and fast path.
#
#   .ci/suite.sh TARGET           install the row's environment when it is
#                                 missing or stale, then run the suite
#   .ci/suite.sh install TARGET   only install
#
# A row whose Python the host lacks runs where .ci/roots.sh provides it (a
# Debian root, made when it is missing): this script calls itself there, in
# the same checkout.  Each row has a virtual environment of its own
# in the checkout (.venv for `make test`, .venv-<name> for test-<name>),
# reinstalled when the files that decide its contents change.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    echo "usage: .ci/suite.sh [install] TARGET   (TARGET: a row of .ci/matrix)" >&2
    exit 2
}

action=run
case ${1:-} in
install) action=install; shift ;;
--) shift ;;
esac
[ $# -eq 1 ] || usage
target=$1

row=$(awk -v t="$target" '$1 == t && $0 !~ /^#/' .ci/matrix)
[ -n "$row" ] || { echo "suite: $target is not a row of .ci/matrix" >&2; usage; }
read -r _ python set core fast_path workers <<<"$row"

# A Python the host lacks: run this row where .ci/roots.sh provides it.
if ! "$python" -c "" >/dev/null 2>&1; then
    exec .ci/roots.sh with "$python" .ci/suite.sh \
        "$([ "$action" = install ] && echo install || echo --)" "$target"
fi

venv=.venv
[ "$target" = test ] || venv=.venv-${target#test-}

build_env=(AIOMOTO_STRICT_BUILD=1)
run_env=()
if [ "$core" = python ]; then
    build_env=(AIOMOTO_NO_EXTENSIONS=1)
    run_env+=(AIOMOTO_NO_EXTENSIONS=1)
fi
[ "$fast_path" = off ] && run_env+=(AIOMOTO_FAST_PATH=0)

# What decides the environment's contents: a change to any of these
# reinstalls it (the C sources included: the editable install builds them).
fingerprint=$(cat pyproject.toml setup.py "constraints/$set.txt" csrc/* 2>/dev/null |
    { echo "$row"; cat; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$venv/.installed" 2>/dev/null)" != "$fingerprint" ]; then
    echo "suite: installing the $set set for $python into $venv" >&2
    test -x "$venv/bin/python" || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip 'setuptools>=77' wheel
    env "${build_env[@]}" "$venv/bin/python" -m pip install --quiet \
        -r "constraints/$set.txt" -e '.[test,dev]'
    echo "$fingerprint" >"$venv/.installed"
fi
[ "$action" = install ] && exit 0

pytest=("$venv/bin/python" -m pytest -p no:cacheprovider -rs)
[ "$workers" -gt 0 ] && pytest+=(-n "$workers")
echo "suite: $target: $python, $set set, $core core, fast path $fast_path" >&2
exec env "${run_env[@]}" "${pytest[@]}"
