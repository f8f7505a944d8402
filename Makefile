# The two commands of the README: `make demo` and `make test`. Both install what they need.
VENV ?= .venv
BIN := $(VENV)/bin

$(BIN)/cki: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/cki

.PHONY: demo test check bench
demo: $(BIN)/cki
	$(BIN)/cki demo

test: $(BIN)/cki
	$(BIN)/python -m pytest

check: $(BIN)/cki    # lint, types (pyproject.toml's [tool.mypy]), then the tests
	$(BIN)/ruff check pipeline contracts_schema tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(BIN)/cki
	$(BIN)/python bench/run.py --contracts 1000000
