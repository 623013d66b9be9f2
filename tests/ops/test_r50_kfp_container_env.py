"""Round 50, kfp surface: the ``$(NAME)`` guard of run parameters knows every variable a task's
main container has on KFP, not only ctloop's own.

The kubelet expands ``$(NAME)`` in a container's arguments from all of its environment (Kubernetes
``pkg/kubelet/kubelet_pods.go`` ``makeEnvironmentVariables``: the declared env, envFrom and the
service links of ``getServiceEnvVarMap``, named by ``pkg/kubelet/envvars/envvars.go``
``FromServices``). ``task_env_names`` listed ctloop's settings, ``KFP_POD_NAME``/``KFP_POD_UID``,
``CTLOOP_COMPILED_VERSION`` and ``OMP_NUM_THREADS`` only, so ``--param data.target='$(ARGO_NODE_ID)'``
or ``'$(KUBERNETES_SERVICE_HOST)'`` was started and every task read the node id or the API server's
address instead of the text KFP shows. The names, by upstream source:

* KFP 2.17.0 ``backend/src/v2/compiler/argocompiler/common.go``: envFrom ConfigMap
  ``metadata-grpc-configmap`` (``METADATA_GRPC_SERVICE_HOST``/``_PORT``,
  ``manifests/kustomize/base/metadata/base/metadata-grpc-configmap.yaml``), ``KFP_RETRY_INDEX`` on a
  retried step; ``apiserver/config/proxy/config.go`` ``GetEnvVars`` (both cases of the proxy variables);
* Argo Workflows v4.0.5 (what KFP 2.17.0 installs, ``third_party/argo/VERSION``; v3.7.3 for 2.15/2.16
  adds the same) ``workflow/controller/workflowpod.go``: ``ARGO_CONTAINER_NAME``, ``ARGO_NODE_ID``,
  ``ARGO_INCLUDE_SCRIPT_OUTPUT``, ``ARGO_DEADLINE``, the ``ARGO_PROGRESS_*`` three and
  ``ARGO_TERMINATION_GRACE_PERIOD_SECONDS`` on every main container;
* the kubelet: ``KUBERNETES_SERVICE_*``/``KUBERNETES_PORT*`` always, and those of every Service in the
  namespace (KFP's profile controller, ``pipelines-profile-controller/sync.py``, creates
  ``ml-pipeline-ui-artifact`` in each profile)."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.params import pipeline_arguments
from ctloop.ops.settings import task_env_names
from ctloop.pipelines import all_pipelines

EXPANDED = [
    "ARGO_NODE_ID",
    "ARGO_CONTAINER_NAME",
    "ARGO_DEADLINE",
    "ARGO_PROGRESS_FILE",
    "ARGO_INCLUDE_SCRIPT_OUTPUT",
    "ARGO_TERMINATION_GRACE_PERIOD_SECONDS",
    "KFP_RETRY_INDEX",
    "METADATA_GRPC_SERVICE_HOST",
    "HTTPS_PROXY",
    "no_proxy",
    "KUBERNETES_SERVICE_HOST",
    "KUBERNETES_PORT_443_TCP_ADDR",
    "KUBERNETES_SERVICE_PORT_HTTPS",
    # service links of Services in the namespace
    "ML_PIPELINE_UI_ARTIFACT_SERVICE_HOST",
    "ML_PIPELINE_UI_ARTIFACT_SERVICE_PORT",
    "MINIO_SERVICE_PORT_HTTP",
    "MLFLOW_PORT",
    "MLFLOW_PORT_5000_TCP",
    "MLFLOW_PORT_5000_TCP_ADDR",
]


@pytest.mark.parametrize("name", EXPANDED)
def test_a_variable_kfp_argo_or_the_kubelet_gives_the_container_is_refused(name):
    values = {
        "model_name": "credit",
        "data": {"uri": "gs://b/c.parquet", "target": f"$({name})", "time_column": "t"},
    }
    with pytest.raises(ConfigError, match=rf"data.target: character 1 starts '\$\({name}\)'"):
        pipeline_arguments(all_pipelines()["continuous-training"], values, defined=task_env_names())


@pytest.mark.parametrize(
    "name", ["CURRENCY", "ARGO_TEMPLATE", "MLFLOW_SERVICE", "service_host", "KFP_RUN_ID"]
)
def test_a_name_no_container_has_stays(name):
    """ARGO_TEMPLATE is set on init containers only; the others are of no source above."""
    assert name not in task_env_names()
    values = {
        "model_name": "credit",
        "data": {"uri": "gs://b/c.parquet", "target": f"$({name})", "time_column": "t"},
    }
    assert pipeline_arguments(
        all_pipelines()["continuous-training"], values, defined=task_env_names()
    )


def test_a_service_link_in_tracking_uri_is_refused_as_expanded():
    """A service link would be expanded in tracking_uri too, but only $(MLFLOW_TRACKING_URI) is taken
    there (the settings' own); the refusal says how to name a Service there (review 50 C)."""
    values = {
        "model_name": "credit",
        "tracking_uri": "http://$(MLFLOW_SERVICE_HOST):5000",
        "data": {"uri": "gs://b/c.parquet", "target": "y", "time_column": "t"},
    }
    with pytest.raises(
        ConfigError, match=r"tracking_uri: character 8 starts '\$\(MLFLOW_SERVICE_HOST\)'"
    ) as caught:
        pipeline_arguments(all_pipelines()["continuous-training"], values, defined=task_env_names())
    assert "the Service's DNS name instead, e.g. http://mlflow.<namespace>.svc:5000" in str(caught.value)
