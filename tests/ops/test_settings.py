"""Settings and credentials reach tasks as Kubernetes references, never as values."""

import pytest
import yaml
from kfp import compiler, dsl

from ctloop.ops.settings import PlatformSettings, apply_platform_settings

SECRET = "s3cr3t-p4ssw0rd-value"


@dsl.component(base_image="python:3.11-slim")
def _echo(text: str) -> str:
    return text


def _platform_spec(path) -> dict:
    docs = list(yaml.safe_load_all(path.read_text()))
    assert len(docs) == 2, "a second YAML document holds the kubernetes platform spec"
    return docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]


def _compile(tmp_path, pipeline, name="p.yaml"):
    path = tmp_path / name
    compiler.Compiler().compile(pipeline, str(path))
    return path


def test_every_task_gets_configmap_secret_env_and_gcp_volume(tmp_path):
    @dsl.pipeline(name="stand-in")
    def stand_in(text: str = "x"):
        a = _echo(text=text)
        b = _echo(text=a.output)
        assert apply_platform_settings([a, b]) == [a, b]
        apply_platform_settings(_echo(text="single")).set_caching_options(False)  # returns the task

    executors = _platform_spec(_compile(tmp_path, stand_in))
    assert len(executors) == 3
    for spec in executors.values():
        (cm,) = spec["configMapAsEnv"]
        assert cm["configMapName"] == "ctloop-settings" and cm["optional"] is True
        assert {e["envVar"] for e in cm["keyToEnv"]} == {
            "MLFLOW_TRACKING_URI",
            "PROMETHEUS_URL",
            "PUSHGATEWAY_URL",
            "GOOGLE_CLOUD_PROJECT",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_S3",
            "AWS_DEFAULT_REGION",
            "PROMETHEUS_TOKEN_FILE",
            "PROMETHEUS_CA_FILE",
            "PUSHGATEWAY_TOKEN_FILE",
            "PUSHGATEWAY_CA_FILE",
            "MLFLOW_TRACKING_SERVER_CERT_PATH",
            "CTLOOP_KFP_CA_FILE",  # round 59: the step that calls the KFP API (tests/ops/test_r59_kfp_ca_in_pods.py)
            "CTLOOP_KFP_INSTALL_NAMESPACE",
        }
        secret, storage, prometheus = spec["secretAsEnv"]
        assert secret["secretName"] == "ctloop-mlflow"
        assert {e["secretKey"]: e["envVar"] for e in secret["keyToEnv"]} == {
            "username": "MLFLOW_TRACKING_USERNAME",
            "password": "MLFLOW_TRACKING_PASSWORD",
            "token": "MLFLOW_TRACKING_TOKEN",
        }
        # S3 / MinIO / Azure Blob keys: the names KServe's storage initializer reads (one Secret for both)
        assert storage["secretName"] == "ctloop-storage" and storage["optional"] is True
        assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AZURE_STORAGE_ACCESS_KEY"} <= {
            e["envVar"] for e in storage["keyToEnv"]}
        # a Prometheus or Pushgateway behind an auth proxy (ctloop.serving.metric_sources.PrometheusAuth
        # reads these, prefix PROMETHEUS for the queries and PUSHGATEWAY for the monitoring pushes)
        assert prometheus["secretName"] == "ctloop-prometheus" and prometheus["optional"] is True
        assert {e["secretKey"]: e["envVar"] for e in prometheus["keyToEnv"]} == {
            "token": "PROMETHEUS_TOKEN", "username": "PROMETHEUS_USERNAME", "password": "PROMETHEUS_PASSWORD",
            "pushgateway_token": "PUSHGATEWAY_TOKEN", "pushgateway_username": "PUSHGATEWAY_USERNAME",
            "pushgateway_password": "PUSHGATEWAY_PASSWORD"}
        (volume,) = spec["secretAsVolume"]
        assert volume["secretName"] == "ctloop-gcp" and volume["mountPath"] == "/var/secrets/google"


