# 应急先锋学院 — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Debian packages: WeasyPrint's Pango, the fast font subsetter, the Chinese fonts; Chromium for e2e.
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
# pg_dump and pg_restore for the tested backup restore (tests/integration/test_backup.py).
TEST_DEBS := $(RUN_DEBS) chromium postgresql-client

.PHONY: run test test-fast lint format check worker bench venv sysdeps sysdeps-test migrate demo clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "无法创建虚拟环境：请安装 python3-venv（apt-get install python3-venv）"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

venv: $(VENV)/.installed

# Install the Debian packages a fresh machine lacks: with apt as root, otherwise name them.
define ensure_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "安装系统软件包：$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "缺少系统软件包：$$missing"; \
	    echo "请以 root 运行：apt-get install$$missing"; exit 1; \
	  fi; \
	fi
endef

sysdeps:
	$(call ensure_debs,$(RUN_DEBS))

sysdeps-test:
	$(call ensure_debs,$(TEST_DEBS))

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: sysdeps venv demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: sysdeps-test venv
	$(PY) -m pytest $(PYTEST_ARGS)

# Without the browser tests (quick feedback while editing).
test-fast: venv
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: venv
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

worker: venv
	@test -n "$$CELERY_BROKER_URL" || { echo "请设置 CELERY_BROKER_URL（如 redis://127.0.0.1:6379/0）"; exit 1; }
	$(VENV)/bin/celery -A cms worker --beat --loglevel=INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler

bench: sysdeps venv
	@for b in bench/[a-z]*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) db.sqlite3 media private-media staticfiles .pytest_cache .hypothesis
