# Developer commands; `make` alone lists them. Both environments are created on first use and
# re-synced whenever their lock file changes (stamp files under .make/):
#   .venv       Python 3.11: the project's code (delivery/, bot/, actions/), tools and tests
#   .venv-rasa  Python 3.10: Rasa 3.6, which runs on nothing newer
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV := .venv
RASA_VENV := .venv-rasa
PYTHON := $(VENV)/bin/python
UV := $(VENV)/bin/uv
RASA := $(RASA_VENV)/bin/rasa
STAMPS := .make
# uv is pinned in requirements/dev.in; the bootstrap installs that same version.
UV_VERSION := $(shell sed -n 's/^uv==//p' requirements/dev.lock)
# What ruff checks (the folders that exist yet).
CODE := $(wildcard delivery democarrier bot actions scripts tests bench migrations)
CHECKS := lint typecheck migrations validate pytest conversations

# No usage data leaves the machine, and less third-party noise from Rasa's dependencies.
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help env run chat test $(CHECKS) migrate seed train bench lock clean distclean

help: ## list the commands
	@echo "Usage: make <command>   (run from the project's root)"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) \
		| awk -F':.*## ' '{ printf "  make %-11s %s\n", $$1, $$2 }'

# --- environments -------------------------------------------------------------------------------

$(STAMPS)/venv: requirements/dev.lock
	@mkdir -p $(STAMPS)
	@if [ ! -x $(UV) ]; then \
		echo "==> creating the project environment $(VENV) (Python 3.11, first time only, ~30 s)"; \
		python311=$$(scripts/find-python.sh 3.11); \
		"$$python311" -m venv $(VENV); \
		$(PYTHON) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"; \
	else \
		echo "==> syncing $(VENV) with requirements/dev.lock"; \
	fi
	@$(UV) pip sync --quiet --python $(PYTHON) requirements/dev.lock
	@touch $@

$(STAMPS)/rasa-venv: requirements/rasa.lock | $(STAMPS)/venv
	@if [ ! -x $(RASA_VENV)/bin/python ]; then \
		python310=$$(scripts/find-python.sh 3.10); \
		echo "==> creating the Rasa environment $(RASA_VENV) (Python 3.10, first time only, ~1 min)"; \
		$(UV) venv --quiet --python "$$python310" $(RASA_VENV); \
	else \
		echo "==> syncing $(RASA_VENV) with requirements/rasa.lock"; \
	fi
	@$(UV) pip sync --quiet --python $(RASA_VENV)/bin/python requirements/rasa.lock
	@touch $@

env: $(STAMPS)/venv $(STAMPS)/rasa-venv ## create or update both environments

# --- the assistant ------------------------------------------------------------------------------

run: env ## start everything: database, demo data, Rasa model, servers (Ctrl-C stops)
	@$(PYTHON) scripts/stack.py

chat: $(STAMPS)/venv ## talk to the running assistant (`make run`) in this terminal
	@$(PYTHON) scripts/chat.py

migrate: $(STAMPS)/venv ## bring the database (DATABASE_URL, default var/delivery.db) up to date
	@$(PYTHON) -m delivery migrate

seed: migrate ## load the demo data into the database (ARGS="--if-empty" and others pass on)
	@$(PYTHON) -m delivery seed-demo $(ARGS)

train: env ## train the Rasa model unless one matches the training data (FORCE=1: retrain)
	@$(PYTHON) scripts/train_model.py $(if $(FORCE),--force)

# --- checks (CI runs `make test`) ---------------------------------------------------------------

test: env ## every check CI runs: lint, typecheck, migrations, validate, pytest, conversations
	@failed=(); \
	for check in $(CHECKS); do $(MAKE) $$check || failed+=("$$check"); done; \
	if (( $${#failed[@]} )); then echo "==> FAILED: $${failed[*]}"; exit 1; fi; \
	echo "==> all checks passed"

lint: $(STAMPS)/venv ## ruff check + ruff format --check
	@echo "==> lint: ruff check, ruff format --check"
	@$(VENV)/bin/ruff check $(CODE)
	@$(VENV)/bin/ruff format --check $(CODE)

typecheck: $(STAMPS)/venv ## mypy --strict on delivery, democarrier, bot, actions and scripts
	@echo "==> typecheck: mypy"
	@$(VENV)/bin/mypy
	@$(VENV)/bin/mypy scripts

migrations: $(STAMPS)/venv ## alembic upgrade head + alembic check on fresh SQLite and PostgreSQL
	@echo "==> migrations: alembic upgrade head + alembic check (SQLite, PostgreSQL)"
	@$(PYTHON) scripts/check_migrations.py

pytest: env ## the test suite (ARGS="-k words" to pick tests)
	@echo "==> tests: pytest"
	@$(VENV)/bin/pytest $(ARGS)

validate: $(STAMPS)/rasa-venv ## rasa data validate (scripts/validate_assistant.py): domain and data agree
	@echo "==> rasa data validate"
	@$(RASA_VENV)/bin/python scripts/validate_assistant.py

conversations: env ## rasa test: the test conversations in tests/conversations/, no prediction error
	@echo "==> rasa test: test conversations (tests/conversations/)"
	@model=$$($(PYTHON) scripts/train_model.py --print-path); \
	$(RASA) test core --model "$$model" --stories tests/conversations \
		--fail-on-prediction-errors --out var/rasa-test --no-plot

bench: env ## every benchmark, then docs/benchmarks.md (hours; ARGS="--only load --quick")
	@$(PYTHON) bench/run_all.py $(ARGS)

# --- maintenance --------------------------------------------------------------------------------

lock: $(STAMPS)/venv ## recompile requirements/*.lock from *.in (UPGRADE=1: newest versions)
	@echo "==> compiling requirements/dev.lock (Python 3.11) and requirements/rasa.lock (3.10)"
	@cd requirements && ../$(UV) pip compile --quiet $(if $(UPGRADE),--upgrade) \
		--python-version 3.11 --custom-compile-command "make lock" dev.in -o dev.lock
	@cd requirements && ../$(UV) pip compile --quiet $(if $(UPGRADE),--upgrade) \
		--python-version 3.10 --custom-compile-command "make lock" rasa.in -o rasa.lock

clean: ## remove caches, logs, stamps and trained models (keeps environments and database)
	rm -rf $(STAMPS) .mypy_cache .ruff_cache .pytest_cache .rasa var/log var/run
	rm -f models/*.tar.gz
	find . -name __pycache__ -not -path './.venv*' -prune -exec rm -rf {} +

distclean: clean ## also remove both environments and var/ (the local database)
	rm -rf $(VENV) $(RASA_VENV) var
