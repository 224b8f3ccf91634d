# Two entry points: `make run` and `make test`. Both create .venv when it is
# missing and reinstall only when pyproject.toml changed (the stamp file).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run kiosk staff test bench bench-smoke lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/ecandidat

kiosk: $(STAMP)
	$(BIN)/ecandidat --kiosk

staff: $(STAMP)
	$(BIN)/ecandidat staff

test: $(STAMP)
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# ruff over the code, tests and benchmarks; mypy over the domain layers (pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check ecandidat_tui tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks

bench-smoke: $(STAMP)
	$(BIN)/python -m benchmarks --smoke

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
