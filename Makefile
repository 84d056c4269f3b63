# Every target bootstraps its own virtual environment (.venv) on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
SPEC   ?= openapi/interactive-brokers-web-api-openapi.yml
OVERLAY ?= openapi/overlay
OUT    ?= ibkr_webapi_client
# IBKR's own published spec, read in place (never copied into the project).
OFFICIAL ?= ../shared/reference/ibkr-official-openapi-2.27.0.json

.PHONY: install generate check-generated contract spec-drift official-check lint typecheck test demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev extras

generate: $(STAMP) ## apply the overlay and regenerate ibkr_webapi_client/ (SPEC=..., OVERLAY=..., OUT=...)
	$(BIN)/python -m tools.specbuild generate --spec $(SPEC) --overlay '$(OVERLAY)' --out $(OUT)

check-generated: $(STAMP) ## regenerate into a temporary folder and fail on any difference
	$(BIN)/python -m tools.specbuild check

contract: $(STAMP) ## rewrite tools/specbuild/contract.txt (the generated names custom/ uses)
	$(BIN)/python -m tools.specbuild contract --update

spec-drift: $(STAMP) ## list every difference between our operations and SPEC's (e.g. SPEC=$(OFFICIAL))
	$(BIN)/python -m tools.specbuild drift --spec $(SPEC) --overlay '$(OVERLAY)'

official-check: $(STAMP) ## IBKR's spec end to end in a temporary copy: generate, typecheck, test
	$(BIN)/python -m tools.specbuild.official_check --spec $(OFFICIAL)

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
