# The project's commands. `make run` and `make test` set up everything they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
BUN_VERSION := 1.4.4

# Reflex's tools stay inside the project: Bun from the npm registry (scripts/install-bun), and
# Reflex's own data and Bun's package cache, instead of folders in $HOME.
TOOLS := $(CURDIR)/.tools
export REFLEX_BUN_PATH := $(TOOLS)/bun/bin/bun
export REFLEX_DIR := $(TOOLS)/reflex
export BUN_INSTALL_CACHE_DIR := $(TOOLS)/bun-cache
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

# `make export`: dev and test files that stay out of backend.zip. Reflex itself already leaves
# out every dot-folder and dot-file (.venv, .devstack, .tools, .env*, .web but for .web/backend)
# and __pycache__; --exclude-from-backend takes only paths that exist, hence the wildcard.
BACKEND_EXCLUDES := tests devstack bench scripts supabase node_modules reflex.lock Makefile \
	pyproject.toml requirements-dev.txt SECURITY.md

.PHONY: help setup run doctor test bench lint export

help:
	@echo "make run    run the app on http://localhost:3000 (local stand-ins unless real credentials are set)"
	@echo "make doctor check the settings, the Supabase project and the Stripe account (ARGS=--create-test-session)"
	@echo "make test   run the whole test suite"
	@echo "make bench  benchmark the billing page's load and the portal path against their floors"
	@echo "make lint   ruff"
	@echo "make export frontend.zip + backend.zip for hosting (needs REFLEX_API_URL, see README)"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(REFLEX_BUN_PATH): scripts/install-bun
	scripts/install-bun $(BUN_VERSION) $(TOOLS)/bun

setup: $(VENV)/.installed $(REFLEX_BUN_PATH)

run: setup
	$(PY) -m devstack run -- $(VENV)/bin/reflex run

# The settings `make run` gives the app: real credentials, or make run's stand-ins (running).
doctor: $(VENV)/.installed
	$(PY) -m devstack exec -- $(PY) -m billing_app.doctor $(ARGS)

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) -m bench $(ARGS)

lint: setup
	$(VENV)/bin/ruff check .

# REFLEX_API_URL is baked into frontend.zip: the browser reaches the backend there. Without it
# Reflex would build a frontend that talks to http://localhost:8000.
export: setup
	@test -n "$$REFLEX_API_URL" || { echo "make export: set REFLEX_API_URL to the backend's public address, e.g. REFLEX_API_URL=https://app.example.com make export (see README: Deploy)" >&2; exit 2; }
	$(VENV)/bin/reflex export --env prod $(foreach path,$(wildcard $(BACKEND_EXCLUDES)),--exclude-from-backend $(path))
