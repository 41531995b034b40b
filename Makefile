# The two commands of the README: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
EXAMPLE_PLUGIN := tests/plugins/dealerqms-usedcars
PYTEST_ARGS ?= -n 2

.PHONY: demo test test-sqlite test-postgresql install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip install -q -e $(EXAMPLE_PLUGIN)

# The app with demo data on SQLite, served on http://127.0.0.1:5000 (log in as
# admin with the printed password, or as a demo user).
demo: install
	DEALERQMS_INSECURE_COOKIES=1 $(BIN)/dealerqms init --demo
	DEALERQMS_INSECURE_COOKIES=1 $(BIN)/dealerqms run --host 127.0.0.1 --port 5000

# The whole suite, on SQLite and then on PostgreSQL (Debian packages and the
# database server are installed and started by .ci/system-setup).
test: install-test
	@url=$$(.ci/system-setup | tail -n 1) && \
	$(BIN)/python -m pytest $(PYTEST_ARGS) && \
	DEALERQMS_TEST_DATABASE_URL=$$url $(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)
