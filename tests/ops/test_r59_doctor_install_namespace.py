"""``ctloop doctor`` reads what KFP installs where KFP is installed: ``KFP_INSTALL_NAMESPACE`` (round 59).

KFP 2.17.0 installs Argo's ``workflow-controller-configmap`` in its own namespace
(``manifests/kustomize/env/platform-agnostic``: ``kubeflow``; tests/fixtures/kfp/workflow-controller-configmap.2.17.0.yaml),
and standalone KFP runs every task there as ``pipeline-runner`` (``backend/src/apiserver/config/config.json``).
With KFP installed elsewhere the doctor read both in ``kubeflow`` while ``KFP_INSTALL_NAMESPACE`` (what kfp.Client's
``namespace`` is now) named the namespace KFP is in.
"""

from __future__ import annotations

from tests.ops.test_doctor import STOCK_ARGO, cluster, configmap  # noqa: F401 - the fixture

NAMES = ("Argo retries", "RBAC", "settings")


def test_argo_and_the_standalone_runner_are_read_where_kfp_is_installed(cluster, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("KFP_INSTALL_NAMESPACE", "kfp-system")
    cluster.kube.add(configmap("kfp-system", "workflow-controller-configmap", STOCK_ARGO["data"]))
    _, lines, out = cluster.run(capsys)
    assert lines["Argo retries"].startswith(
        "warn Argo retries: ConfigMap kfp-system/workflow-controller-configmap: templateDefaults retryStrategy "
        "retryPolicy OnError (limit 2)"), lines["Argo retries"]
    assert "system:serviceaccount:kfp-system:pipeline-runner" in lines["RBAC"], lines["RBAC"]
    assert " in kfp-system" in lines["settings"], lines["settings"]
    assert "kubeflow" not in lines["Argo retries"] + lines["RBAC"] + lines["settings"], out
