# Two commands: `make run` (set up, migrate, load the demo, serve on http://127.0.0.1:5000) and
# `make test` (lint and the whole test suite). Both install whatever is missing and are re-runnable.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

# WeasyPrint's system libraries and the Chinese fonts of the report PDFs (they must never show boxes):
# Noto CJK for the 仿宋-style body and 黑体 headings, AR PL KaitiM GB (and AR PL UKai for characters
# outside GB2312) for 楷体 headings (README, PDF 字体); hb-subset (libharfbuzz-bin) cuts the Noto faces
# down to GB 2312 for the PDFs (build/fonts, registry/pdf/fonts.py).
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fontconfig libharfbuzz-subset0 libharfbuzz-bin fonts-noto-cjk fonts-arphic-gkai00mp fonts-arphic-ukai
FONTS := build/fonts/fonts.conf
# For the tests: a browser for the end-to-end tests (and libatomic1 for Playwright's bundled node
# driver), poppler's pdffonts/pdftotext for PDF checks.
TEST_DEBS := chromium libatomic1 poppler-utils

.PHONY: run test lint format setup system-deps test-system-deps translations bench clean worker beat redis-url

run: setup system-deps $(FONTS)
	$(FLASK) db upgrade
	$(FLASK) registry demo
	$(FLASK) registry reindex-search --due
	$(FLASK) run --host $(HOST) --port $(PORT)

test: setup system-deps $(FONTS) test-system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n auto --dist loadscope $(PYTEST_ARGS)

setup: $(VENV)/.installed translations

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(VENV)/.installed
	@if ls registry/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel -q compile --use-fuzzy -d registry/translations; fi

system-deps:
	@./.ci/apt-ensure $(RUNTIME_DEBS)

$(FONTS): registry/pdf/fonts.py | $(VENV)/.installed system-deps
	$(BIN)/python -c 'from registry.pdf import fonts; fonts.build()'

test-system-deps:
	@./.ci/apt-ensure $(TEST_DEBS)

# The Celery worker and beat of production (README, 后台任务): REDIS_URL required; same environment as the web.
worker: setup system-deps $(FONTS) redis-url
	$(BIN)/celery -A registry.jobs.worker worker --loglevel=INFO $(if $(CONCURRENCY),--concurrency $(CONCURRENCY),)

beat: setup redis-url
	$(BIN)/celery -A registry.jobs.worker beat --loglevel=INFO

redis-url:
	@test -n "$$REDIS_URL" || { echo "请设置 REDIS_URL（例如 REDIS_URL=redis://127.0.0.1:6379/0）：Celery worker 和 beat 需要 Redis。" >&2; exit 1; }

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup system-deps $(FONTS)
	$(BIN)/python -m bench $(if $(SCALE),--scale $(SCALE),)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build
