# gongshi — every target bootstraps .venv itself, so a fresh clone needs only Python 3.11+ and git.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
# The demo is built at a pinned date so its rolling lists are never empty.
DEMO_AS_OF ?= 2026-11-20
DEMO_DIR   ?= build/demo-repo

.PHONY: help site demo serve test test-fast lint format bench golden lock clean

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

# requirements.lock: the runtime dependencies of pyproject.toml (and the build backend), pinned with
# hashes, which the production build installs with --require-hashes (.github/workflows/site.yml).
# Run after changing a pin in pyproject.toml; tests/unit/cli/test_workflows.py checks they agree.
lock:
	$(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/pip install --quiet pip-tools==7.6.2
	build/lock-venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --build-deps-for wheel \
		--strip-extras --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

bench: $(STAMP)
	$(BIN)/python bench/run.py 10000

clean:
	rm -rf output build .pytest_cache cache
