# Every target sets up what it needs on a fresh machine: the virtual
# environment, the package (with its C extension) and the test tools.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench sanitize clean

$(STAMP): pyproject.toml setup.py constraints.txt $(wildcard csrc/*.c csrc/*.h)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: $(STAMP) lint
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check src tests examples bench
	$(PY) -m ruff format --check src tests examples bench
	$(PY) -m mypy src

clean:
	rm -rf $(VENV) build src/*.egg-info src/aiomoto/*.so

bench: $(STAMP)
	$(PY) bench/run.py
