# c800 — two commands: `make run` and `make test` (and `make check`, the fast tier). See README.md.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
HOST ?= 127.0.0.1
WORKERS ?= 2
# pytest-xdist workers of `make test` and `make check` (auto: one per core)
TEST_WORKERS ?= auto
DATA_DIR ?= $(CURDIR)/var
# Where `make run` is reached: every absolute URL the app makes (mail links, OAuth issuer) uses it.
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
export DATA_DIR PUBLIC_BASE_URL

BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet

.PHONY: run test check fuzz install install-test migrate import reindex serve openapi openapi-check data lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --upgrade "pip>=24"
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml tools/install_browser.sh tests/browser_deps/package-lock.json $(VENV)/.installed
	$(PIP) install -e '.[test]'
	tools/install_browser.sh
	cd tests/browser_deps && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	$(FLASK) db upgrade

import: migrate
	$(FLASK) directory import directory/data
	@# an index made by an older release (another schema) is rebuilt rather than refused
	$(FLASK) search sync || $(FLASK) search reindex --quiet
	$(FLASK) clients docs

reindex: install
	$(FLASK) search reindex

serve: install
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) --workers $(WORKERS) wsgi:app

## make run: install, migrate, load the bundled directory, serve on http://127.0.0.1:$(PORT)
run: import serve

## make test: install the test dependencies and run the whole suite, in parallel (pytest-xdist)
test: install-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

## make check: the fast tier for everyday work (SQLite; no slow, live-server or fuzz tests), in parallel
check: install-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder \
		-m "not slow and not live and not fuzz and not postgres"

## make fuzz: the schemathesis run of `make test` with many more examples per operation
fuzz: install-test
	SCHEMATHESIS_MAX_EXAMPLES=$${SCHEMATHESIS_MAX_EXAMPLES:-200} $(BIN)/python -m pytest tests/api/test_schemathesis.py

openapi: install
	$(FLASK) openapi export

openapi-check: install
	$(FLASK) openapi export --check

## make data: rebuild directory/data/enterprises.jsonl and regions.json from ../shared/data
data: install
	$(BIN)/python tools/build_directory_data.py
	$(BIN)/python tools/build_regions.py

lint: install-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache
