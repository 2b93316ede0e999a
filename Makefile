# Two commands for a newcomer: `make run` and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
UV_VERSION := 0.13.9
SYNCED := $(VENV)/.synced
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test migrate bench lint clean

# The first run prints a few lines of progress, not one line per package.
$(SYNCED): uv.lock pyproject.toml
	@echo "parley: preparing $(VENV) (the first time takes a minute or two)"
	@test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	@echo "parley: installing the installer (uv $(UV_VERSION))"
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@echo "parley: installing the pinned dependencies from uv.lock"
	@# --inexact keeps uv itself, which the lock does not list
	@$(VENV)/bin/uv sync --quiet --frozen --inexact --python $(VENV)/bin/python
	@$(VENV)/bin/python scripts/fetch_graphiql.py
	@touch $@
	@echo "parley: $(VENV) is ready"

run: $(SYNCED)
	$(VENV)/bin/python asgi.py

migrate: $(SYNCED)
	$(VENV)/bin/python asgi.py --migrate-only

# Two workers (pytest-xdist), one test file each at a time: the suite waits mostly on
# databases and server processes, so two workers halve it even on two busy cores.
TEST_WORKERS ?= 2
test: $(SYNCED)
	$(VENV)/bin/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(ARGS)

bench: $(SYNCED)
	$(VENV)/bin/python bench/foundation.py $(ARGS)

lint: $(SYNCED)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache
