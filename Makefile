# The two-command contract: `make run` serves the portal with demo data on a fresh machine,
# `make test` runs the whole suite. Both only need Python 3.11 and make, and both are idempotent.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(if $(shell command -v python3.11 2>/dev/null),python3.11,python3)
PORT ?= 8000
# Extra arguments for pytest, e.g. PYTEST_ARGS="-k reception -x".
PYTEST_ARGS ?=

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The install stamps carry pyproject.toml's hash: a change of dependencies reinstalls, a second
# run with the same pyproject.toml installs nothing.
DEPS_HASH := $(shell sha256sum pyproject.toml | cut -c1-16)
RUN_STAMP := $(VENV)/.installed-$(DEPS_HASH)
TEST_STAMP := $(VENV)/.installed-test-$(DEPS_HASH)
BENCH_STAMP := $(VENV)/.installed-bench-$(DEPS_HASH)
# Development commands run with DEBUG on: the settings then fall back to a dev-only key and to
# local hosts, so a fresh machine needs no .env. Tests keep their own settings (DEBUG off).
DEV := DEBUG=true
PO := locale/zh_Hans/LC_MESSAGES/django.po

# Compile the zh_Hans catalogue when GNU gettext is there; otherwise the committed .mo serves.
# --ignore keeps compilemessages out of the packages' own catalogues in .venv.
define compile_messages
	@if [ ! -f $(PO) ]; then \
		echo "No $(PO) yet: nothing to compile."; \
	elif command -v msgfmt >/dev/null 2>&1; then \
		$(DEV) $(PY) manage.py compilemessages -l zh_Hans -i .venv -i node_modules -i staticfiles \
			--verbosity 0; \
	else \
		echo "msgfmt not found (Debian package gettext): using the committed django.mo."; \
	fi
endef

# The browser tests' tools from npm (axe-core, vnu-jar): reinstalled when the lock file changes.
NODE_STAMP := node_modules/.installed-$(shell sha256sum package-lock.json 2>/dev/null | cut -c1-16)

# make bench: wrk's run length per page and load, the rounds, a filter on page names (e.g.
# BENCH_PAGES=desk), where the JSON goes, and extra arguments for scripts/bench.py (e.g.
# BENCH_ARGS=--demo for seed_demo's accounts).
BENCH_SECONDS ?= 2
BENCH_ROUNDS ?= 3
BENCH_PAGES ?=
BENCH_OUT ?= bench-results
BENCH_ARGS ?=

.PHONY: help run test test-browser check lint migrations-check i18n-check bench

help:
	@echo "make run     install, migrate, load demo data, serve on http://127.0.0.1:$(PORT)"
	@echo "             with the background worker (manage.py qcluster) beside it"
	@echo "make test    install with test extras and run pytest (DATABASE_URL honoured);"
	@echo "             browser tests skip, saying why, without chromium or node_modules"
	@echo "make test-browser  the browser tests only (Debian chromium, npm ci, Java 17); no skip"
	@echo "make check   ruff, makemigrations --check, translation catalogue check"
	@echo "make bench   time every page under gunicorn with wrk against a bare page"
	@echo "             (DATABASE_URL, BENCH_SECONDS, BENCH_ROUNDS, BENCH_PAGES, BENCH_OUT)"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

# The test extras include everything `make run` needs, so this stamp satisfies both.
$(TEST_STAMP): | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(RUN_STAMP)

# The bench extras (gunicorn) include everything `make run` needs, like the test extras.
$(BENCH_STAMP): | $(PY)
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $@ $(RUN_STAMP)

# The background worker and scheduler (django-q2's qcluster) run beside the web server and
# stop with it.
run: $(RUN_STAMP)
	$(compile_messages)
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py seed_demo
	@# A database from an older version: its figures are recomputed once (README, Upgrading).
	@$(DEV) $(PY) manage.py rebuild_rollups --check >/dev/null 2>&1 || \
		$(DEV) $(PY) manage.py rebuild_rollups
	@# The performance files the office's list reads, for this year (the demo's records are
	@# older than the last nightly refresh; a few seconds at 20,000 delegates).
	$(DEV) $(PY) manage.py rebuild_performance
	$(DEV) $(PY) manage.py qcluster & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
		$(DEV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# pytest-django creates (and drops) the test database test_<name> of DATABASE_URL itself.
# Plain pytest, not pytest-xdist: on two cores each worker's migrations cost more than the
# workers save (measured: 9 s plain vs 19 s with -n auto on SQLite, 14 s vs 19 s on PostgreSQL).
test: $(TEST_STAMP)
	$(compile_messages)
	$(BIN)/pytest $(PYTEST_ARGS)

# Browser tests: Playwright drives Debian's chromium (never a downloaded browser), axe-core checks
# accessibility and the Nu HTML checker (vnu-jar, on Java 17) validates every page they visit.
# Screenshots and the rendered pages land in test-artifacts/. Here a missing tool is an error,
# not a skip. On Debian: apt-get install chromium fonts-wqy-microhei
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: install Node.js (Debian: nodejs npm)."; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

test-browser: $(TEST_STAMP) $(NODE_STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
		echo "chromium not found: apt-get install chromium fonts-wqy-microhei"; exit 1; }
	$(compile_messages)
	BROWSER_TESTS_REQUIRED=true $(BIN)/pytest -m browser tests/browser $(PYTEST_ARGS)

check: lint migrations-check i18n-check

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

migrations-check: $(RUN_STAMP)
	$(DEV) $(PY) manage.py makemigrations --check --dry-run

# A string added to the code without a translation, or a translation left behind, fails here:
# scripts/check_catalogue.py runs makemessages and compares entries (it changes no file), and
# tests/test_i18n.py checks that every entry is translated and that the .mo matches the .po.
i18n-check: $(TEST_STAMP)
	$(DEV) $(PY) scripts/check_catalogue.py
	$(BIN)/pytest -q tests/test_i18n.py

# Every page people use, served by gunicorn (2 sync workers, DEBUG off) against the configured
# database (DATABASE_URL, like make test), timed with Debian's wrk against a bare template page
# in the same server: scripts/bench.py. The last line says whether issue 12's targets are met.
bench: $(BENCH_STAMP)
	@command -v wrk >/dev/null 2>&1 || apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
	$(compile_messages)
	BENCH_SECONDS=$(BENCH_SECONDS) BENCH_ROUNDS=$(BENCH_ROUNDS) BENCH_PAGES="$(BENCH_PAGES)" \
		BENCH_OUT="$(BENCH_OUT)" $(PY) scripts/bench.py $(BENCH_ARGS)
