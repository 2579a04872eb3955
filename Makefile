# Relay: `make run` (all-in-one), `make up` (distributed), `make test`, `make bench`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PACKAGES := contracts libs/relaykit services/tickets services/sla services/routing \
            services/notify services/mail-ingest services/portal gateway
PYTEST_ARGS ?=

.PHONY: install run up test lint bench contracts-release clean images

$(VENV)/.installed: requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Relay needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt $(addprefix -e ./,$(PACKAGES))
	@touch $@

install: $(VENV)/.installed

## all-in-one: one process, SQLite under ./var, in-process bus, demo data
run: install
	$(BIN)/relay run

## distributed: every API and worker as its own process on RabbitMQ + PostgreSQL
up: install
	$(BIN)/relay up

lint: install
	$(BIN)/ruff check .

## everything: lint, contract compatibility, unit and integration tests (real RabbitMQ + PostgreSQL)
test: install
	$(BIN)/ruff check .
	$(BIN)/relay-contracts check
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

## the quick ones; the long ones (tickets_list, ticket_creation, sla_firing) name their command in bench/RESULTS.md
bench: install
	$(BIN)/python bench/outbox_pipeline.py
	$(BIN)/python bench/sla_calendar.py
	$(BIN)/python bench/notify_delivery.py --database postgres
	$(BIN)/python bench/notify_end_to_end.py --seconds 15

## freeze the current schemas as released (refuses a breaking change)
contracts-release: install
	$(BIN)/relay-contracts release

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

## container images (needs a Docker engine): the shared base first, then each service
IMAGE_PREFIX ?= ghcr.io/relay-desk/relay
images:
	docker build -f deploy/docker/base.Dockerfile -t $(IMAGE_PREFIX)-base .
	for d in services/tickets services/sla services/routing services/notify services/mail-ingest services/portal gateway; do \
	  docker build -f $$d/Dockerfile --build-arg BASE=$(IMAGE_PREFIX)-base -t $(IMAGE_PREFIX)-$${d##*/} . || exit 1; done
