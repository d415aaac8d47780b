# Jembatan developer tasks. Quick start: `make run`, then `make test` (see README.md).
# `make help` lists the targets.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-from-lock
MANAGE := $(PY) manage.py
PYTEST := $(PY) -m pytest -p tests.plugins.services
RUFF := $(VENV)/bin/ruff
CELERY := $(VENV)/bin/celery
DEMO_PASSWORD := demo12345

# Management commands run as a developer machine unless the environment says otherwise
# (JEMBATAN_ENV=production with SECRET_KEY etc. on a server).
JEMBATAN_ENV ?= local
export JEMBATAN_ENV

.PHONY: help venv run test bench lint bandit check messages messages-check lock worker beat backup restore clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv and install requirements.lock (again only when the lock changes)

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Jembatan needs Python >= 3.11; $(PYTHON) is $$($(PYTHON) --version 2>&1)" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		echo "ensurepip is missing (no python3-venv package): creating $(VENV) without pip"; \
		$(PYTHON) -m venv --without-pip $(VENV); }
	@$(PY) -m pip --version >/dev/null 2>&1 || $(PY) scripts/bootstrap_pip.py
	$(PY) -m pip install --require-hashes -r requirements.lock
	@touch $@

run: export JEMBATAN_ENV := local
run: venv ## Migrate, load demo data and serve http://127.0.0.1:8000 (SQLite, tasks in-process)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	@echo
	@echo "Jembatan runs at http://127.0.0.1:8000 (Ctrl-C stops it). Demo logins, password $(DEMO_PASSWORD):"
	@echo "  staff         ministry staff (pembina): verifies partners, brokers matches"
	@echo "  ikm           owner of an IKM supplier"
	@echo "  manufacturer  member of a manufacturer posting component demands"
	@echo "  admin         superuser, http://127.0.0.1:8000/admin/"
	@echo
	$(MANAGE) runserver 127.0.0.1:8000

test: export JEMBATAN_ENV := test
test: venv ## Run the test suite (DATABASE_URL / CELERY_BROKER_URL pick PostgreSQL / Redis)
	$(PYTEST) $(PYTEST_ARGS)

bench: export JEMBATAN_ENV := local
bench: venv ## Benchmark the matching engine in a database of its own (docs/benchmarks.md)
	$(PY) -m bench $(BENCH_ARGS)

lint: venv bandit ## ruff (lint, format), import-linter (layering), mypy (django-stubs; strict on scoring), bandit
	$(RUFF) check .
	$(RUFF) format --check .
	$(VENV)/bin/lint-imports --no-logo
	JEMBATAN_ENV=test $(VENV)/bin/mypy

BANDIT_PATHS := common components partners matchmaking bench

bandit: venv ## Security lint: fail on any medium or high bandit finding not excused by a `# nosec BXXX` with its reason
	$(VENV)/bin/bandit -q -r $(BANDIT_PATHS) -ll

check: venv ## Django system checks and no missing migrations
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

MESSAGE_IGNORE := --ignore=.venv --ignore=static/vendor --ignore=staticfiles --ignore=var --ignore=tests --ignore=artifacts

messages: venv ## Update locale/*/django.po for id and en, then compile them (needs gettext)
	$(MANAGE) makemessages -l id -l en $(MESSAGE_IGNORE)
	$(MANAGE) compilemessages --ignore=.venv

messages-check: venv ## Fail when a string in the code is missing or untranslated in locale/id (needs gettext)
	@work=$$(mktemp -d) && cp -r locale "$$work/" && \
	$(MANAGE) makemessages -l id --keep-pot $(MESSAGE_IGNORE) >/dev/null && \
	mv locale/django.pot "$$work/" && rm -rf locale && cp -r "$$work/locale" . && \
	msgcmp "$$work/locale/id/LC_MESSAGES/django.po" "$$work/django.pot" && \
	echo "locale/id translates every string in the code"

lock: ## Regenerate requirements.lock from pyproject.toml with uv (needs uv on PATH)
	@command -v uv >/dev/null || { echo "make lock needs uv: https://docs.astral.sh/uv/" >&2; exit 1; }
	uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes -o requirements.lock

worker: venv ## Run a Celery worker (needs CELERY_BROKER_URL=redis://...)
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL=redis://127.0.0.1:6379/0 first;" \
		"without it tasks run in-process and no worker is needed." >&2; exit 1; }
	$(CELERY) -A matchmaking worker -Q scoring,celery --loglevel=INFO

beat: venv ## Run Celery beat, the periodic task scheduler (needs CELERY_BROKER_URL)
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL=redis://127.0.0.1:6379/0 first." >&2; exit 1; }
	@mkdir -p var
	$(CELERY) -A matchmaking beat --loglevel=INFO --schedule=var/celerybeat-schedule

BACKUP_DIR ?= var/backups

backup: venv ## Back up the database (pg_dump -Fc, or the SQLite file) and MEDIA_ROOT into $(BACKUP_DIR)/jembatan-backup-<UTC time>/
	$(MANAGE) backup --output $(BACKUP_DIR)

restore: venv ## Restore BACKUP=<folder> into the EMPTY database and MEDIA_ROOT and verify it (FORCE=1 overwrites)
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=var/backups/jembatan-backup-<time> [FORCE=1]" >&2; exit 1; }
	$(MANAGE) restore "$(BACKUP)" $(if $(FORCE),--force)

clean: ## Remove caches, collected static files and test artifacts (keeps .venv and var/)
	rm -rf staticfiles artifacts .pytest_cache .ruff_cache .mypy_cache .hypothesis
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
