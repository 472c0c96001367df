# The two commands a new user runs: `make serve` and `make test`.
# Each sets up .venv on a fresh machine (idempotent: re-installs only when pyproject.toml changed).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test test-servers lint build validate fmt bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/refmetiers serve

test: $(STAMP)
	$(BIN)/python -m pytest

# The real servers some tests run beside ours (CI calls it before `make test`): nginx from Debian for the
# static site, cache and replica tests; the Oxigraph server comes from PyPI with .[test]. Needs root for apt.
test-servers: $(STAMP)
	command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
		apt-get -o DPkg::Lock::Timeout=600 update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends nginx-light; }
	test -x $(BIN)/oxigraph

LINT_STAMP := $(VENV)/.installed-lint

$(LINT_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(LINT_STAMP)

# Lint and types hold the line: ruff (rules in pyproject.toml) over the code and tests, mypy over src/.
lint: $(LINT_STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy

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
