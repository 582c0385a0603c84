# make run: the bot (Socket Mode with credentials, else the console); make test: the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	@if $(BIN)/python -c 'import sys; from bot.__main__ import has_credentials; sys.exit(0 if has_credentials() else 1)'; then \
		$(BIN)/nudge run; \
	else \
		echo "No Slack credentials found (SLACK_BOT_TOKEN, SLACK_APP_TOKEN): starting the console."; \
		$(BIN)/nudge console; \
	fi

SOURCES := bot handlers storage tests bench conftest.py

test: $(STAMP)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format $(SOURCES)
	$(BIN)/ruff check --fix $(SOURCES)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
