# Lambda vs Kappa on real Kafka, Spark, Airflow and DuckDB.  `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
LK := $(BIN)/lk
# The packages are installed with uv (docs/setup.md: 2.6x faster than pip from a cold cache,
# 4.3x from a warm one); `make setup INSTALLER=pip` uses pip alone.
INSTALLER ?= uv
UV_VERSION := 0.13.9
JAVA17 := $(firstword $(wildcard /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/*-17-*))
export JAVA_HOME ?= $(JAVA17)
export LK_DATA_DIR ?= $(CURDIR)/data

.PHONY: help setup setup-dev demo study test test-cluster test-fast lint up down airflow status bench lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.installed infra/jars/.installed ## what `make demo` runs: a venv with the pinned packages (requirements.lock) + Maven jars; no root needed (idempotent)

setup-dev: setup $(VENV)/.installed-dev chromium ## `setup` plus the test and lint tools (requirements-dev.lock) and a Chromium for the browser test

.PHONY: chromium
chromium: $(VENV)/.installed-dev # the browser the Airflow UI test drives: Debian's chromium, or Playwright's own build without root
	@command -v chromium >/dev/null || ls $${PLAYWRIGHT_BROWSERS_PATH:-$$HOME/.cache/ms-playwright}/chromium-*/ >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "setup-dev: installing Debian's chromium for the browser test (tests/infra/test_airflow_ui.py)"; \
	    { apt-get update -q && apt-get install -y -q chromium; } >/dev/null; \
	  else \
	    echo "setup-dev: no chromium; fetching Playwright's own build (no root needed) for the browser test"; \
	    $(BIN)/playwright install chromium >/dev/null; \
	  fi || { \
	    echo "setup-dev: no browser for tests/infra/test_airflow_ui.py: run \`sudo apt-get install -y chromium\`, or without root \`$(BIN)/playwright install chromium\`"; \
	    exit 1; }; }

# $(call install,ARGS): `pip install ARGS` into the venv, through uv unless INSTALLER=pip; pip
# alone when uv cannot be installed or fails (uv does not read pip.conf or PIP_INDEX_URL), and
# for the rest of the set-up once it has failed ($(VENV)/.uv-failed). uv trusts the system's
# certificate store too (UV_NATIVE_TLS), as pip does: a TLS-inspecting proxy's CA is found.
define install
	@if [ "$(INSTALLER)" = uv ] && [ ! -e $(VENV)/.uv-failed ] \
	  && { test -x $(BIN)/uv || $(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); } \
	  && echo "uv pip install $(1)" \
	  && { UV_NATIVE_TLS=1 $(BIN)/uv pip install --quiet --python $(BIN)/python $(1) || { touch $(VENV)/.uv-failed; false; }; }; then :; \
	else \
	  echo "pip install $(1)"; $(BIN)/pip install --quiet --disable-pip-version-check $(1); \
	fi
endef

$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "setup: $(PYTHON) not found: install Python 3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(call install,-r requirements.lock)
	$(call install,--no-deps -e .)
	@$(BIN)/python -c "import pyspark, sys; sys.exit(0 if pyspark.__version__ == '4.2.0' else 'pyspark was overwritten: ' + pyspark.__version__)"
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(call install,-r requirements-dev.lock)
	touch $@

infra/jars/.installed: infra/pom.xml infra/kafka-broker/pom.xml infra/spark-connector/pom.xml
	@command -v mvn >/dev/null || { echo "setup: mvn not found: install Maven"; exit 1; }
	@test -n "$(JAVA_HOME)" || { echo "setup: no Java 17 JDK found: install openjdk-17-jdk or set JAVA_HOME"; exit 1; }
	rm -rf infra/jars/kafka infra/jars/spark-connector
	mvn --quiet --batch-mode -f infra/pom.xml package
	touch $@

demo: setup ## the late-data experiment: one live stream through Lambda and Kappa, measured against the oracle, with a report
	$(LK) kafka up
	$(LK) experiment run --scenario late-data --out $(LK_DATA_DIR)/experiments/late-data
	@echo "Kafka keeps running (make down stops it). Other scenarios: $(LK) experiment run --help"

study: setup ## every scenario, repeated: the Lambda-vs-Kappa verdict in LK_DATA_DIR/study/study.html (about an hour; STUDY_FLAGS=--quick: about 40 min)
	$(LK) kafka up
	$(LK) study run --out $(LK_DATA_DIR)/study $(STUDY_FLAGS)
	@echo "Kafka keeps running (make down stops it). Options: $(LK) study run --help"

test: setup-dev lint ## everything but the clusters: lint, then the test suite against real Kafka and Spark
	$(BIN)/pytest -m "not cluster" --durations=30

test-cluster: setup-dev postgresql ## the same pipelines on a 3-broker Kafka and a Spark standalone cluster on loopback, with failures; Airflow on PostgreSQL
	$(BIN)/pytest -m cluster

.PHONY: postgresql
postgresql: # the server the Airflow-on-PostgreSQL test starts (tests/postgres.py)
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { \
	  echo "setup: installing Debian's postgresql for tests/cluster/test_airflow_postgres.py"; \
	  { apt-get update -q && apt-get install -y -q postgresql; } >/dev/null || { \
	    echo "setup: could not install postgresql: run \`sudo apt-get install -y postgresql\`"; \
	    exit 1; }; }

test-fast: setup-dev ## the quick loop: tests that need no broker or Spark
	$(BIN)/pytest -m "not slow and not cluster"

lint: setup-dev ## ruff, and deptry: every imported package declared in pyproject.toml, every declared one used
	$(BIN)/ruff check .
	$(BIN)/deptry .

up: setup ## start the local Kafka broker
	$(LK) kafka up

down: ## stop what runs: Airflow, Spark's History Server and local cluster, the local Kafka broker
	@if [ -x $(LK) ]; then $(LK) airflow down && $(LK) spark history down && $(LK) spark down && $(LK) kafka down; else echo "nothing to stop"; fi

airflow: setup ## start Airflow (UI on 127.0.0.1:8080) with the lambda_batch, kappa_reprocess, serving_catalog and experiment DAGs
	$(LK) airflow up

status: setup ## is Kafka running; topics and offsets
	$(LK) kafka status

bench: setup ## every benchmark against its reference (starts Kafka); JSON + plots in LK_DATA_DIR/bench
	$(LK) kafka up
	@# One run per entry of benchmarks/registry.py, in its order, at the sizes it names for make.
	@mapfile -t runs < <($(BIN)/python -m benchmarks.registry) && [ $${#runs[@]} -gt 0 ] || exit 1; \
	for run in "$${runs[@]}"; do \
	  read -r name flags <<< "$$run"; \
	  echo "$(LK) bench $$name$${flags:+ $$flags} --out $(LK_DATA_DIR)/bench/$$name.json"; \
	  $(LK) bench $$name $$flags --out $(LK_DATA_DIR)/bench/$$name.json || exit 1; \
	done
	@echo "Results: $(LK_DATA_DIR)/bench/*.json, each with its plot beside it (*.html); what each figure means: docs/benchmarks.md"
	@echo "Kafka keeps running (make down stops it)."

lock: ## re-resolve the pinned packages: requirements.lock (what runs) and requirements-dev.lock (the test tools on top)
	rm -rf /tmp/lk-lock-venv && $(PYTHON) -m venv /tmp/lk-lock-venv && /tmp/lk-lock-venv/bin/pip install --quiet -e .
	( grep '^#' requirements.lock; /tmp/lk-lock-venv/bin/pip freeze --exclude-editable | grep -v lambda-kappa ) > requirements.lock.new
	/tmp/lk-lock-venv/bin/pip install --quiet -e '.[dev]' -c requirements.lock.new
	( grep '^#' requirements-dev.lock; /tmp/lk-lock-venv/bin/pip freeze --exclude-editable | grep -v lambda-kappa | grep -vxFf requirements.lock.new ) > requirements-dev.lock.new
	mv requirements.lock.new requirements.lock; mv requirements-dev.lock.new requirements-dev.lock; rm -rf /tmp/lk-lock-venv

clean: down ## remove state (data/), the venv and the jars
	rm -rf data $(VENV) infra/jars
