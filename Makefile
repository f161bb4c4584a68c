# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3009
STAMP := $(VENV)/.installed

# Local development defaults; production sets its own environment.
export DEBUG ?= true

.PHONY: install run test lint format bench worker webhook-worker beat clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

# Embedded mode: SQLite, no broker, no Redis. Webhooks may reach loopback so a
# receiver on this laptop works; production leaves WEBHOOK_ALLOWED_CIDRS empty.
run: export WEBHOOK_ALLOWED_CIDRS ?= 127.0.0.0/8,::1/128
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Webhooks may be sent to loopback addresses ($$WEBHOOK_ALLOWED_CIDRS): local development only."
	@echo "Serving on http://localhost:$(PORT)  (API http://localhost:$(PORT)/api/v1, docs /api/docs/, Ctrl-C stops)"
	PORT=$(PORT) exec $(BIN)/daphne -b 127.0.0.1 -p $(PORT) interview_platform.asgi:application

test: install
	$(BIN)/python manage.py check
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m benchmarks.intake

# Production-shaped processes (need DATABASE_URL and REDIS_URL). Agent steps and
# webhook deliveries get separate workers, so slow receivers never hold up interviews.
worker: install
	$(BIN)/celery -A interview_platform worker -Q agents --hostname agents@%h --loglevel=INFO

webhook-worker: install
	$(BIN)/celery -A interview_platform worker -Q webhooks --hostname webhooks@%h --loglevel=INFO

beat: install
	$(BIN)/celery -A interview_platform beat --loglevel=INFO --schedule .data/celerybeat-schedule

clean:
	rm -rf $(VENV) .data .pytest_cache
