# Two commands for a fresh machine with Python 3.11+:  make run  and  make test.
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 5000
HOST   ?= 127.0.0.1
BIN    := $(VENV)/bin
PYTEST_ARGS ?= -n 2 --durations=15
export FLASK_APP := wsgi.py

.PHONY: run test lint install install-test worker cron clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs exactly what the lock file pins (hashes checked); uv when it can be had, else pip.
define install_lock
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv >/dev/null 2>&1 || true
	@if [ -x $(BIN)/uv ]; then \
		$(BIN)/uv pip install -q --python $(BIN)/python --require-hashes -r $(1) && \
		$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e . ; \
	else \
		$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes -r $(1) && \
		$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e . ; \
	fi
	@touch $@
endef

$(VENV)/.installed-run: requirements.lock pyproject.toml | $(BIN)/python
	$(call install_lock,requirements.lock)

$(VENV)/.installed-test: requirements-dev.lock pyproject.toml | $(BIN)/python
	$(call install_lock,requirements-dev.lock)

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed
	@echo "Serving on http://$(HOST):$(PORT)  (demo accounts: see README; password demo-pass-123)"
	$(BIN)/flask serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy

test: install-test lint
	$(BIN)/pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/flask worker

cron: install
	$(BIN)/flask cron

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
