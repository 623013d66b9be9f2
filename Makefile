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
# the image docker builds and pushes: CTLOOP_IMAGE (as the CLI reads it), else the release's image
IMAGE  ?= $(or $(CTLOOP_IMAGE),$(IMAGE_REPO):$(VERSION))
# compile/upload/schedule pass --image only when IMAGE is given (make IMAGE=… or the environment):
# otherwise the CLI chooses as it does alone (CTLOOP_IMAGE, then its default)
IMAGE_ARG = $(if $(filter-out file default undefined,$(firstword $(origin IMAGE))),--image $(IMAGE))
BUILD  ?= build
# make test: test files spread over TEST_WORKERS processes (xdist, whole files per worker so module
# fixtures start once); most tests wait on servers and subprocesses, so 3 workers fit 2 cores.
# Files are handed out in tests/conftest.py's order (slow-marked files first), not xdist's (most
# tests first, which handed out the few-test end-to-end files among the last).
# TEST_WORKERS=0 runs in one process. The 25 slowest tests are listed at the end of every run.
TEST_WORKERS ?= 3
PYTEST_ARGS ?= $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder) --durations=25
# One OpenMP thread per test process: the workers already share the cores, and the tests' small
# HistGradientBoosting fits ran 1.8x slower with a thread per core (scikit-learn issue #30662).
TEST_OMP_THREADS ?= 1
# kubectl workflows
ISVC ?= credit-default
NAMESPACE ?= ctloop
PERCENT ?= 10
MODEL ?= $(ISVC)
REASON ?= manual rollback (make rollback)
HOST ?= http://localhost:8080
CRON ?= 0 0 3 * * *
# make schedule: the pipeline's parameters, NAME=VALUE words (JSON values, no spaces), e.g.
# PARAMS="model_name=credit data.uri=gs://b/credit.csv data.target=default data.time_column=day"
PARAMS ?=
PIPELINE ?=

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# Both venvs are filled by uv (pinned, installed into .venv by pip first): the same pins and the
# same resolution as pip, but downloads and byte-compiles in parallel (a clean install of both
# venvs took 140 s with pip on 2 cores, see the commit that brought uv). uv reads its own settings
# (UV_DEFAULT_INDEX, UV_INDEX, uv.toml), not pip.conf. --compile-bytecode: as pip does, so the
# test processes do not compile every import (nor fail to cache it under PYTHONDONTWRITEBYTECODE).
# --system-certs: the system's CA store, as pip's `cert` does (uv's own roots refuse a proxy's CA).
UV_VERSION ?= 0.13.8
UV := $(BIN)/uv
UV_INSTALL = $(UV) pip install --quiet --compile-bytecode --system-certs
# uv has a stamp of its own, named by its version: a .venv made before uv (its stamp up to date)
# still gets it, and a new UV_VERSION reaches an existing .venv
UV_STAMP := $(VENV)/.uv-$(UV_VERSION)

