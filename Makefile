# Every target sets up what it needs on a fresh machine: the virtual
# environment, the package (with its C extension) and the test tools.
#
# The CI matrix is written once, in .ci/matrix: each row is a make target
# that runs the whole suite on one Python, dependency set
# (constraints/<set>.txt), core and fast path.  .ci/suite.sh installs and
# runs a row, inside the Debian root that has its Python when the host lacks
# it (.ci/roots.sh makes the roots).  `make test` is the host's row:
# CPython 3.11, the default set, the C core, after the linters.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SOURCES := Makefile pyproject.toml setup.py .ci/matrix constraints/default.txt $(wildcard csrc/*.c csrc/*.h)
# The rows of .ci/matrix other than `make test`.
ROWS := $(filter-out test,$(shell awk '!/^\#/ && NF {print $$1}' .ci/matrix))

.PHONY: demo test $(ROWS) test-free-threaded test-aarch64 compilers lint docs bench sanitize wheel-check clean

$(STAMP): $(SOURCES)
	.ci/suite.sh install test
	touch $@

demo: $(STAMP)
	$(PY) examples/demo.py

test: lint
	.ci/suite.sh test

$(ROWS):
	.ci/suite.sh $@

# A free-threaded CPython 3.13.5, built from Debian trixie's source: the C
# core's tests, a stress of its types from many threads, and what of the
# suite installs there (Moto does not: see .ci/freethreaded.sh).
test-free-threaded:
	.ci/freethreaded.sh

# The wheel for Linux aarch64, cross-compiled and tested under qemu-user.
test-aarch64:
	.ci/aarch64.sh

# The C core compiled with every compiler and Python CI has, strict flags.
compilers:
	.ci/compilers.sh

lint: $(STAMP)
	$(PY) -m ruff check src tests examples bench conftest.py docs
	$(PY) -m ruff format --check src tests examples bench conftest.py docs
	$(PY) -m mypy src examples/typed_usage.py

# The documentation site, from docs/ into build/docs/html.  Strict: any
# warning, broken internal link or unresolved reference fails (links to
# other sites are not checked: the build is offline).  Its tools, pinned in
# docs/requirements.txt, live in .venv-docs; aiomoto itself is read, not
# installed.  Graphviz draws the diagrams, from Debian's packages if missing.
DOCS_VENV := .venv-docs

$(DOCS_VENV)/.installed: docs/requirements.txt
	test -x $(DOCS_VENV)/bin/python || $(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/python -m pip install --quiet -r docs/requirements.txt
	touch $@

docs: $(DOCS_VENV)/.installed
	command -v dot >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; } || \
	  { echo "make docs needs Graphviz's dot: apt-get install graphviz" >&2; exit 1; }
	$(DOCS_VENV)/bin/python -m sphinx -W --keep-going -n -q -b html \
	  -d build/docs/doctrees docs build/docs/html

# The C core under AddressSanitizer + UndefinedBehaviorSanitizer, and under
# valgrind, in builds of its own in build/sanitize; any report fails.  Needs
# gcc's libasan and valgrind.  See .ci/sanitize.sh.
sanitize: $(STAMP)
	PY=$(PY) .ci/sanitize.sh

# For each CPython CI runs (cp311, cp313, cp314, cp315, cp313t): the sdist
# and a manylinux wheel built from the committed tree, installed into a fresh
# venv and run from outside the source tree.  See .ci/wheel.sh.
wheel-check:
	.ci/wheel.sh

clean:
	rm -rf .venv .venv-* build src/*.egg-info src/aiomoto/*.so

# Also times the incumbent, aiomoto 0.5.8 from PyPI, which the first run
# installs into bench/.venv-incumbent.
bench: $(STAMP)
	$(PY) bench/run.py
