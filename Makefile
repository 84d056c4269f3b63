# Every target bootstraps its own virtual environment (.venv) on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
SPEC   ?= openapi/interactive-brokers-web-api-openapi.yml
OVERLAY ?= openapi/overlay.yaml
OUT    ?= ibkr_webapi_client
DEFAULT_SPEC := openapi/interactive-brokers-web-api-openapi.yml
# Another spec (e.g. a newer IBKR download) may not contain what our overlay targets: warn, don't fail.
UNMATCHED := $(if $(filter $(DEFAULT_SPEC),$(SPEC)),error,warn)

.PHONY: install generate check-generated lint typecheck test demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev extras

generate: $(STAMP) ## apply the overlay and regenerate ibkr_webapi_client/ (SPEC=..., OVERLAY=..., OUT=...)
	$(BIN)/python -m tools.specbuild generate --spec $(SPEC) --overlay '$(OVERLAY)' --out $(OUT) --on-unmatched $(UNMATCHED)

check-generated: $(STAMP) ## regenerate into a temporary folder and fail on any difference
	$(BIN)/python -m tools.specbuild check

lint: $(STAMP)
	$(BIN)/ruff check custom tools tests examples bench
	$(BIN)/ruff format --check custom tools tests examples bench

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) ## run the test suite (no network, no IBKR account needed)
	$(BIN)/pytest -q

demo: $(STAMP) ## start the simulator on loopback HTTPS and run the portfolio report against it
	$(BIN)/python -m ibkr_webapi.demo

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) ## speed and memory side by side with bare httpx and ibind (exit 1: a goal missed)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
