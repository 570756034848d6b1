# The course kit's set-up commands (see README): `make demo`, `make test` and `make lab`.
# Each creates or refreshes the virtual environment .venv from requirements.txt first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: help setup sandbox demo test bench build check grade lab clean

$(STAMP): requirements.txt utils/pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

setup: $(STAMP)       ## only create or refresh .venv

# Student code is graded in a bubblewrap sandbox (Debian/Ubuntu package "bubblewrap").
# Installed here when missing and we may (root with apt); otherwise grading says which
# protections are off.
sandbox:
	@command -v bwrap >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing bubblewrap (the grading sandbox) ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	  else \
	    echo "note: bubblewrap is not installed (sudo apt install bubblewrap); grading runs without a sandbox"; \
	  fi; }

demo: $(STAMP) sandbox ## build the release and solutions, grade a simulated class
	$(PY) -m autograder demo

test: $(STAMP) sandbox ## run the whole test suite
	$(PY) -m pytest -n 2 --dist loadscope

build: $(STAMP)       ## regenerate release/ and solutions/ from source/
	$(PY) -m autograder build

check: $(STAMP)       ## are release/ and solutions/ up to date?
	$(PY) -m autograder check

bench: $(STAMP) sandbox ## every benchmark: grading of all nine lessons, lesson 05's NumPy MLP, lesson 07's recipe, lesson 09's playground (prints; asserts nothing)
	$(PY) benchmarks/grading.py
	$(PY) benchmarks/numpy_mlp.py
	$(PY) benchmarks/keras_recipe.py
	$(PY) benchmarks/playground.py

grade: $(STAMP) sandbox ## grade a class: make grade INBOX=path/to/submissions
	$(PY) -m autograder grade $(INBOX)

# JupyterLab on the repository with .venv's tools on PATH, and nbgrader's formgrader on a course
# folder (default grading/, where `make grade` writes; COURSE=demo-output/course after `make demo`).
lab: $(STAMP)         ## JupyterLab for students and instructors: make lab [COURSE=grading] [PORT=8888]
	$(PY) -m autograder lab $(if $(COURSE),--course $(COURSE)) $(if $(PORT),--port $(PORT))

help:                 ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F ':[^#]*## ' '{printf "  make %-6s %s\n", $$1, $$2}'

clean:
	rm -rf demo-output grading .pytest_cache
