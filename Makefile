# Two commands set everything up on a fresh clone (Python 3.11, pip, make):
#   make demo   -> creates .venv, installs, runs the default validation study (results/)
#   make test   -> creates .venv, installs, runs the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export MPLBACKEND := Agg

.PHONY: demo test bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/fokker-balance demo --output results

test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_solvers.py

clean:
	rm -rf $(VENV) results build *.egg-info
