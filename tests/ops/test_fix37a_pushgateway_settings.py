"""The Pushgateway credentials reach the pipeline tasks the way the Prometheus ones do.

``ctloop.monitoring.publish`` pushes a judged window with ``PrometheusAuth.from_env(prefix="PUSHGATEWAY")``
(``PUSHGATEWAY_TOKEN``, ``_TOKEN_FILE``, ``_USERNAME``, ``_PASSWORD``, ``_CA_FILE``), but
``ctloop.ops.settings`` gave the tasks only the ``PROMETHEUS_*`` ones: a Pushgateway behind an auth
proxy refused every push of the monitoring pipeline (HTTP 401, a warning per run) unless the user
edited the pipeline (docs/serving.md told them to). Now Secret ``ctloop-prometheus`` keys
``pushgateway_token``/``pushgateway_username``/``pushgateway_password`` and ConfigMap
``ctloop-settings`` keys ``PUSHGATEWAY_TOKEN_FILE``/``PUSHGATEWAY_CA_FILE`` reach every task,
optional like the others; ``ctloop doctor`` names the new keys and never counts a Pushgateway key
as a Prometheus credential.
"""

from __future__ import annotations

import pytest
import yaml
from kfp import compiler

from ctloop.serving.metric_sources import PUSHGATEWAY, PrometheusAuth
from tests.ops.test_doctor import SECRET_VALUE, cluster, secret  # noqa: F401 - fixtures
from tests.ops.test_hunt37_serving_doctor_prometheus_auth import LINE, TOKEN, proxied  # noqa: F401


class _Recording(dict):
    """An environment that remembers which variables were asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def get(self, key, default=None):
        self.asked.append(key)
        return super().get(key, default)


def _read_variables(prefix: str) -> set[str]:
    """The variables ``PrometheusAuth.from_env`` reads for ``prefix`` (what the pushing task reads)."""
    env = _Recording()
    PrometheusAuth.from_env(env, prefix=prefix)
    return set(env.asked)


def _task_env(tmp_path, executor: str) -> dict[str, tuple[str, str, str, bool]]:
    """env var → (kind, object name, key, optional) for one executor of the compiled monitoring
    pipeline."""
    from ctloop.pipelines.monitoring import monitoring

    path = tmp_path / "monitoring.yaml"
    compiler.Compiler().compile(monitoring, str(path))
    spec = list(yaml.safe_load_all(path.read_text()))[1]["platforms"]["kubernetes"]["deploymentSpec"]
    task = spec["executors"][executor]
    env: dict[str, tuple[str, str, str, bool]] = {}
    for cm in task.get("configMapAsEnv", []):
        for item in cm["keyToEnv"]:
            env[item["envVar"]] = ("ConfigMap", cm["configMapName"], item["configMapKey"], cm["optional"])
    for sec in task.get("secretAsEnv", []):
        for item in sec["keyToEnv"]:
            env[item["envVar"]] = ("Secret", sec["secretName"], item["secretKey"], sec["optional"])
    return env


def test_the_monitoring_task_gets_every_pushgateway_variable_publish_reads(tmp_path):
    env = _task_env(tmp_path, "exec-monitor-model")
    wanted = _read_variables(PUSHGATEWAY)
    assert wanted == {f"PUSHGATEWAY_{s}" for s in ("TOKEN", "TOKEN_FILE", "USERNAME", "PASSWORD", "CA_FILE")}
    assert wanted <= set(env), sorted(wanted - set(env))
    # credentials from the Secret, file paths from the ConfigMap: as PROMETHEUS_*, all optional
    assert env["PUSHGATEWAY_TOKEN"] == ("Secret", "ctloop-prometheus", "pushgateway_token", True)
    assert env["PUSHGATEWAY_USERNAME"] == ("Secret", "ctloop-prometheus", "pushgateway_username", True)
    assert env["PUSHGATEWAY_PASSWORD"] == ("Secret", "ctloop-prometheus", "pushgateway_password", True)
    assert env["PUSHGATEWAY_TOKEN_FILE"] == ("ConfigMap", "ctloop-settings", "PUSHGATEWAY_TOKEN_FILE", True)
    assert env["PUSHGATEWAY_CA_FILE"] == ("ConfigMap", "ctloop-settings", "PUSHGATEWAY_CA_FILE", True)
    # the Prometheus wiring is unchanged
    assert _read_variables("PROMETHEUS") <= set(env)
    assert env["PROMETHEUS_TOKEN"] == ("Secret", "ctloop-prometheus", "token", True)


def test_doctor_settings_names_the_pushgateway_keys(cluster, capsys):  # noqa: F811 - the imported fixture
    cluster.kube.add(secret("kubeflow", "ctloop-prometheus", {"token": SECRET_VALUE}))
    code, lines, out = cluster.run(capsys)
    line = lines["settings"]
    for key in ("ctloop-settings.PUSHGATEWAY_TOKEN_FILE", "ctloop-settings.PUSHGATEWAY_CA_FILE",
                "ctloop-prometheus.pushgateway_token", "ctloop-prometheus.pushgateway_username",
                "ctloop-prometheus.pushgateway_password"):
        assert key in line, (key, line)
    assert "ctloop-prometheus.token" in line.split("optional, absent")[0]  # present
    assert SECRET_VALUE not in out


@pytest.mark.parametrize("where", ["secret", "configmap"])
def test_pushgateway_credentials_are_not_prometheus_credentials_for_doctor(proxied, capsys, monkeypatch, where):  # noqa: F811
    """The tasks with only Pushgateway credentials send none to Prometheus: doctor's metrics line
    still warns that they get no Prometheus credentials."""
    kube_cluster, proxy = proxied
    if where == "secret":
        kube_cluster.kube.add(secret("kubeflow", "ctloop-prometheus", {"pushgateway_token": TOKEN}))
    else:
        settings = kube_cluster.kube.resources["/api/v1/namespaces/kubeflow/configmaps/ctloop-settings"]["data"]
        settings["PUSHGATEWAY_TOKEN_FILE"] = "/var/run/secrets/kubernetes.io/serviceaccount/token"
    monkeypatch.setenv("PROMETHEUS_TOKEN", TOKEN)
    code, lines, out = kube_cluster.run(capsys)
    line = lines[LINE]
    assert line.startswith(f"warn {LINE}"), line
    assert "tasks in kubeflow get no Prometheus credentials" in line, line
    assert TOKEN not in out
