# The IPM evaluation workbook. Two commands on a fresh machine: `make report`, `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUTPUT ?= outputs
JOBS   ?=

.PHONY: report test lint format lab bench clean strip-notebooks help checkout

help:
	@echo "make report  build the example reports into $(OUTPUT)/ (sets up $(VENV) first)"
	@echo "make test    lint and run the test suite"
	@echo "make lab     open JupyterLab on notebooks/"
	@echo "make bench   print the speed ratios (benchmarks/)"

# The runtime environment: the package and its report dependencies.
$(VENV)/.runtime: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

# The venv must run this checkout's code: a non-editable `pip install .` into it (for Playwright,
# say) leaves a copy in site-packages that would go stale, so put the editable install back.
checkout: $(VENV)/.runtime
	@$(BIN)/python -I -c 'import pathlib, sys, ipm_analysis; \
	  sys.exit(pathlib.Path(ipm_analysis.__file__).parent != pathlib.Path(sys.argv[1]).resolve())' \
	  $(CURDIR)/ipm_analysis || $(BIN)/python -m pip install --quiet -e .

# Tests add pytest, ruff, Playwright (driving Debian's Chromium) and Dask.
$(VENV)/.test: $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -e '.[test,browser,dask]'
	@touch $@

report: checkout
	$(BIN)/ipm batch params/ --output-dir $(OUTPUT) $(if $(JOBS),--jobs $(JOBS))
	@echo "Open $(abspath $(OUTPUT))/index.html"

test: $(VENV)/.test checkout
	$(BIN)/ruff check ipm_analysis tests benchmarks scripts examples
	$(BIN)/python -m pytest

lint: $(VENV)/.test
	$(BIN)/ruff check ipm_analysis tests benchmarks scripts examples
	$(BIN)/ruff format --check ipm_analysis tests benchmarks scripts examples

format: $(VENV)/.test
	$(BIN)/ruff format ipm_analysis tests benchmarks scripts examples
	$(BIN)/ruff check --fix ipm_analysis tests benchmarks scripts examples

lab: $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab notebooks/

bench: $(VENV)/.test
	$(BIN)/python benchmarks/bench_evaluation.py
	$(BIN)/python benchmarks/bench_focus.py
	$(BIN)/python benchmarks/run_all.py

strip-notebooks: $(VENV)/.runtime
	$(BIN)/python scripts/strip_notebooks.py

clean:
	rm -rf $(OUTPUT)/* .pytest_cache
