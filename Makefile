# The course kit's two set-up commands (see README): `make demo` and `make test`.
# Both create or refresh the virtual environment .venv from requirements.txt first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup demo test build check grade clean

$(STAMP): requirements.txt utils/pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

setup: $(STAMP)       ## only create or refresh .venv

demo: $(STAMP)        ## build the release and solutions, grade a simulated class
	$(PY) -m autograder demo

test: $(STAMP)        ## run the whole test suite
	$(PY) -m pytest -n 2 --dist loadscope

build: $(STAMP)       ## regenerate release/ and solutions/ from source/
	$(PY) -m autograder build

check: $(STAMP)       ## are release/ and solutions/ up to date?
	$(PY) -m autograder check

grade: $(STAMP)       ## grade a class: make grade INBOX=path/to/submissions
	$(PY) -m autograder grade $(INBOX)

clean:
	rm -rf demo-output grading .pytest_cache
