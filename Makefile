# leadmock: `make run` serves the mock, `make test` lints and tests it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
SEED ?= 1
BENCH_SECONDS ?= 5
BENCH_SCALE ?= 1000,100000,1000000

.PHONY: install install-dev run test test-all lint docs docs-serve contract contract-real bench wrk redis-server chromium jemalloc clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Stamp files: reinstall only when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[check,redis]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/leadmock serve --host $(HOST) --port $(PORT) --seed $(SEED)

lint: install-dev
	$(BIN)/ruff check mockserver contracts realservers tests
	$(BIN)/ruff format --check mockserver contracts realservers tests

# The documentation site, from docs/ into site/ (mkdocs with the Material theme); the suite
# builds it too (tests/test_docs.py), with every example on it run.
# NO_MKDOCS_2_WARNING: Material's end-of-life banner (a notice, not a build warning).
docs: install-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: install-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

# The suite runs real peers: Prism and Spectral (npm, into .cache/ on first use), Chromium and
# redis-server (the shared-store tests start their own on a free port).
test: lint chromium redis-server jemalloc
	$(BIN)/python -m pytest -n 2 --dist worksteal

# The suite on every Python the package claims (pyproject's classifiers: 3.11 to 3.13), each in
# a virtualenv of its own (.venv-3.12...); a claimed version this machine lacks is an error.
CLAIMED_PYTHONS ?= 3.11 3.12 3.13
PYTEST_ARGS ?= -n 2 --dist worksteal
test-all: lint chromium redis-server jemalloc
	@for version in $(CLAIMED_PYTHONS); do \
		interpreter=""; \
		for candidate in python$$version $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$$version.*/bin/python$$version 2>/dev/null | sort -V | tail -1); do \
			$$candidate -c "" 2>/dev/null && { interpreter=$$candidate; break; }; \
		done; \
		[ -n "$$interpreter" ] || { echo "test-all: no Python $$version on this machine (PATH or pyenv)"; exit 1; }; \
		venv=.venv-$$version; \
		[ -x $$venv/bin/python ] || $$interpreter -m venv $$venv || exit 1; \
		$$venv/bin/python -m pip install -q -e ".[dev]" || exit 1; \
		echo "== Python $$version"; \
		$$venv/bin/python -m pytest $(PYTEST_ARGS) || exit 1; \
	done

# Longer than the bounded run in `make test`: every spec against the mock, a JUnit report.
contract: install
	$(BIN)/leadmock check all --max-examples 50 --stateful-steps 40 --seed $(SEED) --junit reports/contract.xml

# The Tiledesk specs against the real tiledesk-server (AGPL: installed from npm into
# .cache/real-tiledesk at run time, never committed) on loopback; prints the drift report.
contract-real: install
	$(BIN)/python -m realservers.tiledesk.against_real --seed $(SEED)

# Not part of `make test`: prints figures, asserts nothing. wrk (Debian's) is the load generator;
# Prism is installed into .cache/prism on first use when Node is present.
bench: install-dev wrk redis-server jemalloc
	$(BIN)/python tests/bench/run.py --seconds $(BENCH_SECONDS) --scale $(BENCH_SCALE) $(if $(BENCH_BEFORE),--before $(BENCH_BEFORE)) $(if $(BENCH_ONLY),--only $(BENCH_ONLY))

wrk:
	@command -v wrk >/dev/null || scripts/apt-install wrk

# Debian's redis-server: the shared-store tests and benchmarks start their own on a free port.
redis-server:
	@command -v redis-server >/dev/null || scripts/apt-install redis-server

# Debian's jemalloc: `leadmock serve` starts itself again on it when it is there (a reset then
# gives the memory of a load back); the tests check that it does.
jemalloc:
	@$(PYTHON) -c 'import sys; from mockserver.memory import find_jemalloc; sys.exit(not find_jemalloc())' || \
		scripts/apt-install libjemalloc2

# Debian's Chromium, for the Swagger UI test (Playwright drives it; it downloads no browser).
chromium:
	@command -v chromium >/dev/null || scripts/apt-install chromium

clean:
	rm -rf $(VENV) .venv-3.* .pytest_cache .ruff_cache *.egg-info
