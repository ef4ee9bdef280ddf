# The two newcomer commands: `make plan` and `make test`. Each sets up .venv first,
# with only what it needs: plan the runtime (requirements.txt and the `exoctl` command),
# test the development tools and pulumi-azure on top.
PYTHON ?= python3
VENV := .venv
RUNTIME := $(VENV)/.runtime
KEYVAULT := $(VENV)/.keyvault
# The name helpers and CI know for "everything installed".
DEV := $(VENV)/.installed
STACK ?= dev
# pulumi-azure (~160 MB) only for a stack that uses the Key Vault hand-off.
STACK_USES_KEY_VAULT := $(shell grep -qs 'exo-cba:keyVault' Pulumi.$(STACK).yaml && echo yes)

.PHONY: plan test lint bench e2e e2e-toolchain policy-facts

# The interpreter is checked before anything is created or installed: one line
# naming the version needed (exoctl/preflight.py, standard library only).
$(VENV)/bin/python:
	@$(PYTHON) -m exoctl.preflight
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip

$(RUNTIME): requirements.txt pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install --quiet -r requirements.txt
	@# setuptools warns on every editable install that same-named folders in the working
	@# directory may shadow the package; here they are the package.
	PYTHONWARNINGS=ignore $(VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $@

$(KEYVAULT): requirements-keyvault.txt $(RUNTIME)
	$(VENV)/bin/python -m pip install --quiet -r requirements-keyvault.txt
	touch $@

$(DEV): requirements-dev.txt $(RUNTIME) $(KEYVAULT)
	$(VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	touch $@

plan: $(RUNTIME) $(if $(STACK_USES_KEY_VAULT),$(KEYVAULT))
	$(VENV)/bin/exoctl plan --stack $(STACK)

lint: $(DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(VENV)/bin/python -m pytest -n auto

# The real-engine tier (docs/real-engine.md): the Pulumi CLI, a Python language host and
# the providers built from Go modules into .e2e/ (cached: seconds once built), then the
# scenarios against the tenant stand-in. Without Go it says so and skips, exit 0.
e2e-toolchain:
	@bash e2e/toolchain/build.sh; status=$$?; \
	if [ $$status -eq 3 ]; then echo "make e2e: Go is not on PATH: the real-engine tier is skipped (install Go 1.26 or newer)"; exit 0; fi; \
	exit $$status

e2e: $(DEV) e2e-toolchain
	@if [ -x .e2e/bin/pulumi ]; then $(VENV)/bin/python -m pytest tests/e2e -m e2e -p no:cacheprovider; fi

# Not part of `make test`: how fast `exoctl drift --all` checks 64 stacks (docs/exoctl.md, "Drift").
bench: $(DEV)
	$(VENV)/bin/python -m benchmarks.drift_fleet

# The policy pack's copy of the ids (policy/exo_facts.py), after changing exocba/wellknown.py.
policy-facts: $(RUNTIME)
	$(VENV)/bin/python policy/_generate.py
