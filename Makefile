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

# one pytest worker per core (pytest-xdist); a plain `.venv/bin/pytest` runs in one process
test: $(STAMP)
	$(BIN)/pytest -n auto

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
	@found=0; for m in benchmarks/*.py; do \
		[ -f "$$m" ] || continue; n=$$(basename $$m .py); \
		case "$$n" in __init__|common) continue;; esac; \
		found=1; $(BIN)/python -m benchmarks.$$n $(BENCH_ARGS) || exit 1; \
	done; [ $$found = 1 ] || echo "no benchmarks yet"

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
