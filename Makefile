# The template's own commands. `make demo` runs a baked project; `make test` tests the template.
PYTHON ?= python3
VENV := .test-venv
BIN := $(VENV)/bin
TOOLS := $(VENV)/.tools-installed
BAKED_DEPS := $(VENV)/.baked-deps-installed
DEMO := build/demo
DEMO_BIN := $(DEMO)/.venv/bin
PYTEST_ARGS ?=

.PHONY: help test test-fast demo lint clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(TOOLS): requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Everything a baked project needs (its dependencies and [dev] extra), so the tests can
# install each baked project with --no-deps into this one shared environment.
$(BAKED_DEPS): $(TOOLS) cookiecutter.json {{cookiecutter.project_slug}}/pyproject.toml tests/baked_requirements.py
	$(BIN)/python tests/baked_requirements.py > $(VENV)/baked-requirements.txt
	$(BIN)/pip install -q -r $(VENV)/baked-requirements.txt
	touch $@

test: $(BAKED_DEPS)  ## every test of the template, the baked projects' own suites included
	scripts/with-postgres $(BIN)/pytest tests $(PYTEST_ARGS)

test-fast: $(BAKED_DEPS)  ## the template tests without running the baked projects' suites
	$(BIN)/pytest tests -m "not slow" $(PYTEST_ARGS)

demo: $(TOOLS)  ## bake the defaults into build/demo and run it at http://localhost:8000
	$(BIN)/python scripts/bake_demo.py $(DEMO)
	test -x $(DEMO_BIN)/python || $(PYTHON) -m venv $(DEMO)/.venv
	cd $(DEMO) && .venv/bin/pip install -q -e '.[dev]' $$(test -d sandbox && printf -- '-e ./sandbox')
	cd $(DEMO) && .venv/bin/flask db upgrade
	@echo
	@echo "Open http://localhost:8000   (the sandbox runs at http://127.0.0.1:8001; Ctrl-C stops both)"
	@echo
	cd $(DEMO) && exec .venv/bin/flask dev

lint: $(TOOLS)  ## ruff on the hooks, the tests and the scripts
	$(BIN)/ruff check --line-length 110 --select E,F,W,I,B,UP,RUF hooks tests scripts

clean:  ## remove the test environment, the demo and caches
	rm -rf $(VENV) build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -not -path './.git/*' -prune -exec rm -rf {} +
