"""doctor's settings line: ctloop-settings' KFP_INSTALL_NAMESPACE against the namespace doctor was told KFP is in
(round 60 review: L7).

``trigger_training`` (a task) reads ``CTLOOP_KFP_INSTALL_NAMESPACE`` from ctloop-settings' ``KFP_INSTALL_NAMESPACE``
(ctloop.ops.settings), not ctloop.yaml's ``kfp.install_namespace``, which only ``ctloop apply``/``doctor -f`` read:
two values for one namespace, and the task looks where the ConfigMap says."""

from __future__ import annotations

from tests.doubles.kube_api import object_path
from tests.ops.test_doctor import cluster, configmap  # noqa: F401 - the fixture


def _settings(kube, value: str) -> None:
    settings = kube.resources[object_path(configmap("kubeflow", "ctloop-settings", {}))]
    kube.add(configmap("kubeflow", "ctloop-settings", {**settings["data"], "KFP_INSTALL_NAMESPACE": value}))


def test_settings_warn_when_ctloop_settings_names_another_install_namespace(cluster, capsys):  # noqa: F811
    _settings(cluster.kube, "kfp-system")
    _, lines, _ = cluster.run(capsys, "--kfp-namespace", "kubeflow")
    line = lines["settings"]
    assert line.startswith("warn settings: "), line
    assert ("ctloop-settings' KFP_INSTALL_NAMESPACE is 'kfp-system' but --kfp-namespace is 'kubeflow': "
            "trigger_training looks for KFP in kfp-system") in line, line
    assert "kubectl -n kubeflow patch configmap ctloop-settings" in line and '"KFP_INSTALL_NAMESPACE":"kubeflow"' in line


def test_settings_agreeing_or_unset_are_no_warning(cluster, capsys):  # noqa: F811
    _settings(cluster.kube, "kubeflow")
    _, lines, _ = cluster.run(capsys, "--kfp-namespace", "kubeflow")
    assert lines["settings"].startswith("ok   settings "), lines["settings"]
    _settings(cluster.kube, "kfp-system")
    _, lines, _ = cluster.run(capsys)  # no namespace given to doctor: nothing to compare
    assert "KFP_INSTALL_NAMESPACE is" not in lines["settings"], lines["settings"]


def test_the_key_says_who_reads_it():
    """docs/configuration.md (generated from ctloop.config): the in-cluster service only for ctloop apply in a pod;
    a task reads ctloop-settings."""
    from ctloop.config import KfpConfig

    text = KfpConfig.__dataclass_fields__["install_namespace"].metadata.get("doc") or ""
    assert "the in-cluster service when ctloop apply runs in a pod" in text, text
    assert "trigger_training (a task) reads ctloop-settings' KFP_INSTALL_NAMESPACE" in text, text
