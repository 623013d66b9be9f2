"""``ctloop doctor``'s metrics check queries Prometheus with the credentials of *this shell*
(``PROMETHEUS_*``), while the pipeline tasks get theirs from Secret ``ctloop-prometheus`` and
ConfigMap ``ctloop-settings`` of the namespace they run in. The line did not say so: a 401 said
"ctloop sends no credentials; set PROMETHEUS_TOKEN_FILE …" to an operator whose cluster has the
token in the Secret, and an ok reached with a token exported locally hid that the tasks get none.
Now the line names where the credentials it sent came from and what the tasks get (key names and
file paths only, never a value).

Real Prometheus (``prometheus`` of tests/ops/conftest.py) behind a double of kube-rbac-proxy
(tests/serving/test_prometheus_auth.py), the cluster a Kubernetes API double.
"""

from __future__ import annotations

import pytest

from tests.ops.test_doctor import SECRET_VALUE, cluster, secret  # noqa: F401 - fixtures
from tests.serving.test_prometheus_auth import RbacProxy

LINE = "metrics ctloop/credit-default"
TOKEN = "task-token"  # noqa: S105 - a test token


@pytest.fixture
def proxied(cluster, prometheus, monkeypatch):  # noqa: F811 - the imported fixtures
    for suffix in ("TOKEN", "TOKEN_FILE", "USERNAME", "PASSWORD", "CA_FILE"):
        monkeypatch.delenv(f"PROMETHEUS_{suffix}", raising=False)
    proxy = RbacProxy(prometheus)
    proxy.tokens[TOKEN] = ("ml:pipeline-runner", True)
    settings = cluster.kube.resources["/api/v1/namespaces/kubeflow/configmaps/ctloop-settings"]["data"]
    settings["PROMETHEUS_URL"] = proxy.url
    yield cluster, proxy
    proxy.close()


def test_a_refusal_says_doctor_sent_this_shells_credentials_and_what_the_tasks_get(proxied, capsys):
    kube_cluster, proxy = proxied
    kube_cluster.kube.add(secret("kubeflow", "ctloop-prometheus", {"token": TOKEN}))
    code, lines, out = kube_cluster.run(capsys)
    line = lines[LINE]
    assert code == 1 and line.startswith(f"FAIL {LINE}") and "HTTP 401" in line, line
    assert "this shell" in line and "Secret ctloop-prometheus (token)" in line, line
    assert TOKEN not in out and SECRET_VALUE not in out


def test_an_ok_with_a_local_token_says_the_tasks_get_none(proxied, capsys, monkeypatch):
    kube_cluster, proxy = proxied
    monkeypatch.setenv("PROMETHEUS_TOKEN", TOKEN)
    code, lines, out = kube_cluster.run(capsys)
    line = lines[LINE]
    assert line.startswith(f"warn {LINE}"), line
    assert "PROMETHEUS_TOKEN from this shell" in line and "tasks in kubeflow get no Prometheus credentials" in line
    assert TOKEN not in out
    assert proxy.seen and all(s == f"Bearer {TOKEN}" for s in proxy.seen)


def test_an_ok_with_the_same_kind_of_credentials_on_both_sides_says_both(proxied, capsys, monkeypatch):
    kube_cluster, proxy = proxied
    kube_cluster.kube.add(secret("kubeflow", "ctloop-prometheus", {"token": TOKEN}))
    settings = kube_cluster.kube.resources["/api/v1/namespaces/kubeflow/configmaps/ctloop-settings"]["data"]
    settings["PROMETHEUS_CA_FILE"] = "/var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt"
    monkeypatch.setenv("PROMETHEUS_TOKEN", TOKEN)
    code, lines, out = kube_cluster.run(capsys)
    line = lines[LINE]
    assert code == 0 and line.startswith(f"ok   {LINE}"), line
    assert "PROMETHEUS_TOKEN from this shell" in line and "Secret ctloop-prometheus (token)" in line
    assert "PROMETHEUS_CA_FILE=/var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt" in line
    assert TOKEN not in out
