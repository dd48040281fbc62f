# Two commands set everything up on a fresh clone (Python 3.11, pip, make):
#   make demo   -> creates .venv, installs, runs the default validation study (results/)
#   make test   -> creates .venv, installs, runs the test suite
#   make docs   -> HTML documentation in docs/_build/html (tutorials executed, warnings are errors)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DOCS_STAMP := $(VENV)/.docs-stamp
export MPLBACKEND := Agg

.PHONY: demo test bench docs install clean

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

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $(DOCS_STAMP)

# Warnings are errors (-W), a fresh environment each time (-E; tutorials are re-run only when
# changed); every tutorial in docs/tutorials is executed (a broken one fails the build).
docs: $(DOCS_STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m sphinx -b html -E -W --keep-going -q -d docs/_build/doctrees docs docs/_build/html
	@echo "open docs/_build/html/index.html"

clean:
	rm -rf $(VENV) results build *.egg-info docs/_build docs/auto_tutorials docs/_generated
