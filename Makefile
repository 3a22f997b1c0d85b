# InvestQuest: `make run` serves the API, `make test` runs lint and the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("InvestQuest needs Python 3.11+") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/investquest serve

# Two processes (pytest-xdist), each with its own database cloned from one migrated template
# (tests/conftest.py); tests are stolen from a busy worker's queue by an idle one, so the long
# tests (fuzz, restart, CLI) do not leave one worker alone at the end.
test: $(STAMP) lint
	$(BIN)/python -m pytest -q -n 2 --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy api core courses gamification tests
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m tests.bench
	$(BIN)/python -m tests.benchmarks.contest_standings
	$(BIN)/python -m tests.benchmarks.community
	$(BIN)/python -m tests.benchmarks.league_week
	$(BIN)/python -m tests.benchmarks.campaigns
	$(BIN)/python -m tests.benchmarks.outcomes

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock:
	$(PYTHON) -m pip install --quiet uv && $(PYTHON) -m uv pip compile pyproject.toml --extra dev \
		--generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
