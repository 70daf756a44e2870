# The commands a person types. Everything runs inside .venv, created on first use.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint mypy-baseline check migrate demo worker workers beat bench messages clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "Cần Python 3.11 ($(PY)) / Python 3.11 is required"; exit 1; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# axe-core for the accessibility browser tests (tests/browser/test_accessibility.py), pinned by the lock file.
# A file target: npm runs only when the lock changes, so the test run stays offline after the first install.
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $(AXE)

test: $(STAMP) $(AXE)
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

# After fixing typing errors: shrink the per-module debt list at the end of mypy.ini.
mypy-baseline: $(STAMP)
	$(BIN)/python .ci/mypy_baseline.py

# Real workers need Redis (REDIS_URL, in the environment or .env); tasks are then routed by kind of work
# (config/celery_queues.py, docs/scaling.md Step 5).
# One worker consuming every queue:
worker: $(STAMP)
	$(BIN)/celery -A config worker --loglevel=info -Q $$($(BIN)/python -m config.celery_queues queues)

# One worker per queue, as in production (docker-compose.yml); Ctrl-C stops them all.
workers: $(STAMP)
	$(BIN)/python -m config.celery_queues run

beat: $(STAMP)
	$(BIN)/celery -A config beat --loglevel=info

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=benchmarks --ignore=tests
	$(BIN)/python manage.py makemessages -d djangojs -l en --no-obsolete --ignore=.venv --ignore=benchmarks --ignore=tests
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

# Every benchmark on a fresh PostgreSQL database (BENCH_DATABASE_URL), each section written into docs/benchmarks.md
# between its markers. `make bench BENCH_ONLY=bench_reports.py,bench_load.py` runs only those and replaces only
# their sections; `BENCH_QUICK=1 make bench` is a smoke check at small sizes, written to a temp file.
bench: $(STAMP)
	BENCH_ONLY="$(BENCH_ONLY)" $(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) db.sqlite3 media