def test_custom_names_and_required_objects(tmp_path):
    settings = PlatformSettings(
        config_map="team-a-settings", mlflow_secret="team-a-mlflow", gcp_secret="", optional=False
    )

    @dsl.pipeline(name="stand-in")
    def stand_in():
        apply_platform_settings(_echo(text="x"), settings)

    (spec,) = _platform_spec(_compile(tmp_path, stand_in)).values()
    assert spec["configMapAsEnv"][0]["configMapName"] == "team-a-settings"
    assert spec["secretAsEnv"][0]["secretName"] == "team-a-mlflow"
    assert spec["secretAsEnv"][0]["optional"] is False
    assert "secretAsVolume" not in spec


def test_no_secret_value_in_compiled_yaml(tmp_path, monkeypatch):
    """Secret values in the compiling environment never reach the compiled pipelines."""
    from ctloop.compiler import compile_all

    for name in (
        "MLFLOW_TRACKING_PASSWORD",
        "MLFLOW_TRACKING_USERNAME",
        "MLFLOW_TRACKING_TOKEN",
        "KFP_TOKEN",
        "PROMETHEUS_TOKEN",
        "PROMETHEUS_PASSWORD",
        "PUSHGATEWAY_TOKEN",
        "PUSHGATEWAY_PASSWORD",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "PROMETHEUS_URL",
        "MLFLOW_TRACKING_URI",
    ):
        monkeypatch.setenv(name, f"{SECRET}-{name}")
    paths = compile_all(tmp_path)
    assert paths
    for path in paths:
        text = path.read_text()
        assert SECRET not in text, path.name
        executors = _platform_spec(path)
        pipeline = next(yaml.safe_load_all(text))
        assert set(executors) == set(pipeline["deploymentSpec"]["executors"]), path.name
        for name, spec in executors.items():  # every task references the objects by name
            assert spec["secretAsEnv"][0]["secretName"] == "ctloop-mlflow", (path.name, name)
            assert spec["configMapAsEnv"][0]["configMapName"] == "ctloop-settings", (
                path.name,
                name,
            )


def test_step_settings_keep_kfps_single_step_check_without_its_stack_walk():
    """kfp 2.17 pipeline_task.py _ensure_container_spec_exists walks inspect.stack() for an error
    message on every resource call (0.2 s each under pytest); ctloop's replacement keeps the check
    and the message naming the calling method."""
    from types import SimpleNamespace

    from kfp.dsl.pipeline_task import PipelineTask

    from ctloop.pipelines import all_pipelines

    all_pipelines()  # builds every pipeline through apply_step_settings
    assert getattr(PipelineTask._ensure_container_spec_exists, "_ctloop_fast", False)

    def set_cpu_limit(task):
        PipelineTask._ensure_container_spec_exists(task)

    set_cpu_limit(SimpleNamespace(container_spec=object()))  # a container step passes
    with pytest.raises(ValueError, match="^set_cpu_limit can only be used on single-step components"):
        set_cpu_limit(SimpleNamespace(container_spec=None))


def test_only_the_step_that_calls_the_kfp_api_asks_for_the_pipelines_token(tmp_path):
    """Multi-user KFP identifies a caller by a bearer token with audience pipelines.kubeflow.org
    (2.17.0 backend/src/apiserver/auth/auth.go GetAuthenticators, common/const.go
    DefaultTokenReviewAudience); a task pod has none unless the profile's PodDefault
    access-ml-pipeline projects it (Kubeflow's "Connect the SDK from inside the cluster"), and that
    PodDefault selects pods labelled access-ml-pipeline=true. trigger_training had no label, so its
    calls were unauthenticated (401) on every multi-user cluster."""
    from ctloop.pipelines.monitoring import monitoring

    executors = _platform_spec(_compile(tmp_path, monitoring))
    labelled = {name for name, spec in executors.items()
                if ((spec.get("podMetadata") or {}).get("labels") or {}).get("access-ml-pipeline") == "true"}
    assert labelled == {"exec-trigger-training"}
