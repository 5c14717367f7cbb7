# gongshi — every target bootstraps .venv itself, so a fresh clone needs only Python 3.11+ and git.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
# The demo is built at a pinned date so its rolling lists are never empty.
DEMO_AS_OF ?= 2026-11-20
DEMO_DIR   ?= build/demo-repo

.PHONY: help site demo serve test test-fast lint format bench golden clean

help:
	@echo "make site   - install, build the demo site and serve it on http://127.0.0.1:$(PORT)/"
	@echo "make test   - install and run the whole test suite"
	@echo "make lint   - ruff"
	@echo "make bench  - benchmarks (see bench/README.md)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/gongshi demo --out $(DEMO_DIR) --as-of $(DEMO_AS_OF)
	cd $(DEMO_DIR) && ../../$(BIN)/gongshi build --as-of $(DEMO_AS_OF) --output ../../output

site: demo serve

serve: $(STAMP)
	@echo "http://127.0.0.1:$(PORT)/"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory output

test: $(STAMP)
	$(BIN)/python -m pytest -n 2

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not browser and not slow"

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .

golden: $(STAMP)
	$(BIN)/python -m tests.support.golden_site --regenerate

bench: $(STAMP)
	$(BIN)/python bench/run.py 10000

clean:
	rm -rf output build .pytest_cache cache
