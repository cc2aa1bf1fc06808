# chemassist: `make run` sets everything up on embedded defaults and starts the app; `make test` checks it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared
AIZYNTH_NODEPS := aizynthfinder==4.4.1 reaction-utils==1.9.4 paretoset==1.2.5 swifter==1.4.0 dask==2026.8.0 \
	toolz==1.2.0 dill==0.4.1 multiprocess==0.70.19 wrapt-timeout-decorator==1.5.1 importlib-metadata==10.2.0 \
	lazy-importer==0.1.0 apted==1.0.3 wrapt==2.5.2 psutil==7.2.2

.PHONY: run test lint format layers typecheck unit integration e2e bench clean help

help:
	@echo "make run    - install (first time), migrate, create the first admin, start the app"
	@echo "make test   - ruff, layer check, mypy, pytest (unit, integration, end-to-end in Chromium)"
	@echo "make bench  - run the benchmarks (not part of make test)"

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@# torch first, exactly this version: it is the local CPU build (any other request pulls a CUDA build)
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev,peers]'
	@# AiZynthFinder for the side-by-side search benchmark (tools/synthesis/peers/): its own pins would downgrade
	@# rdkit, numpy, scipy and pandas and pull jupyter, so it and just the modules it imports at run time go in
	@# without dependencies (tests/integration/synthesis/test_synthesis_peers.py checks that it runs)
	$(BIN)/python -m pip install -q --no-deps $(AIZYNTH_NODEPS)
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/chemassist init
	$(BIN)/chemassist web

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

layers:
	$(BIN)/python $(SHARED)/tools/check_layers.py .

# The packages and pages to check are listed in pyproject.toml ([tool.mypy] files).
typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint layers typecheck
	@set +e; $(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure here"; exit 1; fi; exit $$rc

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	@for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
