# Two commands on a fresh machine: `make run` serves the dashboard, `make test` passes the tests.
# Both create .venv in the repo root with the pinned dependencies of requirements.lock.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8050

.PHONY: run serve worker test browsers redis build coverage export-data bench clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m dashboard --host $(HOST) --port $(PORT)

serve: $(STAMP)
	$(BIN)/gunicorn --workers 2 --threads 4 --keep-alive 30 --preload --bind $(HOST):$(PORT) 'dashboard.app:server'

# Debian's chromium and chromium-driver drive the browser tests; installed when missing (as root).
browsers:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "installing chromium and chromium-driver (apt)"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# Debian's redis-server for the test of background callbacks through Celery (tests/test_background.py starts and
# stops its own server on a free port); installed when missing (as root).
redis:
	@if ! command -v redis-server >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "installing redis-server (apt)"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server >/dev/null; \
	fi

# With REDIS_URL set (redis://host:port/db) the servers hand background jobs to Celery: run a worker beside them.
worker: $(STAMP)
	$(BIN)/celery -A dashboard.worker worker --loglevel INFO --concurrency 1

test: $(STAMP) browsers redis
	$(BIN)/ruff check dashboard tools tests scripts
	$(BIN)/python -m pytest -q

build: $(STAMP)
	$(BIN)/python -m dashboard build

coverage: $(STAMP)
	$(BIN)/python -m dashboard coverage

export-data: $(STAMP)
	$(BIN)/python -m dashboard export-data --out out/data

bench: $(STAMP)
	$(BIN)/python -m dashboard bench

clean:
	rm -rf .cache out
