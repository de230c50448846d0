# Entry points: `make run` (the whole workflow on the embedded 13-basin sample), `make test` (the
# whole suite, as CI runs it: Snakemake subprocesses and, as root, a real local SLURM included)
# and `make test-fast` (the unit tests only, under 2 minutes on 2 cores: no test marked
# `workflow`, which spawns Snakemake, or `slurm`). All create and fill .venv on first use from
# the pinned requirements. CAMELS_LSTM_TEST_TIMEOUT_SCALE=3 triples the tests' timeouts.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHYFT_VENV := .venv-shyft
CORES ?= $(shell nproc)

.PHONY: run test test-fast lint format venv bench-env clean

venv: $(VENV)/.installed $(SHYFT_VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-lock.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements-lock.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Shyft's own environment (NumPy 1; camels_lstm.conceptual.shyft_setup). Where it cannot be made
# (no root for apt-get, no registry), this says what is missing and the rest still works.
$(SHYFT_VENV)/.installed: requirements-shyft.txt src/camels_lstm/conceptual/shyft_setup.py | $(VENV)/.installed
	$(BIN)/python -m camels_lstm.conceptual.shyft_setup $(SHYFT_VENV) requirements-shyft.txt

run: venv
	$(BIN)/snakemake --cores $(CORES)

test: venv
	$(BIN)/python -m pytest -q tests

test-fast: venv
	$(BIN)/python -m pytest -q -m "not workflow and not slurm" tests

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile rules
	$(BIN)/snakemake --lint --cores 1

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/snakefmt Snakefile rules

# Separate environment for benchmarks that compare against neuralhydrology.
bench-env: .venv-bench/.installed

.venv-bench/.installed: requirements.txt pyproject.toml
	test -x .venv-bench/bin/python || $(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet --upgrade pip
	.venv-bench/bin/python -m pip install --quiet -r requirements.txt -e '.[bench]'
	touch $@

clean:
	rm -rf results resources logs .snakemake
