# The two commands a newcomer needs: `make run` and `make test`.
# Everything else is installed into .venv by the first of them.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint typecheck pytest bench clean \
	bench-webhook bench-escalation bench-memory

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/gateway dev

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check gateway tests bench wsgi.py
	$(BIN)/ruff format --check gateway tests bench wsgi.py

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks print figures (docs/benchmarks.md); they need PostgreSQL at
# BENCH_POSTGRES (default: postgresql+psycopg://postgres@127.0.0.1:5432/test).
bench: bench-webhook bench-escalation bench-memory

bench-webhook: $(STAMP)
	$(BIN)/python -m bench.webhook

bench-escalation: $(STAMP)
	$(BIN)/python -m bench.escalation

bench-memory: $(STAMP)
	$(BIN)/python -m bench.memory

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
