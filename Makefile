# The template's own commands. `make demo` runs a baked project; `make test` tests the template.
PYTHON ?= python3
VENV := .test-venv
BIN := $(VENV)/bin
TOOLS := $(VENV)/.tools-installed
DEMO := build/demo
DEMO_BIN := $(DEMO)/.venv/bin
# `make demo APP_PORT=18000 SANDBOX_PORT=18001` when 8000 or 8001 is taken on this machine.
APP_PORT ?= 8000
SANDBOX_PORT ?= 8001
PYTEST_ARGS ?=
# Tests run on one worker per CPU (pytest-xdist): the baked projects' suites side by side.
# `make test TEST_WORKERS=0` runs them one after the other, in this process.
TEST_WORKERS ?= auto
PARALLEL := -n $(TEST_WORKERS) --maxschedchunk 1

.PHONY: help test test-fast demo demo-clean lint lock clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# One hash-locked set: the template's test tools and everything a baked project needs for its
# development and tests, so the tests install each bake with --no-deps into this environment.
$(TOOLS): requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements-dev.lock
	touch $@

test: $(TOOLS)  ## every test of the template, the baked projects' own suites included
	scripts/with-postgres $(BIN)/pytest tests $(PARALLEL) $(PYTEST_ARGS)

test-fast: $(TOOLS)  ## the template tests without running the baked projects' suites
	$(BIN)/pytest tests -m "not slow" $(PARALLEL) $(PYTEST_ARGS)

lock: $(TOOLS)  ## re-lock requirements-dev.lock and a bake's requirements*.txt (UPGRADE=1: newest)
	$(BIN)/python scripts/lock.py $(if $(UPGRADE),--upgrade)

demo: $(TOOLS)  ## bake the defaults into build/demo (never over your changes) and run it at http://localhost:8000
	$(BIN)/python scripts/bake_demo.py $(DEMO)
	test -x $(DEMO_BIN)/python || $(PYTHON) -m venv $(DEMO)/.venv
	cd $(DEMO) && .venv/bin/pip install -q --require-hashes -r requirements-dev.txt
	cd $(DEMO) && .venv/bin/pip install -q --no-deps -e . -e ./sandbox
	@echo
	@echo "Open http://localhost:$(APP_PORT)   (the sandbox runs at http://127.0.0.1:$(SANDBOX_PORT); Ctrl-C stops both)"
	@echo
	cd $(DEMO) && exec .venv/bin/flask dev --app-port $(APP_PORT) --sandbox-port $(SANDBOX_PORT)

demo-clean:  ## delete build/demo (your changes in it too), so the next `make demo` starts over
	rm -rf $(DEMO)

lint: $(TOOLS)  ## ruff on the hooks, the tests and the scripts
	$(BIN)/ruff check --line-length 110 --select E,F,W,I,B,UP,RUF hooks tests scripts

clean:  ## remove the test environment, the demo and caches
	rm -rf $(VENV) build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -not -path './.git/*' -prune -exec rm -rf {} +
