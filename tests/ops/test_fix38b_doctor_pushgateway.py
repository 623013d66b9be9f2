"""``ctloop doctor``'s Pushgateway and MLflow lines.

* The warning "give the tasks the same credentials" came only when the tasks' description was
  exactly "no Pushgateway credentials": with PUSHGATEWAY_CA_FILE alone in the ConfigMap (a CA
  file authenticates nothing) the line said ok, though every push of the tasks gets a 401 from
  the secured Pushgateway (exporter-toolkit v0.8.2 basic auth, the fixture of
  tests/monitoring/test_hunt37_serving_pushgateway_auth.py).
* An in-cluster name in the cluster DNS search path's forms — ``<service>.<namespace>``, a
  trailing dot — failed "cannot resolve" instead of being skipped as ``*.svc`` is.
"""

from __future__ import annotations

import pytest

from ctloop.ops.doctor import in_cluster_name
from tests.monitoring.test_hunt37_serving_pushgateway_auth import PASSWORD, secured  # noqa: F401
from tests.ops.test_doctor import cluster, secret  # noqa: F401 - fixtures
from tests.ops.test_r38_serving_doctor_pushgateway import SETTINGS, _no_gateway_env, run  # noqa: F401


def _shell_basic_auth(monkeypatch, ca):
    monkeypatch.setenv("PUSHGATEWAY_USERNAME", "ctloop")
    monkeypatch.setenv("PUSHGATEWAY_PASSWORD", PASSWORD)
    monkeypatch.setenv("PUSHGATEWAY_CA_FILE", str(ca))


def test_tasks_with_a_ca_file_but_no_credentials_are_a_warning(cluster, secured, capsys, monkeypatch):  # noqa: F811
    url, ca = secured
    _shell_basic_auth(monkeypatch, ca)
    cluster.kube.resources[SETTINGS]["data"]["PUSHGATEWAY_CA_FILE"] = "/etc/ctloop/pushgateway-ca.crt"
    code, line, out = run(cluster, capsys, "--pushgateway-url", url)
    assert line.startswith(f"warn Pushgateway: 1.5.1 at {url} "), line
    assert "PUSHGATEWAY_CA_FILE=/etc/ctloop/pushgateway-ca.crt" in line
    assert line.endswith("— fix: give the tasks the same credentials (docs/serving.md#pushgateway-behind-an-auth-proxy)")
    assert PASSWORD not in out


def test_tasks_with_a_username_but_no_password_are_a_warning(cluster, secured, capsys, monkeypatch):  # noqa: F811
    url, ca = secured
    _shell_basic_auth(monkeypatch, ca)
    cluster.kube.add(secret("kubeflow", "ctloop-prometheus", {"pushgateway_username": "ctloop"}))
    code, line, out = run(cluster, capsys, "--pushgateway-url", url)
    assert line.startswith(f"warn Pushgateway: 1.5.1 at {url} "), line


@pytest.mark.parametrize("host", ["prometheus-pushgateway.monitoring.svc.",
                                  "prometheus-pushgateway.monitoring.svc.cluster.local.", "pushgateway."])
def test_in_cluster_forms_of_a_service_name_are_skipped(cluster, capsys, host):  # noqa: F811
    code, line, out = run(cluster, capsys, "--pushgateway-url", f"http://{host}:9091")
    assert line.startswith(f"skip Pushgateway: http://{host}:9091 is an in-cluster address"), line


@pytest.mark.parametrize("host", ["prometheus-pushgateway.monitoring", "pushgatway-typo.com"])
def test_a_two_label_name_that_does_not_resolve_is_a_warning(cluster, capsys, host):  # noqa: F811
    """review F1: ``<service>.<namespace>`` and a misspelt public name look alike: neither a skip
    (a typo would pass unseen) nor a failure (the in-cluster form is right)."""
    code, line, out = run(cluster, capsys, "--pushgateway-url", f"http://{host}:9091")
    assert line.startswith(f"warn Pushgateway: cannot resolve {host} here"), line


def test_in_cluster_name_rule():
    assert in_cluster_name("mlflow") and in_cluster_name("mlflow.mlflow.svc.") and in_cluster_name("pushgateway.")
    assert not in_cluster_name("mlflow.mlflow") and not in_cluster_name("mlflow.example.com")
    assert not in_cluster_name("example.com") and not in_cluster_name("")
