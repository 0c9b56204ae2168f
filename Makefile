# Buurtbeeld — the two commands of the README's quick start:
#   make demo   set up and start the demo (DuckDB, bundled real CBS data)
#   make test   set up and run every check: ruff, mypy, import contracts, all tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXTRAS := test,sdc-reference

.PHONY: demo test setup setup-test lint clean test-oidc-provider

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==0.13.9

$(VENV)/.installed-base: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[$(EXTRAS)]'
	touch $@ $(VENV)/.installed-base

setup: $(VENV)/.installed-base
setup-test: $(VENV)/.installed-test

demo: setup
	$(BIN)/buurtbeeld demo

lint: setup-test
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

# The sign-in tests start a real OpenID provider (npm oidc-provider, tests/oidc): installed from
# its package-lock when Node/npm are present; without them those tests are skipped with a reason.
test-oidc-provider:
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error; \
	else echo "npm ontbreekt: de OIDC-aanmeldtests worden overgeslagen"; fi

test: lint test-oidc-provider
	$(BIN)/pytest -n 2 --dist loadfile

clean:
	rm -rf $(VENV) demo-werkmap .pytest_cache .mypy_cache .ruff_cache tests/oidc/node_modules
