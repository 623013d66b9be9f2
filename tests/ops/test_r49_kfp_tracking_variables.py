"""Round 49, kfp surface: a ``$(VAR)`` in ``tracking_uri`` is taken only when the tasks' containers
define ``VAR``.

kubeflow/pipelines 2.17.0 ``backend/src/v2/driver/container.go`` puts a task's parameters into its
container's arguments (``--executor_input <json>``), and the kubelet expands ``$(VAR)`` in container
arguments from that container's environment only, leaving any other reference as written (Kubernetes
``third_party/forked/golang/expansion``). ``--param tracking_uri=sqlite:///$(DB)`` was scheduled
(a value starting with ``$(`` was not judged): no task defines ``DB``, so MLflow opened the literal
``$(DB)``, a relative path in the pod, and the registry was lost with it. The names a task defines
are the platform settings' ConfigMap/Secret variables (kfp-kubernetes 2.17 ``use_config_map_as_env``
/ ``use_secret_as_env``, checked here on the compiled YAML) and KFP's ``KFP_POD_NAME``/``KFP_POD_UID``
(``argocompiler/testdata/hello_world.yaml``: the executor template's env)."""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from ctloop.cli.ops import _tracking_scheme
from ctloop.errors import ConfigError
from ctloop.ops.settings import (
    ARGO_MAIN_ENV,
    KFP_EXECUTOR_ENV,
    KFP_POD_ENV,
    KUBERNETES_SERVICE_ENV,
    task_env_names,
)
from tests.doubles.kfp_cli import TRIGGER_PAIRS, kfp_for_cli, one_error_line, schedule_argv
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.mark.parametrize(
    "uri", ["sqlite:///$(DB)", "file://$(H)/x", "$(MLFLOW_URI)", "http://$(MLFLOW_HOST):5000"]
)
def test_a_variable_no_task_defines_is_refused(uri):
    with pytest.raises(
        ConfigError, match=r"names \$\(\w+\), which no KFP task's container defines"
    ):
        _tracking_scheme({"tracking_uri": uri})


@pytest.mark.parametrize(
    "uri",
    [
        "$(MLFLOW_TRACKING_URI)",
        "http://u:$(MLFLOW_TRACKING_PASSWORD)@mlflow:5000",
        "http://mlflow:5000",
    ],
)
def test_a_variable_every_task_defines_is_taken(uri):
    assert _tracking_scheme({"tracking_uri": uri}) == ""


def test_schedule_refuses_it_before_kfp(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(schedule_argv(kfp.url, *TRIGGER_PAIRS, "tracking_uri=sqlite:///$(DB)"))
        line = one_error_line(capsys)
        assert (
            code == 2
            and "'sqlite:///$(DB)' names $(DB), which no KFP task's container defines" in line
        ), line
        assert kfp.calls == []


@pytest.mark.parametrize(
    "pipeline", ["continuous-training", "monitoring", "rollout", "batch-scoring"]
)
def test_every_task_taking_tracking_uri_defines_each_name_in_the_compiled_pipeline(pipeline):
    """The names :func:`task_env_names` gives are those the compiled YAML gives each task that takes
    ``tracking_uri`` (kfp-kubernetes 2.17 writes them as ``configMapAsEnv``/``secretAsEnv`` of the
    executor in the platform spec, which the KFP 2.17 driver turns into the container's env)."""
    spec, platform = yaml.safe_load_all(
        (REPO / "tests" / "golden" / "pipelines" / f"{pipeline}.yaml").read_text()
    )
    executors = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    takers = {
        c["executorLabel"]
        for c in spec["components"].values()
        if "tracking_uri" in (c.get("inputDefinitions", {}).get("parameters") or {})
    }
    assert takers, pipeline
    for label in takers:
        config = executors[label]
        defined = {
            k["envVar"]
            for kind in ("configMapAsEnv", "secretAsEnv")
            for src in config.get(kind, [])
            for k in src["keyToEnv"]
        }
        # KFP's, Argo's and the kubelet's own, and the two each step sets in its container's env
        # (apply_step_settings)
        own = {
            *KFP_POD_ENV,
            *KFP_EXECUTOR_ENV,
            *ARGO_MAIN_ENV,
            *KUBERNETES_SERVICE_ENV,
            "CTLOOP_COMPILED_VERSION",
            "OMP_NUM_THREADS",
        }
        assert defined == task_env_names() - own, (pipeline, label)
