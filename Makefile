# Lockstep: `make run` (everything local, no services needed) and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The first Python >= 3.12 found (Django 6 needs it); pyenv installs are looked for too.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v $$p || echo $$p; } && break; done)

# Test services: the PostgreSQL and Redis that .ci/run starts (override in the environment).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lockstep
TEST_BROKER_URL ?= redis://127.0.0.1:6379/5

.PHONY: run test test-fast lint worker beat install install-test lock lock-upgrade lock-check check-deploy \
	migrations-check clean

# Installs come from the hashed lock files in requirements/ (run.txt: what running needs;
# test.txt: that plus the test extra), through uv, itself pinned by hash in requirements/uv.txt.
UV := $(BIN)/uv
LOCK := $(UV) pip compile pyproject.toml --universal --python-version 3.12 --generate-hashes --quiet

$(UV): requirements/uv.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (Django 6)."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/uv.txt
	touch $@

# The project itself is not installed for running: manage.py, celery -A config and gunicorn
# import it from the repository folder (building the editable install costs 10-20 s).
$(BIN)/.installed-run: requirements/run.txt $(UV)
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r requirements/run.txt
	touch $@

$(BIN)/.installed-test: requirements/test.txt $(UV)
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r requirements/test.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(BIN)/.installed-run
install-test: $(BIN)/.installed-test

# Re-pin after editing the dependencies in pyproject.toml: keeps every other pin as it is.
lock: $(UV)
	$(LOCK) --extra test -o requirements/test.txt
	$(LOCK) -c requirements/test.txt -o requirements/run.txt

# Move every pin to the newest release pyproject.toml allows (then run make test).
lock-upgrade: $(UV)
	$(LOCK) --upgrade --extra test -o requirements/test.txt
	$(LOCK) -c requirements/test.txt -o requirements/run.txt

# Fail when pyproject.toml names a dependency the lock files do not pin (CI runs it).
lock-check: $(UV)
	@tmp=$$(mktemp -d) && cp requirements/test.txt requirements/run.txt $$tmp/ && \
	$(LOCK) --extra test -o $$tmp/test.txt && \
	$(LOCK) -c $$tmp/test.txt -o $$tmp/run.txt && \
	sed -i 's#'$$tmp'/#requirements/#g' $$tmp/run.txt $$tmp/test.txt && \
	diff -q requirements/test.txt $$tmp/test.txt >/dev/null && \
	diff -q requirements/run.txt $$tmp/run.txt >/dev/null || \
	{ echo "requirements/*.txt do not match pyproject.toml: run make lock and commit them."; \
	  rm -rf $$tmp; exit 1; }; rm -rf $$tmp

run: install
	$(BIN)/python manage.py migrate --noinput --skip-checks -v 0
	$(BIN)/python manage.py seed_demo --background --skip-checks
	PORT=$(PORT) scripts/run.sh

worker: install
	$(BIN)/celery -A config worker -Q io,media -l info

beat: install
	$(BIN)/celery -A config beat -l info

test: install-test
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
	$(BIN)/pytest $(PYTEST_ARGS)

# The tests that need no PostgreSQL, Redis, worker or browser, on a throwaway SQLite: a few
# minutes, no services to start. Marks: `services`, `worker`, `browser` (pyproject.toml).
test-fast: install-test
	env -u REDIS_URL DATABASE_URL=sqlite:///:memory: CELERY_BROKER_URL=memory:// \
	$(BIN)/pytest -m "not services and not worker and not browser" $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrations-check: install-test
	$(BIN)/python manage.py makemigrations --check --dry-run

# The production settings' own checks (HTTPS, cookies, CSP vs storage) with a dummy secret.
# Settings only: a throwaway SQLite, so no data-dependent warning (e.g. missing keys) counts.
check-deploy: install
	var=$$(mktemp -d) && env -u CELERY_BROKER_URL -u REDIS_URL \
	DJANGO_SETTINGS_MODULE=config.settings.production LOCKSTEP_VAR_DIR=$$var \
	DATABASE_URL=sqlite:///$$var/check.sqlite3 \
	SECRET_KEY=ci-dummy-secret-$$(date +%s)-not-used-for-anything-real-0123456789 \
	ALLOWED_HOSTS=lockstep.example $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf var
