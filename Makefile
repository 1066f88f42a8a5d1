# Migration-policy report. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
# An active conda environment (other than `base`) is used as it is, with no second
# environment; else .venv with pip. `make VENV=… PYTHON=…` overrides either.
CONDA_ENV := $(if $(filter-out base,$(CONDA_DEFAULT_ENV)),$(CONDA_PREFIX))
VENV ?= $(if $(CONDA_ENV),$(CONDA_ENV),.venv)
BIN := $(VENV)/bin
STAMP := $(VENV)/.migration-report-stamp
KERNEL := migration-report
OUT ?= reports
JOBS ?=
PYTEST_ARGS ?=
LAB_ARGS ?=

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) \
	  --display-name "Python ($(KERNEL))"
	@touch $(STAMP)

.PHONY: env
env: $(STAMP) ## Install the project and its kernel into .venv (or the active conda env)

.PHONY: report
report: $(STAMP) ## Build every chapter and the index into reports/ from the default data
	SOURCE_DATE_EPOCH="$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null)}" \
	  $(BIN)/migration-report build --out $(OUT) $(if $(JOBS),--jobs $(JOBS))

.PHONY: test
test: $(STAMP) ## Lint, then the whole suite: unit, notebook, browser and reliability tests
	$(BIN)/ruff check src tests notebooks benchmarks
	$(BIN)/python -m pytest $(PYTEST_ARGS)

.PHONY: test-fast
test-fast: $(STAMP) ## Unit tests only, for quick iteration
	$(BIN)/python -m pytest -m "not notebooks and not browser and not reliability" $(PYTEST_ARGS)

.PHONY: lab
lab: $(STAMP) ## Open JupyterLab on notebooks/ with the migration-report kernel
	$(BIN)/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

.PHONY: sync
sync: $(STAMP) ## Rewrite the py:percent twins of the notebooks from the .ipynb files
	$(BIN)/jupytext --to py:percent notebooks/*.ipynb

.PHONY: hooks
hooks: $(STAMP) ## Install the git hooks (pre-commit) and nbdime's notebook diffs for git
	$(BIN)/pre-commit install
	$(BIN)/nbdime config-git --enable

.PHONY: validate
validate: $(STAMP) ## Validate the default data (schemas and checksums)
	$(BIN)/migration-report data validate

.PHONY: snapshot
snapshot: $(STAMP) ## Rebuild data/snapshot from ../shared/data/gdidata
	$(BIN)/migration-report data snapshot --from ../shared/data/gdidata

.PHONY: benchmark
benchmark: $(STAMP) ## Run the build benchmark (see README for recorded results)
	$(BIN)/python benchmarks/build.py $(if $(JOBS),--jobs $(JOBS))

.PHONY: benchmark-warm
benchmark-warm: $(STAMP) ## Warm kernels against new kernels, the naive loop and the limit (about 12 min)
	$(BIN)/python benchmarks/warm.py

.PHONY: clean
clean: ## Remove built reports and caches (keeps the environment)
	rm -rf $(OUT) .cache .pytest_cache

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'
