#!/usr/bin/env bash
# aiomoto on PyPy 7.3.19: the test-pypy row of .ci/matrix (`make test-pypy`),
# plus a check that the environment's compiled modules import.
#
#   .ci/pypy.sh                install when stale, check, run the whole suite
#   .ci/pypy.sh install        install when stale, and check
#   .ci/pypy.sh PYTEST_ARGS... install when stale, check, run pytest PYTEST_ARGS
#
# Debian trixie's pypy3 runs inside the root .ci/roots.sh makes (made here
# when it is missing); the virtual environment is .venv-pypy in this
# checkout, with the pypy set (constraints/pypy.txt) and the test and dev
# extras, installed by .ci/suite.sh.  PyPy has no C core: aiomoto runs on its
# pure-Python one.
#
# Why the check: a package's PyPy wheel built for a newer PyPy installs
# cleanly here and fails only at import (undefined symbol
# PyPyModule_FromDefAndSpec2), which would show up as collection errors far
# from the cause.  Each compiled module in the environment is imported once,
# and one that fails is named with its distribution, to be held back in
# constraints/pypy.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-pypy

.ci/roots.sh trixie
.ci/suite.sh install test-pypy

read -r -d '' CHECK <<'PY' || true
import importlib
import importlib.metadata
import sys
import sysconfig
from pathlib import Path

site = Path(sysconfig.get_paths()["purelib"])
suffix = sysconfig.get_config_var("EXT_SUFFIX")
owners = importlib.metadata.packages_distributions()
failed = 0
for path in sorted(site.rglob(f"*{suffix}")):
    relative = path.relative_to(site)
    name = ".".join((*relative.parent.parts, relative.name[: -len(suffix)]))
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed += 1
        top = name.partition(".")[0]
        owner = " or ".join(
            f"{dist} {importlib.metadata.version(dist)}" for dist in owners.get(top, [])
        )
        print(f"pypy: {owner or top}: {name} does not import: {exc}", file=sys.stderr)
if failed:
    print(
        "pypy: hold each package above at a release whose PyPy wheel imports "
        "on this PyPy (constraints/pypy.txt)",
        file=sys.stderr,
    )
    sys.exit(1)
print(f"pypy: the compiled modules of {sys.prefix} import", file=sys.stderr)
PY
.ci/roots.sh with pypy3 "$VENV/bin/python" -c "$CHECK"

case ${1:-} in
install) exit 0 ;;
"") exec .ci/suite.sh test-pypy ;;
*) exec .ci/roots.sh with pypy3 "$VENV/bin/python" -m pytest -p no:cacheprovider -rs "$@" ;;
esac
