# Every target sets up what it needs on a fresh machine: the virtual
# environment, the package (with its C extension) and the test tools.
#
# CI tests three dependency sets, each pinned in constraints/<set>.txt and
# installed exactly into a virtual environment of its own:
#   default  .venv         aiobotocore 2.25.1 with aioboto3 (`make test`)
#   newest   .venv-newest  aiobotocore 3.x with httpx2, no aioboto3
#   floor    .venv-floor   the minimums pyproject.toml declares
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SOURCES := Makefile pyproject.toml setup.py $(wildcard csrc/*.c csrc/*.h)
# -rs prints why each skipped test skipped.  pytest exits 5 when it ran no
# test; make stops on it as on any failure.
PYTEST := -m pytest -p no:cacheprovider -rs

.PHONY: demo test test-newest test-floor lint bench sanitize wheel-check clean

# $(1): the environment's folder, $(2): its constraints file.
define dependency_set
$(1)/.installed: $(SOURCES) $(2)
	test -x $(1)/bin/python || $(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --upgrade pip 'setuptools>=77' wheel
	$(1)/bin/python -m pip install --quiet -r $(2) -e '.[test,dev]'
	touch $$@
endef
$(eval $(call dependency_set,$(VENV),constraints/default.txt))
$(eval $(call dependency_set,.venv-newest,constraints/newest.txt))
$(eval $(call dependency_set,.venv-floor,constraints/floor.txt))

demo: $(STAMP)
	$(PY) examples/demo.py

# The suite runs twice: in one process with the fast path, then on two
# pytest-xdist workers with Moto's own routing (AIOMOTO_FAST_PATH=0).
test: $(STAMP) lint
	$(PY) $(PYTEST)
	AIOMOTO_FAST_PATH=0 $(PY) $(PYTEST) -n 2

# The whole suite on the other sets, on two workers each.
test-newest: .venv-newest/.installed
	.venv-newest/bin/python $(PYTEST) -n 2

test-floor: .venv-floor/.installed
	.venv-floor/bin/python $(PYTEST) -n 2

lint: $(STAMP)
	$(PY) -m ruff check src tests examples bench
	$(PY) -m ruff format --check src tests examples bench
	$(PY) -m mypy src examples/typed_usage.py

# The C core under AddressSanitizer + UndefinedBehaviorSanitizer, and under
# valgrind, in builds of its own in build/sanitize; any report fails.  Needs
# gcc's libasan and valgrind.  See .ci/sanitize.sh.
sanitize: $(STAMP)
	PY=$(PY) .ci/sanitize.sh

# The sdist and a manylinux wheel, built from the committed tree, installed
# into a fresh venv and run from outside the source tree.  See .ci/wheel.sh.
wheel-check:
	PYTHON=$(PYTHON) .ci/wheel.sh

clean:
	rm -rf $(VENV) .venv-newest .venv-floor build src/*.egg-info src/aiomoto/*.so

# Also times the incumbent, aiomoto 0.5.8 from PyPI, which the first run
# installs into bench/.venv-incumbent.
bench: $(STAMP)
	$(PY) bench/run.py
