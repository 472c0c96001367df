# The two commands a new user runs: `make serve` and `make test`.
# Each sets up .venv on a fresh machine (idempotent: re-installs only when pyproject.toml changed).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test test-servers test-clients test-browser screenshots lint build validate fmt bench bench-tools clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/refmetiers serve

test: $(STAMP)
	$(BIN)/python -m pytest

# sssom-py, the SSSOM reference implementation, checks our mapping sets (tests/test_sssom_conformance.py). It has
# a venv of its own: its dependency tree (pandas, linkml, rdflib-jsonld) must not change the project's.
SSSOM_VENV := .venv-sssom
SSSOM_STAMP := $(SSSOM_VENV)/.installed

$(SSSOM_STAMP):
	test -x $(SSSOM_VENV)/bin/python || $(PYTHON) -m venv $(SSSOM_VENV)
	$(SSSOM_VENV)/bin/python -m pip install --quiet 'sssom==0.4.21'
	touch $(SSSOM_STAMP)

# The real servers and tools some tests run beside ours (CI calls it before `make test`): nginx and Apache from
# Debian for the static site, cache and replica tests; the Oxigraph server comes from PyPI with .[test]; sssom-py
# (above). Needs root for apt.
test-servers: $(STAMP) $(SSSOM_STAMP)
	{ test -x /usr/sbin/nginx && test -x /usr/sbin/apache2; } || { \
		apt-get -o DPkg::Lock::Timeout=600 update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
			nginx-light apache2; }
	test -x $(BIN)/oxigraph

# Java and Node SPARQL clients against the real server: Apache Jena rsparql (Debian libapache-jena-java) and
# Comunica 5 on Node 22 (npm), installed into .clients/ by tests/clients/install.sh. Needs root for apt.
test-clients: $(STAMP)
	tests/clients/install.sh
	REFMETIERS_REQUIRE_CLIENTS=1 $(BIN)/python -m pytest tests/clients -q

LINT_STAMP := $(VENV)/.installed-lint

$(LINT_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(LINT_STAMP)

# Lint and types hold the line: ruff (rules in pyproject.toml) over the code and tests, mypy over src/.
lint: $(LINT_STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy

# Browser tests: Debian's chromium driven by Playwright for Python (Playwright's own browser download is not used).
CHROMIUM ?= /usr/bin/chromium
BROWSER_STAMP := $(VENV)/.installed-browser

$(BROWSER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,browser]'
	touch $(BROWSER_STAMP)

$(CHROMIUM):
	apt-get -o DPkg::Lock::Timeout=600 update
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
		chromium fonts-dejavu-core

test-browser: $(BROWSER_STAMP) $(CHROMIUM)
	REFMETIERS_BROWSER=1 CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest tests/browser -p no:cacheprovider -rA -s -q

# The screenshots of the README (docs/screenshots/), taken by the browser tests.
screenshots: $(BROWSER_STAMP) $(CHROMIUM)
	REFMETIERS_BROWSER=1 REFMETIERS_SCREENSHOTS=docs/screenshots CHROMIUM=$(CHROMIUM) \
		$(BIN)/python -m pytest tests/browser -q -k "home or job_page or query_editor or search or api_docs"

build: $(STAMP)
	$(BIN)/refmetiers build

validate: $(STAMP)
	$(BIN)/refmetiers validate

fmt: $(STAMP)
	$(BIN)/refmetiers fmt

bench: $(STAMP)
	$(BIN)/python bench/build.py

# What bench/endpoint.py needs beyond .[test] (which ships the Oxigraph server as .venv/bin/oxigraph): wrk, the
# HTTP load generator of `--client wrk` (Debian), and rdflib-endpoint (.[bench]). Needs root for apt.
bench-tools: $(STAMP)
	command -v wrk >/dev/null || { \
		apt-get -o DPkg::Lock::Timeout=600 update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends wrk; }
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	test -x $(BIN)/oxigraph

clean:
	rm -rf dist $(VENV)
