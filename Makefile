# ctloop — `make help` lists every target. Long logic lives in the `ctloop` CLI, not here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SERVING_VENV ?= .venv-serving
SERVING_STAMP := $(SERVING_VENV)/.installed
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' src/ctloop/_version.py)
IMAGE_REPO ?= ghcr.io/ctloop/ctloop
IMAGE  ?= $(IMAGE_REPO):$(VERSION)
BUILD  ?= build
PYTEST_ARGS ?=
# kubectl workflows
ISVC ?= credit-default
NAMESPACE ?= ctloop
PERCENT ?= 10
HOST ?= http://localhost:8080
CRON ?= 0 0 3 * * *

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml requirements/runtime.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/runtime.txt -e '.[dev]'
	@touch $(STAMP)

.PHONY: install
install: $(STAMP) ## create .venv and install ctloop with its pinned dependencies

# The serving image's environment, installed exactly as the Dockerfile's `serving` target does
# (requirements/serving.txt with --no-deps: kserve + the training scikit-learn), plus ctloop
# editable; the serving-runtime tests start KServe's model server from it.
$(SERVING_STAMP): pyproject.toml requirements/serving.txt
	@test -x $(SERVING_VENV)/bin/python || $(PYTHON) -m venv $(SERVING_VENV)
	$(SERVING_VENV)/bin/python -m pip install --quiet --no-deps -r requirements/serving.txt
	$(SERVING_VENV)/bin/python -m pip install --quiet --no-deps -e .
	@touch $(SERVING_STAMP)

.PHONY: serving-env
serving-env: $(SERVING_STAMP) ## create .venv-serving: the serving image's pinned kserve environment (runtime tests)

.PHONY: tools
tools: ## install system tools the tests need (promtool/prometheus, wrk) when missing
	@command -v promtool >/dev/null && command -v prometheus >/dev/null || { \
	  echo "installing Debian package prometheus (promtool + server for tests)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq prometheus >/dev/null; }
	@command -v wrk >/dev/null || { echo "installing Debian package wrk (sink load benchmark test)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	@command -v kubectl >/dev/null || echo "warning: kubectl not found: manifest tests will fail (install kubectl >= 1.27)"

.PHONY: demo
demo: $(STAMP) ## run the continuous-training pipeline locally over synthetic drifting data, then a backtest
	$(BIN)/ctloop demo

.PHONY: test
test: $(STAMP) $(SERVING_STAMP) tools ## run every test (unit, component, compiled pipeline, manifests, local end-to-end)
	CTLOOP_SERVING_VENV=$(SERVING_VENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

.PHONY: test-fast
test-fast: $(STAMP) ## run the tests that start no servers and run no pipelines
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

.PHONY: lint
lint: $(STAMP) ## ruff
	$(BIN)/ruff check .

.PHONY: golden
golden: $(STAMP) ## regenerate golden files (compiled pipelines, InferenceService states)
	CTLOOP_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests -k golden

.PHONY: compile
compile: $(STAMP) ## compile every pipeline to $(BUILD)/*.yaml
	$(BIN)/ctloop compile --output-dir $(BUILD) --image $(IMAGE)

.PHONY: image
image: ## build the component image $(IMAGE) (needs docker)
	docker build --target component --build-arg CTLOOP_GIT_COMMIT=$$(git rev-parse --short HEAD) -t $(IMAGE) .

.PHONY: push
push: ## push the component image $(IMAGE)
	docker push $(IMAGE)

.PHONY: lock
lock: $(STAMP) ## regenerate requirements/runtime.txt (the image's pinned dependency closure)
	$(BIN)/python -m ctloop.ops.lock

.PHONY: upload
upload: $(STAMP) ## upload the pipeline to KFP (HOST=url; a no-op when unchanged)
	$(BIN)/ctloop upload --host $(HOST) --image $(IMAGE)

.PHONY: schedule
schedule: $(STAMP) ## schedule recurring runs (HOST=url CRON="0 0 3 * * *", UTC)
	$(BIN)/ctloop schedule --host $(HOST) --cron "$(CRON)" --image $(IMAGE)

.PHONY: apply
apply: $(STAMP) ## apply ctloop.yaml to the KFP cluster (SPEC=file, DRY_RUN=1 to preview)
	$(BIN)/ctloop apply -f $${SPEC:-ctloop.yaml} $(if $(DRY_RUN),--dry-run,)

.PHONY: bench
bench: $(STAMP) ## run every benchmark in benchmarks/ (tables + JSON + PNG in benchmarks/results/)
	@command -v wrk >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -qq wrk >/dev/null; }
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

.PHONY: canary
canary: ## kubectl: send PERCENT% of traffic to the latest revision of ISVC
	kubectl -n $(NAMESPACE) patch isvc $(ISVC) --type merge -p '{"spec":{"predictor":{"canaryTrafficPercent":$(PERCENT)}}}'

.PHONY: promote
promote: ## kubectl: promote the canary of ISVC to 100% (removes canaryTrafficPercent)
	kubectl -n $(NAMESPACE) patch isvc $(ISVC) --type merge -p '{"spec":{"predictor":{"canaryTrafficPercent":null}}}'

.PHONY: rollback
rollback: ## kubectl: route all traffic of ISVC back to the stable revision (canaryTrafficPercent 0)
	kubectl -n $(NAMESPACE) patch isvc $(ISVC) --type merge -p '{"spec":{"predictor":{"canaryTrafficPercent":0}}}'

.PHONY: clean
clean: ## remove build outputs, local runs and caches (keeps .venv)
	rm -rf $(BUILD) demo-output local_outputs .pytest_cache .ruff_cache
