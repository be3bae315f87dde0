# Every target sets up what it needs on a fresh machine: the virtual
# environment, the package (with its C extension) and the test tools.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench sanitize wheel-check clean

$(STAMP): Makefile pyproject.toml setup.py constraints.txt $(wildcard csrc/*.c csrc/*.h)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip 'setuptools>=77' wheel
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

# The suite runs twice: in one process with the fast path, then on two
# pytest-xdist workers with Moto's own routing (AIOMOTO_FAST_PATH=0).
test: $(STAMP) lint
	$(PY) -m pytest
	AIOMOTO_FAST_PATH=0 $(PY) -m pytest -n 2

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
	rm -rf $(VENV) build src/*.egg-info src/aiomoto/*.so

# Also times the incumbent, aiomoto 0.5.8 from PyPI, which the first run
# installs into bench/.venv-incumbent.
bench: $(STAMP)
	$(PY) bench/run.py
