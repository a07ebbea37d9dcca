# Every target creates .venv and installs into it when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test demo lint lock typecheck bench clean

# uv.lock pins every package (with hashes) for every build: here, .ci/run and the Dockerfile.
# Only python3 is needed: pip fetches the uv version the lock pins, then uv installs the lock
# exactly (--frozen: the lock is used as is, never re-resolved; a stale lock fails `make lint`).
UV_VERSION = $(shell sed -n '/^name = "uv"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' uv.lock)

$(STAMP): pyproject.toml uv.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --quiet --frozen --extra dev --python $(BIN)/python
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cocreate run

# one pytest worker per core (pytest-xdist); a plain `.venv/bin/pytest` runs in one process
test: $(STAMP)
	$(BIN)/pytest -n auto --dist worksteal

demo: $(STAMP)
	$(BIN)/cocreate demo

lint: $(STAMP)
	$(BIN)/uv lock --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

# After changing dependencies in pyproject.toml: re-resolve, then commit uv.lock with it.
lock: $(STAMP)
	$(BIN)/uv lock

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
