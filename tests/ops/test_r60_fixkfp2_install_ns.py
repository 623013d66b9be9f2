"""doctor's settings line: the namespace a task looks for KFP in, against the one doctor was told (round 60 review 2:
M-c).

``trigger_training`` runs :func:`ctloop.ops.platform.install_namespace` with ctloop-settings' ``KFP_INSTALL_NAMESPACE``
(as ``CTLOOP_KFP_INSTALL_NAMESPACE``) or, without it, ``kubeflow`` (kfp 2.17.0 ``client.py``
``KF_PIPELINES_NAMESPACE``'s default ``kubeflow``). A ConfigMap without the key was no warning although
``--kfp-namespace``/``kfp.install_namespace`` named another namespace; and a line that warned of something else
first dropped the mismatch."""

from __future__ import annotations

from tests.doubles.kube_api import object_path
from tests.ops.test_doctor import cluster, configmap  # noqa: F401 - the fixture


def _settings(kube, **data: str | None) -> None:
    settings = kube.resources[object_path(configmap("kubeflow", "ctloop-settings", {}))]
    merged = {k: v for k, v in {**settings["data"], **data}.items() if v is not None}
    kube.add(configmap("kubeflow", "ctloop-settings", merged))


def test_settings_without_the_key_warn_when_kfp_is_elsewhere(cluster, capsys):  # noqa: F811
    _settings(cluster.kube, KFP_INSTALL_NAMESPACE=None)
    _, lines, _ = cluster.run(capsys, "--pipeline-namespace", "kubeflow", "--kfp-namespace", "kfp-system")
    line = lines["settings"]
    assert line.startswith("warn settings: "), line
    assert ("ctloop-settings' KFP_INSTALL_NAMESPACE is unset (so 'kubeflow') but --kfp-namespace is 'kfp-system': "
            "trigger_training looks for KFP in kubeflow") in line, line
    assert '"KFP_INSTALL_NAMESPACE":"kfp-system"' in line, line


def test_without_the_key_and_kfp_in_kubeflow_is_no_warning(cluster, capsys):  # noqa: F811
    _settings(cluster.kube, KFP_INSTALL_NAMESPACE=None)
    _, lines, _ = cluster.run(capsys, "--kfp-namespace", "kubeflow")
    assert lines["settings"].startswith("ok   settings "), lines["settings"]


def test_an_earlier_warning_keeps_the_mismatch(cluster, capsys):  # noqa: F811
    _settings(cluster.kube, KFP_INSTALL_NAMESPACE="kfp-system", MLFLOW_TRACKING_URI=None)
    _, lines, _ = cluster.run(capsys, "--kfp-namespace", "kubeflow")
    line = lines["settings"]
    assert line.startswith("warn settings: no MLFLOW_TRACKING_URI"), line
    assert "KFP_INSTALL_NAMESPACE is 'kfp-system' but --kfp-namespace is 'kubeflow'" in line, line
