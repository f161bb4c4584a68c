# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3009
STAMP := $(VENV)/.installed

# Local development defaults; production sets its own environment.
export DEBUG ?= true

.PHONY: install run up test lint format bench bench-dashboard bench-webhooks loadtest worker webhook-worker mail-worker beat clean

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

# The production shape on this machine, one command: gunicorn, daphne for /ws/, both
# Celery workers and beat (Procfile, run by honcho), against DATABASE_URL and REDIS_URL.
# Plain http on loopback, so the settings that need TLS are relaxed; see README.
UP_WEB_PORT ?= 8000
UP_SOCKET_PORT ?= 8001
up: export DEBUG = false
up: export WEB_PORT ?= $(UP_WEB_PORT)
up: export SOCKET_PORT ?= $(UP_SOCKET_PORT)
up: export WEB_WORKERS ?= 2
up: export SOCKET_PROCESSES ?= 2
up: export AGENT_CONCURRENCY ?= 4
up: export WEBHOOK_CONCURRENCY ?= 8
up: export MAIL_CONCURRENCY ?= 32
up: export DATA_DIR ?= $(CURDIR)/.data
up: export ALLOWED_HOSTS ?= 127.0.0.1,localhost
up: export PUBLIC_BASE_URL ?= http://127.0.0.1:$(UP_WEB_PORT)
up: export SOCKET_BASE_URL ?= http://127.0.0.1:$(UP_SOCKET_PORT)
up: export SECURE_SSL_REDIRECT ?= false
up: export SECURE_COOKIES ?= false
up: export SECURE_HSTS_SECONDS ?= 0
up: export WEBHOOK_ALLOWED_CIDRS ?= 127.0.0.0/8,::1/128
up: install
	@if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then \
	  echo "make up runs the production shape: set DATABASE_URL=postgres://… and REDIS_URL=redis://… first."; exit 2; fi
	@mkdir -p "$$DATA_DIR"
	@if [ -z "$$SECRET_KEY" ] && [ ! -s "$$DATA_DIR/secret_key" ]; then \
	  $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > "$$DATA_DIR/secret_key"; fi
	SECRET_KEY="$${SECRET_KEY:-$$(cat "$$DATA_DIR/secret_key")}" $(BIN)/python manage.py migrate --noinput
	SECRET_KEY="$${SECRET_KEY:-$$(cat "$$DATA_DIR/secret_key")}" $(BIN)/python manage.py collectstatic --noinput -v 0
	SECRET_KEY="$${SECRET_KEY:-$$(cat "$$DATA_DIR/secret_key")}" $(BIN)/python manage.py seed_demo
	@echo "Dashboard and API on $$PUBLIC_BASE_URL, sockets on $$SOCKET_BASE_URL (Ctrl-C stops all)"
	SECRET_KEY="$${SECRET_KEY:-$$(cat "$$DATA_DIR/secret_key")}" PATH="$(CURDIR)/$(BIN):$$PATH" \
	  exec $(BIN)/honcho --procfile Procfile start

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

# The dashboard's pages at 25,000 interviews (PostgreSQL: a bench_dashboard database on the
# server of DATABASE_URL, created and dropped by the run); prints ms and queries per page.
bench-dashboard: install
	$(BIN)/python -m benchmarks.dashboard $(BENCH_ARGS)

# Webhook delivery on the real worker (the Procfile's webhooks line): how fast a backlog of 1,000
# drains, and a fast receiver's latency while 200 wait on a slow one. Local PostgreSQL and Redis.
bench-webhooks: install
	$(BIN)/python -m benchmarks.webhook_drain $(BENCH_ARGS)

# Minutes of load on the production shape (local PostgreSQL and Redis); prints the numbers.
loadtest: install
	$(BIN)/python -m loadtest $(LOADTEST_ARGS)

# Production-shaped processes (need DATABASE_URL and REDIS_URL). Agent steps and
# webhook deliveries get separate workers, so slow receivers never hold up interviews.
worker: install
	$(BIN)/celery -A interview_platform worker -Q agents --hostname agents@%h --without-gossip --without-mingle --without-heartbeat --loglevel=INFO

webhook-worker: install
	$(BIN)/celery -A interview_platform worker -Q webhooks --hostname webhooks@%h --without-gossip --without-mingle --without-heartbeat --loglevel=INFO

mail-worker: install
	$(BIN)/celery -A interview_platform worker -Q mail --pool threads --concurrency 32 --hostname mail@%h --without-gossip --without-mingle --without-heartbeat --loglevel=INFO

beat: install
	$(BIN)/celery -A interview_platform beat --loglevel=INFO --schedule .data/celerybeat-schedule

clean:
	rm -rf $(VENV) .data .pytest_cache
