# The contract: every target installs what it needs into .venv first, and is safe to run twice.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON_BOOT ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHECKOV := $(VENV)/checkov/.installed
ENV ?= dev
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install test lint typecheck mutation reliability unit integration infra synth cfn-lint deploy diff openapi bench cost local clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt layers/deps/requirements.txt layers/strata/pyproject.toml ops/pyproject.toml
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e layers/strata
	@# OCR of scans and images runs the tesseract program locally (Textract in AWS). As root on
	@# Debian/Ubuntu (CI) it is installed here; elsewhere: apt-get install tesseract-ocr, or
	@# brew install tesseract. Without it scans are refused with a reason, and tests/unit/documents/test_ocr.py fails.
	@command -v tesseract >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && apt-get install -y -qq tesseract-ocr >/dev/null; } \
		|| echo "note: install Tesseract for local OCR: apt-get install tesseract-ocr (or brew install tesseract)" >&2
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e ops
	touch $(STAMP)

# checkov in a virtualenv of its own (its pins conflict with ours), for the tests that scan the
# templates only: `make local` and `make install` do not wait for it.
$(CHECKOV): requirements-checkov.txt | $(STAMP)
	test -x $(VENV)/checkov/bin/python || $(PYTHON_BOOT) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $(CHECKOV)

install: $(STAMP) ## create .venv with the CDK app, runtime and test dependencies

lint: $(STAMP) ## ruff (lint and format check)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP) ## mypy (strict) on the library, the functions, the tools, infra and tests
	$(VENV)/bin/mypy app.py layers/strata/python/strata lambdas ops migrations local infra tests

test: lint typecheck $(CHECKOV) ## ruff, mypy, then pytest across unit, integration, infra and e2e
	$(VENV)/bin/pytest -q

mutation: $(STAMP) ## mutation testing of auth, keys, tokens, paging and sniffing (not in make test; minutes)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-mutation.txt
	$(PY) tests/mutation/run.py --max-children $${MUTATION_CHILDREN:-2}

# The short form of every suite runs inside `make test`; this runs the long form and writes its
# figures (date, commit, seed) into docs/RELIABILITY.md, also when a suite fails (then it fails too).
RELIABILITY_RESULTS := .reliability/results.jsonl
reliability: $(STAMP) $(CHECKOV) ## the reliability suites' long form (minutes); writes the figures into docs/RELIABILITY.md
	rm -f $(RELIABILITY_RESULTS)
	status=0; RELIABILITY_FORM=long RELIABILITY_RESULTS=$(CURDIR)/$(RELIABILITY_RESULTS) \
		$(VENV)/bin/pytest -q tests/reliability tests/infra/test_checkov.py || status=$$?; \
	$(PY) -m tests.reliability.report $(RELIABILITY_RESULTS) docs/RELIABILITY.md; \
	exit $$status

unit: $(STAMP)
	$(VENV)/bin/pytest -q tests/unit

integration: $(STAMP)
	$(VENV)/bin/pytest -q tests/integration

infra: $(STAMP) $(CHECKOV)
	$(VENV)/bin/pytest -q tests/infra

synth: $(STAMP) ## synthesize every environment into cdk.out (cdk-nag gate included), then cfn-lint
	rm -rf cdk.out
	$(PY) app.py
	$(MAKE) --no-print-directory cfn-lint

cfn-lint: $(STAMP)
	$(VENV)/bin/cfn-lint --non-zero-exit-code error --ignore-checks W3005 -- $$(find cdk.out -name '*.template.json')

node_modules/.bin/cdk: package.json
	npm install --no-audit --no-fund
	touch $@

deploy: $(STAMP) node_modules/.bin/cdk ## deploy one environment: make deploy ENV=dev
	npx cdk deploy -c env=$(ENV) 'strata-account*' 'strata-$(ENV)/*' --require-approval broadening

diff: $(STAMP) node_modules/.bin/cdk ## diff one environment against what is deployed: make diff ENV=dev
	npx cdk diff -c env=$(ENV) 'strata-account*' 'strata-$(ENV)/*'

openapi: $(STAMP) ## regenerate docs/openapi.json from the api function's routes
	$(PY) -m lambdas.api.openapi > docs/openapi.json

cost: $(STAMP) ## price every environment from its synthesized templates; writes docs/COST.md
	$(PY) -m ops.cost --write docs/COST.md

AREA ?=
bench: $(STAMP) ## benchmarks beside their peers, then docs/PERFORMANCE.md (one area: make bench AREA=api)
	$(PY) -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	$(PY) bench/run.py $(AREA)

# Bytecode is cached for this one: compiling every module again on each start costs seconds.
local: $(STAMP) ## the whole platform on 127.0.0.1:3000 (STRATA_LOCAL_PORT=..., ARGS=--fresh)
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m local $(ARGS)

clean: ## remove build outputs and caches, the synth's validation cache (build/validation-cache) too
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache .mutation .reliability build/validation-cache
