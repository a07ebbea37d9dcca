# Every target creates .venv and installs into it when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test demo lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cocreate run

test: $(STAMP)
	$(BIN)/pytest

demo: $(STAMP)
	$(BIN)/cocreate demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	@for m in benchmarks/*.py; do n=$$(basename $$m .py); [ "$$n" = "__init__" ] || [ "$$n" = "common" ] || $(BIN)/python -m benchmarks.$$n --quick; done

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
