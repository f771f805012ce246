# Safety Pipeline: `make run` serves the portal with demo data; `make test` runs every test.
# Both install what they need first (Python packages into .venv, the NHS.UK frontend from
# package-lock.json, and for tests Debian's chromium), so they work on a fresh machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BENCH_VENV := .venv-bench
export FLASK_APP := portal

.PHONY: run test setup lint format clean lock lock-bench bench-setup

run: setup
	scripts/run.sh

test: setup
	scripts/test.sh

setup: $(VENV)/.installed node_modules/.package-lock.json

# The pinned, hashed lock first (every package, its version and its files' hashes), then the
# project itself, which brings nothing of its own.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Regenerate the locks after any change to the dependencies in pyproject.toml.
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --build-deps-for editable

lock: lock-bench $(BIN)/pip-compile
	$(PIP_COMPILE) --extra test --output-file requirements.lock pyproject.toml

# The bench extra's lock: the project's dependencies plus asreview, for .venv-bench.
lock-bench: $(BIN)/pip-compile
	$(PIP_COMPILE) --extra bench --output-file requirements-bench.lock pyproject.toml

$(BIN)/pip-compile:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip-tools

# A virtual environment of its own for bench/screening.py's ASReview reference, installed
# the same way as .venv but from requirements-bench.lock.
bench-setup: $(BENCH_VENV)/.installed

$(BENCH_VENV)/.installed: pyproject.toml requirements-bench.lock
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --require-hashes -r requirements-bench.lock
	$(BENCH_VENV)/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(BENCH_VENV) node_modules instance .pytest_cache
