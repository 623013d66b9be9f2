"""``ctloop doctor`` reads what KFP installs where KFP is installed: ``KFP_INSTALL_NAMESPACE`` (round 59).

KFP 2.17.0 installs Argo's ``workflow-controller-configmap`` in its own namespace
(``manifests/kustomize/env/platform-agnostic``: ``kubeflow``; tests/fixtures/kfp/workflow-controller-configmap.2.17.0.yaml),
and standalone KFP runs every task there as ``pipeline-runner`` (``backend/src/apiserver/config/config.json``).
With KFP installed elsewhere the doctor read both in ``kubeflow`` while ``KFP_INSTALL_NAMESPACE`` (what kfp.Client's
``namespace`` is now) named the namespace KFP is in. And the ConfigMap ``ctloop-kfp-ca`` that ``trigger_training``
mounts for ``KFP_CA_FILE`` (tests/ops/test_r59_kfp_ca_in_pods.py) is checked when the settings name a file of it.
"""

from __future__ import annotations

from tests.ops.test_doctor import STOCK_ARGO, cluster, configmap  # noqa: F401 - the fixture


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


def _settings_with_ca(kube, path: str) -> None:
    from tests.doubles.kube_api import object_path

    settings = kube.resources[object_path(configmap("kubeflow", "ctloop-settings", {}))]
    kube.add(configmap("kubeflow", "ctloop-settings", {**settings["data"], "KFP_CA_FILE": path}))


def test_the_settings_line_names_a_kfp_ca_file_whose_configmap_is_missing(cluster, capsys):  # noqa: F811
    """KFP_CA_FILE in ctloop-settings names a file of the ConfigMap ctloop-kfp-ca that trigger_training mounts
    (optional: without it an empty directory), so an https kfp_host fails every trigger; doctor said ok."""
    _settings_with_ca(cluster.kube, "/etc/ctloop/kfp-ca/ca.crt")
    _, lines, _ = cluster.run(capsys)
    line = lines["settings"]
    assert line.startswith("warn settings: ") and "ctloop-settings.KFP_CA_FILE" in line, line
    assert ("KFP_CA_FILE /etc/ctloop/kfp-ca/ca.crt is key ca.crt of ConfigMap ctloop-kfp-ca, which is not in "
            "kubeflow: trigger_training cannot verify an https kfp_host") in line, line
    assert line.endswith("— fix: kubectl -n kubeflow create configmap ctloop-kfp-ca --from-file=ca.crt=<the CA's "
                         "certificate> (docs/operations.md, From a KFP task)"), line

    cluster.kube.add(configmap("kubeflow", "ctloop-kfp-ca", {"tls.crt": "-----BEGIN CERTIFICATE-----"}))
    _, lines, _ = cluster.run(capsys)
    assert "ConfigMap ctloop-kfp-ca has no key ca.crt (it has tls.crt)" in lines["settings"], lines["settings"]
    # the ConfigMap exists: `kubectl create` would answer AlreadyExists; this adds the key (round 59 review)
    assert lines["settings"].endswith(
        "— fix: kubectl -n kubeflow create configmap ctloop-kfp-ca --from-file=tls.crt=<its tls.crt> "
        "--from-file=ca.crt=<the CA's certificate> --dry-run=client -o yaml | kubectl apply -f - "
        "(docs/operations.md, From a KFP task)"), lines["settings"]

    cluster.kube.add(configmap("kubeflow", "ctloop-kfp-ca", {"ca.crt": "-----BEGIN CERTIFICATE-----"}))
    _, lines, _ = cluster.run(capsys)
    assert lines["settings"].startswith("ok   settings ") and "ConfigMap ctloop-kfp-ca" in lines["settings"]


def test_a_kfp_ca_file_elsewhere_is_not_judged(cluster, capsys):  # noqa: F811
    """A path outside the mount (a PodDefault's volume): the doctor cannot see it, and says nothing of it."""
    _settings_with_ca(cluster.kube, "/var/run/ca/kfp.crt")
    _, lines, _ = cluster.run(capsys)
    assert lines["settings"].startswith("ok   settings "), lines["settings"]


def test_a_kfp_ca_file_with_a_trailing_slash_is_flagged(cluster, capsys):  # noqa: F811
    """``/etc/ctloop/kfp-ca/ca.crt/``: the doctor normalised it to the key ``ca.crt`` and said ok with the ConfigMap
    there (the task cannot open ``ca.crt/``: not a directory), and without it printed ``--from-file==<cert>`` (the
    key recomputed with ``basename`` of the raw path: ``""``)."""
    _settings_with_ca(cluster.kube, "/etc/ctloop/kfp-ca/ca.crt/")
    _, lines, _ = cluster.run(capsys)
    line = lines["settings"]
    assert "--from-file==" not in line and "--from-file=ca.crt=<the CA's certificate>" in line, line
    cluster.kube.add(configmap("kubeflow", "ctloop-kfp-ca", {"ca.crt": "-----BEGIN CERTIFICATE-----"}))
    _, lines, _ = cluster.run(capsys)
    line = lines["settings"]
    assert line.startswith("warn settings: ") and ("KFP_CA_FILE /etc/ctloop/kfp-ca/ca.crt/ ends in '/': the task "
                                                   "cannot open it as a file") in line, line
    assert line.endswith("— fix: set KFP_CA_FILE in ctloop-settings to /etc/ctloop/kfp-ca/ca.crt "
                         "(docs/operations.md, From a KFP task)"), line
