# The two commands a new user runs: `make serve` and `make test`.
# Each sets up .venv on a fresh machine (idempotent: re-installs only when pyproject.toml changed).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test build validate fmt bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/refmetiers serve

test: $(STAMP)
	$(BIN)/python -m pytest

build: $(STAMP)
	$(BIN)/refmetiers build

validate: $(STAMP)
	$(BIN)/refmetiers validate

fmt: $(STAMP)
	$(BIN)/refmetiers fmt

bench: $(STAMP)
	$(BIN)/python bench/build.py

clean:
	rm -rf dist $(VENV)