$(UV_STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	@touch $(UV_STAMP)

$(STAMP): pyproject.toml requirements/runtime.txt | $(UV_STAMP)
	$(UV_INSTALL) --python $(BIN)/python -c requirements/runtime.txt -e '.[dev]'
	@touch $(STAMP)

.PHONY: install
install: $(STAMP) ## create .venv and install ctloop with its pinned dependencies

# The serving image's environment, installed exactly as the Dockerfile's `serving` target does
# (requirements/serving.txt with --no-deps: kserve + the training scikit-learn), plus ctloop
# editable; the serving-runtime tests start KServe's model server from it.
$(SERVING_STAMP): pyproject.toml requirements/serving.txt | $(UV_STAMP)
	@test -x $(SERVING_VENV)/bin/python || $(PYTHON) -m venv $(SERVING_VENV)
	$(UV_INSTALL) --python $(SERVING_VENV)/bin/python --no-deps -r requirements/serving.txt
	$(UV_INSTALL) --python $(SERVING_VENV)/bin/python --no-deps -e .
	@touch $(SERVING_STAMP)

.PHONY: serving-env
serving-env: $(SERVING_STAMP) ## create .venv-serving: the serving image's pinned kserve environment (runtime tests; uv from .venv)

.PHONY: tools
tools: ## install system tools the tests need (promtool/prometheus, pushgateway, alertmanager/amtool, wrk, azurite) when missing
	@command -v promtool >/dev/null && command -v prometheus >/dev/null || { \
	  echo "installing Debian package prometheus (promtool + server for tests)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq prometheus >/dev/null; }
	@command -v prometheus-pushgateway >/dev/null && command -v prometheus-alertmanager >/dev/null && command -v amtool >/dev/null || { \
	  echo "installing Debian packages prometheus-pushgateway prometheus-alertmanager (monitoring metrics and alert tests)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq prometheus-pushgateway prometheus-alertmanager >/dev/null; }
	@command -v wrk >/dev/null || { echo "installing Debian package wrk (sink load benchmark test)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	@command -v kubectl >/dev/null || echo "warning: kubectl not found: manifest tests will fail (install kubectl >= 1.27)"
	@command -v azurite-blob >/dev/null || { \
	  echo "installing npm package azurite@3.37.0 (Azure Blob emulator for the az:// tests)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  command -v npm >/dev/null || { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }; \
	  $$SUDO npm install --global --no-fund --no-audit --loglevel=error azurite@3.37.0 >/dev/null; }

.PHONY: demo
demo: $(STAMP) ## run the continuous-training pipeline locally over synthetic drifting data, then a backtest
	$(BIN)/ctloop demo

# pytest's rewritten test modules written once over all cores (.ci/rewrite_tests.py), with the
# configuration the run's pytest gets (PYTEST_ARGS): each worker rewrote all ~950 itself (~11 s
# of CPU each); a failure here only costs that time ("-")
REWRITE_TESTS = -$(BIN)/python .ci/rewrite_tests.py $(PYTEST_ARGS)

.PHONY: test
test: $(STAMP) $(SERVING_STAMP) tools ## run every test (unit, component, compiled pipeline, manifests, local end-to-end)
	$(REWRITE_TESTS)
	OMP_NUM_THREADS=$(TEST_OMP_THREADS) CTLOOP_SERVING_VENV=$(SERVING_VENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

.PHONY: test-fast
test-fast: $(STAMP) ## run the tests that start no servers and run no pipelines
	$(REWRITE_TESTS)
	OMP_NUM_THREADS=$(TEST_OMP_THREADS) $(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

.PHONY: lint
lint: $(STAMP) ## ruff
	$(BIN)/ruff check .

.PHONY: golden
golden: $(STAMP) ## regenerate golden files (compiled pipelines, InferenceService states)
	CTLOOP_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests -k golden

.PHONY: compile
compile: $(STAMP) ## compile every pipeline to $(BUILD)/*.yaml
	$(BIN)/ctloop compile --output-dir $(BUILD) $(IMAGE_ARG)

.PHONY: image
image: ## build the component image $(IMAGE) (needs docker)
	docker build --target component --build-arg CTLOOP_GIT_COMMIT=$$(git rev-parse --short HEAD) -t $(IMAGE) .

.PHONY: push
push: ## push the component image $(IMAGE)
	docker push $(IMAGE)

.PHONY: lock
lock: $(STAMP) ## regenerate requirements/runtime.txt (the image's pinned dependency closure)
	$(BIN)/python -m ctloop.ops.lock

.PHONY: doctor
doctor: $(STAMP) ## check a cluster before scheduling: KFP, KServe, Knative, RBAC, settings, MLflow (SPEC=file)
	$(BIN)/ctloop doctor -f $${SPEC:-ctloop.yaml}

.PHONY: upload
upload: $(STAMP) ## upload the pipeline to KFP (HOST=url; a no-op when unchanged)
	$(BIN)/ctloop upload --host $(HOST) $(IMAGE_ARG)

.PHONY: schedule
schedule: $(STAMP) ## schedule recurring runs (HOST=url CRON="0 0 3 * * *" UTC, PARAMS="name=value ...", PIPELINE=)
	$(BIN)/ctloop schedule --host $(HOST) --cron "$(CRON)" $(if $(PIPELINE),--pipeline $(PIPELINE)) $(foreach p,$(PARAMS),--param '$(subst ','\'',$(p))') $(IMAGE_ARG)

.PHONY: apply
apply: $(STAMP) ## apply ctloop.yaml to the KFP cluster (SPEC=file, DRY_RUN=1 to preview)
	$(BIN)/ctloop apply -f $${SPEC:-ctloop.yaml} $(if $(DRY_RUN),--dry-run,)

.PHONY: bench
bench: $(STAMP) ## run every benchmark in benchmarks/ (tables + JSON + PNG in benchmarks/results/)
	@command -v wrk >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -qq wrk >/dev/null; }
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# A canary pinned at 0 % was rolled back, but its spec still names that model: giving it traffic
# again (canary > 0, promote) needs FORCE=1; `make rollback` is the way out.
define refuse_pinned_back
pct=$$(kubectl -n $(NAMESPACE) get isvc $(ISVC) -o jsonpath='{.spec.predictor.canaryTrafficPercent}') || exit 1; \
if [ "$$pct" = "0" ] && [ -z "$(FORCE)" ]; then echo "refusing to $(1): $(ISVC) has canaryTrafficPercent 0 (its canary was rolled back, the spec still names that model); run 'make rollback' to serve the champion durably, or FORCE=1 to $(1) anyway" >&2; exit 2; fi
endef

.PHONY: canary
canary: ## kubectl: send PERCENT% of traffic to the latest revision of ISVC (not after a rollback: FORCE=1)
	@$(if $(filter 0,$(PERCENT)),true,$(call refuse_pinned_back,resume its canary))
	kubectl -n $(NAMESPACE) patch isvc $(ISVC) --type merge -p '{"spec":{"predictor":{"canaryTrafficPercent":$(PERCENT)}}}'

.PHONY: promote
promote: ## kubectl: promote the canary of ISVC to 100% (removes canaryTrafficPercent; not after a rollback)
	@$(call refuse_pinned_back,promote its canary)
	kubectl -n $(NAMESPACE) patch isvc $(ISVC) --type merge -p '{"spec":{"predictor":{"canaryTrafficPercent":null}}}'

.PHONY: rollback
rollback: $(STAMP) ## durable rollback of ISVC: traffic back at once, then the MLflow champion of MODEL (or TO_VERSION) written back
	$(BIN)/ctloop rollout rollback --isvc $(ISVC) --namespace $(NAMESPACE) --model-name $(MODEL) \
	  $(if $(TO_VERSION),--to-version $(TO_VERSION)) $(if $(TRACKING_URI),--tracking-uri $(TRACKING_URI)) --reason "$(REASON)"

.PHONY: clean
clean: ## remove build outputs, local runs and caches (keeps .venv)
	rm -rf $(BUILD) demo-output local_outputs logs .kfp-workspace .pytest_cache .ruff_cache
