# The two commands of the README: `make run` and `make test`. Each creates the virtual
# environment and installs what it needs when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n 2

.PHONY: run test lint format messages bench install browser-deps api-docs

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/constitution migrate
	$(BIN)/constitution sample $(if $(RESET_PASSWORDS),--reset-passwords)
	$(BIN)/constitution serve --host $(HOST) --port $(PORT)

browser-deps:
	@sh scripts/ensure-chromium.sh

test: $(STAMP) browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(STAMP)
	$(BIN)/python scripts/update_messages.py

bench: $(STAMP)
	$(BIN)/python -m bench

api-docs: $(STAMP)
	$(BIN)/python -m constitution.api.docs > docs/api.md
