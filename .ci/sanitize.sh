#!/usr/bin/env bash
# `make sanitize`: aiomoto's C core checked for memory errors, two ways.
#
# 1. AddressSanitizer + UndefinedBehaviorSanitizer: the extension is built
#    with AIOMOTO_SANITIZE=1 into build/sanitize/asan (the in-place build in
#    src/ is left alone) and the C-type tests, the stream fuzzing, the
#    bad-input tests and a bounded set of integration tests run against it,
#    with libasan preloaded and Python allocating with malloc so that every
#    object is checked.  Any report fails: ASan and UBSan abort the process
#    that hits one, and their log files are checked afterwards too (a forked
#    child's report counts).
# 2. valgrind: tests/test_core_types.py against a plain build of the
#    extension; .ci/valgrind_check.py fails on any error touching the
#    extension and on any addressing error anywhere.
#
# The two run side by side (two cores) and finish in a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
OUT=build/sanitize
ASAN_TIMEOUT=${ASAN_TIMEOUT:-540}
VALGRIND_TIMEOUT=${VALGRIND_TIMEOUT:-540}

# What runs under the sanitizers: everything that drives the C types hard,
# leaving out the slow Python-level stress tests (the 500-context leak run,
# the fault injection at every call, a 256 MiB download).
ASAN_TESTS=(
    tests/test_core_types.py
    tests/test_free_threading.py
    tests/test_stream_fuzz.py
    tests/test_bad_input.py
    tests/test_concurrency.py
    tests/test_faults.py
    tests/test_mock_aws.py
    tests/test_s3_async.py
    tests/test_dynamodb_async.py
    tests/async_surface/test_streaming.py
    tests/async_surface/test_checksums.py
    tests/async_surface/test_event_stream.py
)
ASAN_DESELECT="not 256_mib and not at_any_call"

rm -rf "$OUT"
mkdir -p "$OUT/logs" "$OUT/valgrind"

# A tree of its own for each build: the package's Python files and an
# extension built with the given environment, strictly (any warning or a
# failed compile stops the run, rather than leaving the pure-Python core).
build() {
    local tree=$1
    shift
    mkdir -p "$tree/aiomoto"
    env AIOMOTO_STRICT_BUILD=1 "$@" "$PY" setup.py -q build_ext --force \
        --build-lib "$tree" --build-temp "$tree.tmp" >"$tree.build.log" 2>&1 ||
        { cat "$tree.build.log"; exit 1; }
    # The package's Python files, subpackages included, and never an
    # extension left in src/ by an in-place build.
    (cd src && find aiomoto \( -name '*.py' -o -name '*.pyi' -o -name py.typed \) \
        -exec cp --parents {} "$OLDPWD/$tree/" \;)
}

# The tree's extension must be the one Python imports.
check_import() {
    local tree=$1
    shift
    local core
    core=$(env PYTHONPATH="$tree" "$@" "$PY" -c \
        'import aiomoto._core as c; print(c.__file__)')
    case "$core" in
    "$PWD/$tree"/aiomoto/_core*) echo "sanitize: using $core" ;;
    *) echo "sanitize: imported $core, not the build in $tree" >&2; exit 1 ;;
    esac
}

echo "sanitize: building the extension with ASan+UBSan and plain"
build "$OUT/asan" AIOMOTO_SANITIZE=1
build "$OUT/plain"

LIBASAN=$(gcc -print-file-name=libasan.so)
LIBUBSAN=$(gcc -print-file-name=libubsan.so)
ASAN_ENV=(
    LD_PRELOAD="$LIBASAN $LIBUBSAN"
    PYTHONMALLOC=malloc
    ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$PWD/$OUT/logs/asan"
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$PWD/$OUT/logs/ubsan"
)
check_import "$OUT/asan" "${ASAN_ENV[@]}"
check_import "$OUT/plain"

echo "sanitize: ${#ASAN_TESTS[@]} test files under ASan+UBSan; test_core_types.py under valgrind"
env PYTHONPATH="$OUT/asan" "${ASAN_ENV[@]}" timeout "$ASAN_TIMEOUT" \
    "$PY" -m pytest -q -p no:cacheprovider -k "$ASAN_DESELECT" "${ASAN_TESTS[@]}" \
    >"$OUT/asan.log" 2>&1 &
asan=$!
env PYTHONPATH="$OUT/plain" PYTHONMALLOC=malloc timeout "$VALGRIND_TIMEOUT" \
    valgrind --quiet --xml=yes --xml-file="$OUT/valgrind/report.%p.xml" \
    --suppressions=.ci/valgrind.supp --num-callers=40 --leak-check=full \
    --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    "$PY" -m pytest -q -p no:cacheprovider tests/test_core_types.py \
    >"$OUT/valgrind.log" 2>&1 &
grind=$!

status=0
if wait "$asan"; then
    tail -n 1 "$OUT/asan.log"
else
    cat "$OUT/asan.log"
    echo "sanitize: the tests under ASan+UBSan failed" >&2
    status=1
fi
if wait "$grind"; then
    tail -n 1 "$OUT/valgrind.log"
else
    cat "$OUT/valgrind.log"
    echo "sanitize: the tests under valgrind failed" >&2
    status=1
fi

reports=$(find "$OUT/logs" -type f | sort)
if [ -n "$reports" ]; then
    for report in $reports; do
        echo "== $report"
        cat "$report"
    done
    echo "sanitize: ASan/UBSan reported errors" >&2
    status=1
else
    echo "sanitize: ASan/UBSan: 0 reports"
fi

core=$(basename "$(find "$OUT/plain/aiomoto" -name '_core*.so')")
"$PY" .ci/valgrind_check.py "$core" "$OUT"/valgrind/report.*.xml || status=1
exit "$status"
