# Two commands on a fresh clone: `make demo` and `make test`. Each creates .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-postgres bench serve clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/invitebot demo

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

# The same suite against PostgreSQL (127.0.0.1:5432, database test, user postgres by default).
test-postgres: $(STAMP)
	INVITEBOT_TEST_DATABASE=$${INVITEBOT_TEST_DATABASE:-postgresql://postgres@127.0.0.1:5432/test} \
		$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	@for b in ack bulk jobs smtp; do echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py || exit 1; done

serve: $(STAMP)
	$(BIN)/invitebot serve

clean:
	rm -rf $(VENV) outbox *.egg-info
