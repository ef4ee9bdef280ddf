# The two newcomer commands: `make plan` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: plan test lint bench

$(STAMP): requirements.txt requirements-dev.txt requirements-keyvault.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

plan: $(STAMP)
	$(VENV)/bin/python -m exoctl plan --stack $(or $(STACK),dev)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(VENV)/bin/python -m pytest -n auto

# Not part of `make test`: how fast `exoctl drift --all` checks 64 stacks (docs/exoctl.md, "Drift").
bench: $(STAMP)
	$(VENV)/bin/python -m benchmarks.drift_fleet
