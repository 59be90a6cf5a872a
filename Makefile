# The two commands of README.md: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test test-sqlite test-mysql lint format migrate clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: $(VENV)/bin/python requirements.txt
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

migrate: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput

# The laptop's secret key, kept under OMS_VAR_DIR (settings.py only reads it).
VAR_DIR := $(or $(OMS_VAR_DIR),var)
$(VAR_DIR)/secret_key: | $(VENV)/bin/python
	@mkdir -p $(VAR_DIR)
	@umask 077 && $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# Web, one Celery worker and Celery beat on the embedded defaults; Ctrl-C stops all. When
# one of them exits, honcho stops the others and utils/run_report.py says which and why.
run: migrate $(VAR_DIR)/secret_key
	$(PY) manage.py seed_demo
	@echo "OMS back office: http://127.0.0.1:$(PORT)/admin/"
	PORT=$(PORT) $(PY) -m utils.run_report start -f Procfile

# The whole suite on SQLite; again on MySQL/MariaDB for every database test whose outcome
# can depend on the engine (not marked database_neutral) when OMS_TEST_MYSQL_URL names a
# server (mysql://user:pass@host:port/name).
test: $(VENV)/.dev lint test-sqlite test-mysql

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

test-sqlite: $(VENV)/.dev
	$(PY) -m pytest

test-mysql: $(VENV)/.dev
	@if [ -n "$$OMS_TEST_MYSQL_URL" ]; then \
		echo "== database tests again on $$OMS_TEST_MYSQL_URL"; \
		OMS_DATABASE_URL="$$OMS_TEST_MYSQL_URL" $(PY) -m pytest -m "django_db and not database_neutral"; \
	else \
		echo "OMS_TEST_MYSQL_URL is not set: database tests ran on SQLite only."; \
	fi

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var/broker var/*.sqlite3*

# Benchmarks (bench/, see bench/__init__.py): the full run prints the table and writes
# bench/results/latest.md; OMS_BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/oms_bench adds
# MariaDB. bench-quick: small sizes, one run each, prints only.
.PHONY: bench bench-quick bench-load

$(VENV)/.bench: $(VENV)/.dev requirements-bench.txt
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@

bench: $(VENV)/.bench
	$(PY) -m bench

bench-quick: $(VENV)/.bench
	$(PY) -m bench --quick

# The web under load (bench/load.py): gunicorn -w 2 + a Celery worker on Redis + MariaDB,
# 50 polling clients and 5 uploading clients for 60 s; needs a database and a Redis
# database of its own.
bench-load: $(VENV)/.bench
	OMS_BENCH_MYSQL_URL=$${OMS_BENCH_MYSQL_URL:-mysql://root@127.0.0.1:3306/oms_load} \
	OMS_BENCH_REDIS_URL=$${OMS_BENCH_REDIS_URL:-redis://127.0.0.1:6379/14} \
	$(PY) -m bench.load
