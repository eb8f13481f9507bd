# sqslab: the two commands a learner needs are `make lab` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# JupyterLab refuses to run as root (containers, Binder-like machines) without --allow-root
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)
# no news or update pop-up over the first notebook a learner opens: the server never checks, and
# jupyter/overrides.json (installed into the venv) turns the news consent prompt off in the frontend
QUIET_LAB := --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate
# the course's language: `make lab LANG=pt-BR` (or SQSLAB_LANG=pt-BR, or a Brazilian locale such as
# LANG=pt_BR.UTF-8) opens the Portuguese edition; SQSLAB_LANG=en keeps English on any locale
COURSE_LANG := $(if $(filter pt-BR% pt_BR%,$(strip $(or $(SQSLAB_LANG),$(LANG)))),pt-BR,en)
# `LANG=pt-BR` names no locale: the lab itself runs with C.UTF-8 then, any other LANG is left as it is
LAB_LOCALE := $(if $(filter pt-BR%,$(LANG)),LANG=C.UTF-8 ,)
# the folder JupyterLab opens, and extra flags (the browser test gives its own copy, port and token)
LAB_ROOT ?= $(if $(filter pt-BR,$(COURSE_LANG)),notebooks/pt-BR,notebooks)
LAB_EXTRA ?=
# one worker per core; --dist loadfile keeps each notebook's cells (and each test file) in order in one worker
PARALLEL := -n auto --dist loadfile
# the unit tests: two workers per core, since the real-clock tests mostly sleep (measured on 2 cores:
# 472 s with 2 workers, 415 s with 4)
UNIT_WORKERS := $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 )))
NBVAL_RUN := $(BIN)/pytest --nbval --nbval-current-env -p no:cacheprovider $(PARALLEL)
NBVAL := $(NBVAL_RUN) notebooks
# the English edition: chapters, solutions, the instructor's (the Portuguese twins run the same code,
# syntax tree for syntax tree, as tests/test_translations.py checks)
ENGLISH_NOTEBOOKS := $(wildcard notebooks/*.ipynb) notebooks/solutions notebooks/instructor

.PHONY: lab test lint unit nbval nbval-server nbval-server-all test-real-ci notebooks format venv clean bench loadtest test-browser test-browser-ci faults test-real test-localstack

venv: $(STAMP)

# (re)create the virtual environment whenever pyproject.toml changes
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "sqslab needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	$(BIN)/python scripts/install_lab_settings.py
	touch $(STAMP)

# the lab's backend: SQSLAB_BACKEND from the environment (a workshop learner's `endpoint`), else moto
LAB_BACKEND := $(or $(strip $(SQSLAB_BACKEND)),moto)

## make lab: JupyterLab on notebooks/ with the embedded moto backend (no AWS account needed), or the
## backend SQSLAB_BACKEND names (workshop mode: endpoint); `make lab LANG=pt-BR`: em português
lab: venv
	@$(BIN)/python scripts/install_lab_settings.py
	$(LAB_LOCALE)SQSLAB_LANG=$(COURSE_LANG) SQSLAB_BACKEND=$(LAB_BACKEND) $(BIN)/jupyter lab --ServerApp.root_dir=$(LAB_ROOT) $(QUIET_LAB) $(LAB_ARGS) $(LAB_EXTRA)

## make bench: chapter 2-3 ratios measured side by side (not a test: machines differ)
bench: venv
	$(BIN)/python scripts/bench.py

## make test-browser: every notebook in JupyterLab in headless Chromium (apt-get install -y chromium)
test-browser: venv
	$(BIN)/pytest -m browser tests/browser

## make test-browser-ci: the same on a sample that keeps CI under 20 minutes (every English chapter,
## the instructor's notebook, chapter 0 in Portuguese and the live classroom board; not the solutions
## notebooks, which nbval and test-real run, nor the other Portuguese chapters)
test-browser-ci: venv
	SQSLAB_BROWSER_SAMPLE=ci $(BIN)/pytest -m browser tests/browser

## make test-real: every notebook on a real clock (a fresh `sqslab server`), 18 side by side (they
## mostly wait); fails on any error a learner did not cause or a notebook over 10 minutes
REAL_ARGS ?= --jobs 18 --budget 600 --cell-timeout 120
test-real: venv
	$(BIN)/python scripts/run_real.py $(REAL_ARGS) --json build/real-clock.json

## make test-real-ci: the same on the English notebooks (CI's 20 minutes; the Portuguese twins take
## the same calls, syntax tree for syntax tree)
test-real-ci: venv
	$(BIN)/python scripts/run_real.py $(REAL_ARGS) --json build/real-clock.json $(ENGLISH_NOTEBOOKS)

## make test-localstack: the same on LocalStack (host mode, no Docker), installed into .venv-localstack
## (Python 3.12+; pins in scripts/localstack-requirements.txt), started before and stopped after the run;
## a cell may take 330 s there: chapter 7's FIFO redrive waits out LocalStack's dedup flaw (docs/localstack.md 5.2)
LOCALSTACK_ARGS ?= --jobs 6 --budget 600 --cell-timeout 330
test-localstack: venv
	$(BIN)/python scripts/localstack.py --json build/localstack.json $(LOCALSTACK_ARGS)

## make faults: 200 seeded fault runs of the producer and worker pool; prints lost, duplicates, order
faults: venv
	$(BIN)/python -m sqslab.faultruns

## make loadtest: 30 simulated learners, a key each, on one local room server (workshop mode)
loadtest: venv
	$(BIN)/python -m sqslab.loadtest

## make test: lint (ruff, import cycles, mypy), unit tests, strict nbval on every notebook, and again on the server backend
test: lint unit nbval nbval-server

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/check_imports.py
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest -q -n $(UNIT_WORKERS) --dist loadfile

nbval: venv
	SQSLAB_BACKEND=moto $(NBVAL)

# the English notebooks on a moto server over HTTP; only the backend name and queue URLs may differ
# (the Portuguese twins take the same calls; `make nbval-server-all` runs them too)
nbval-server: venv
	SQSLAB_BACKEND=server $(NBVAL_RUN) $(ENGLISH_NOTEBOOKS) --nbval-sanitize-with tests/server_backend.cfg

nbval-server-all: venv
	SQSLAB_BACKEND=server $(NBVAL) --nbval-sanitize-with tests/server_backend.cfg

## make notebooks: re-execute every notebook in place (then `git diff` should be empty)
notebooks: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python scripts/run_notebooks.py notebooks

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .venv-localstack
