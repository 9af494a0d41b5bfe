# Everything a fresh machine with Python 3.11+ and make needs: `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
BIN := $(VENV)/bin
.DEFAULT_GOAL := help

.PHONY: help install console run test lint format bench fetch clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check 'uv>=0.4,<1'

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev --python $(PYTHON)
	touch $@

install: $(VENV)/.installed  ## create .venv from the lock file

console: install  ## chat with the bot in this terminal: example news, no Telegram, no token
	$(BIN)/newsbot console

run: install  ## migrate the database (SQLite by default) and start the bot
	$(BIN)/newsbot db upgrade
	$(BIN)/newsbot run

test: install  ## every test, on SQLite and PostgreSQL
	$(BIN)/pytest -q

lint: install  ## ruff, formatting, mypy, the import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot digests
	$(BIN)/lint-imports

format: install  ## fix what ruff can fix, then format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install  ## benchmarks that print their figures
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:  ## remove the virtualenvs and caches
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
