# The two commands of the README: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
EXAMPLE_PLUGIN := tests/plugins/dealerqms-usedcars
PYTEST_ARGS ?= -n 2
# The S3 API of the SeaweedFS that .ci/system-setup starts for the tests (tests/object_store.py).
TEST_S3_PORT ?= 8333
export DEALERQMS_TEST_S3_PORT := $(TEST_S3_PORT)
export DEALERQMS_TEST_S3_ENDPOINT := http://127.0.0.1:$(TEST_S3_PORT)
export WEED := $(abspath $(BIN))/weed

.PHONY: demo test test-dates install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip install -q -e $(EXAMPLE_PLUGIN)

# The app with demo data on SQLite, served on http://127.0.0.1:5000 (log in as
# admin with the printed password, or as a demo user), with the scheduler beside
# it (reminders, e-mail, each day's checks), stopped with the server.
demo: install
	DEALERQMS_INSECURE_COOKIES=1 $(BIN)/dealerqms init --demo
	@$(BIN)/dealerqms scheduler & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	DEALERQMS_INSECURE_COOKIES=1 $(BIN)/dealerqms run --host 127.0.0.1 --port 5000

# The whole suite, on SQLite and then on PostgreSQL (Debian packages, the
# database server and the S3 store are installed and started by .ci/system-setup).
test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	@url=$$(.ci/system-setup | tail -n 1) && \
	$(BIN)/python -m pytest $(PYTEST_ARGS) && \
	DEALERQMS_TEST_DATABASE_URL=$$url $(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

# The whole suite on SQLite (browser journeys included) with the clock moved
# to the moments that catch calendar bugs: a UTC month-end that is already the
# next month in China, a leap day's last minutes, New Year just after midnight
# UTC, and two years from today. CLOCKS="..." runs other moments.
CLOCKS ?= 2026-12-31T16:30:00Z 2028-02-29T23:55:00Z 2027-01-01T00:05:00Z \
	$(shell date -u -d '+2 years' +%Y-%m-%dT%H:%M:%SZ)
test-dates: install-test
	@.ci/system-setup >/dev/null
	@for when in $(CLOCKS); do \
		echo "== clock moved to $$when"; \
		$(BIN)/python -m pytest $(PYTEST_ARGS) -q -p no:cacheprovider --clock $$when || exit 1; \
	done
