# Safety Pipeline: `make run` serves the portal with demo data; `make test` runs every test.
# Both install what they need first (Python packages into .venv, the NHS.UK frontend from
# package-lock.json, and for tests Debian's chromium), so they work on a fresh machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := portal

.PHONY: run test setup lint format clean

run: setup
	scripts/run.sh

test: setup
	scripts/test.sh

setup: $(VENV)/.installed node_modules/.package-lock.json

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
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
	rm -rf $(VENV) node_modules instance .pytest_cache
