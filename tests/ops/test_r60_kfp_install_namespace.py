"""Where KFP is installed is a typed setting (round 60): ctloop.yaml's ``kfp.install_namespace`` (``ctloop apply``,
``ctloop doctor -f``) and ``ctloop doctor --kfp-namespace`` (beside ``--kubeconfig``/``--context``), over
``KFP_INSTALL_NAMESPACE``, else ``kubeflow`` (``ctloop.ops.platform.INSTALL_NAMESPACE``, written once).

kfp 2.17.0 ``kfp/client/client.py``: ``Client(namespace='kubeflow')`` is where KFP is installed; without a host
kfp finds it as ``_IN_CLUSTER_DNS_NAME`` (``ml-pipeline.{}.svc.cluster.local:8888``) in a pod, else through the
kubeconfig's API server at ``_KUBE_PROXY_PATH`` (``api/v1/namespaces/{}/services/ml-pipeline:http/proxy/``).
Before, only the environment variable said so: a spec or a doctor run could not."""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.platform import INSTALL_NAMESPACE, Platform, install_namespace
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops.test_doctor import REPO, STOCK_ARGO, cluster, configmap  # noqa: F401 - the fixture
from tests.ops.test_r59_kfp_routes import PROXY, _kubeconfig, kfp_env  # noqa: F401 - the fixture


def test_the_given_namespace_wins_over_the_variable(kfp_env, monkeypatch):  # noqa: F811
    assert install_namespace() == INSTALL_NAMESPACE == "kubeflow"
    monkeypatch.setenv("KFP_INSTALL_NAMESPACE", "from-env")
    assert install_namespace() == "from-env"
    assert install_namespace("kfp-system", "--kfp-namespace") == "kfp-system"
    with pytest.raises(ConfigError, match=r"^kfp\.install_namespace 'KFP': must be a Kubernetes namespace"):
        install_namespace("KFP", "kfp.install_namespace")


def test_platform_finds_kfp_in_the_given_namespace(kfp_env, monkeypatch):  # noqa: F811
    """Through the kubeconfig's API-server proxy of that namespace, not ``kubeflow``'s (nor the variable's)."""
    monkeypatch.setenv("KFP_INSTALL_NAMESPACE", "elsewhere")
    with KfpApiDouble(path_prefix=PROXY.format("kfp-system")) as double:
        config = _kubeconfig(kfp_env / "k", {"a": double.root_url}, "a")
        monkeypatch.setattr("kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION", str(config))
        monkeypatch.setenv("KUBECONFIG", str(config))
        platform = Platform(install_namespace="kfp-system", timeout=5)
        assert platform.host == double.url + "/"
        platform.ensure_experiment("credit-ct")
        assert double.state.experiments


def _spec(tmp_path, **kfp) -> str:
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["kfp"].update(kfp)
    path = tmp_path / "ctloop.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.mark.parametrize("value", ["KFP", "kfp system", "-kfp", "a" * 64])
def test_a_bad_install_namespace_in_ctloop_yaml_is_one_line(kfp_env, tmp_path, capsys, value):  # noqa: F811
    assert main(["apply", "-f", _spec(tmp_path, install_namespace=value), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert "kfp.install_namespace" in err and repr(value)[1:-1][:20] in err and "\n" not in err, err
    assert "must be a Kubernetes namespace" in err, err


@pytest.mark.parametrize("value", ["KFP", "-kfp"])
def test_a_bad_kfp_namespace_flag_is_one_line(kfp_env, capsys, value):  # noqa: F811
    with pytest.raises(SystemExit) as done:
        main(["doctor", "--host", "http://127.0.0.1:9", f"--kfp-namespace={value}"])
    assert done.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--kfp-namespace" in err and value in err and "must be a Kubernetes namespace" in err, err


def test_apply_finds_kfp_in_the_spec_install_namespace(kfp_env, tmp_path, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("CTLOOP_IMAGE", "registry.example.com/ml/ctloop:1")
    with KfpApiDouble(path_prefix=PROXY.format("kfp-system")) as double:
        config = _kubeconfig(kfp_env / "k", {"a": double.root_url}, "a")
        monkeypatch.setattr("kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION", str(config))
        monkeypatch.setenv("KUBECONFIG", str(config))
        spec = _spec(tmp_path, host="", namespace="", install_namespace="kfp-system")
        code = main(["apply", "-f", spec, "--dry-run", "--timeout", "5"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert double.calls


def test_doctor_reads_argo_where_the_flag_says(cluster, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("KFP_INSTALL_NAMESPACE", "from-env")
    cluster.kube.add(configmap("kfp-system", "workflow-controller-configmap", STOCK_ARGO["data"]))
    _, lines, out = cluster.run(capsys, "--kfp-namespace", "kfp-system")
    assert lines["Argo retries"].startswith(
        "warn Argo retries: ConfigMap kfp-system/workflow-controller-configmap"), lines["Argo retries"]
    assert "system:serviceaccount:kfp-system:pipeline-runner" in lines["RBAC"], lines["RBAC"]
    assert "from-env" not in out, out


def test_kfp_not_in_the_given_namespace_names_that_setting(kfp_env, tmp_path, monkeypatch, capsys):  # noqa: F811
    """The setting wins over ``KFP_INSTALL_NAMESPACE``: a fix naming only the variable would change nothing."""
    monkeypatch.setenv("CTLOOP_IMAGE", "registry.example.com/ml/ctloop:1")
    with KfpApiDouble(path_prefix=PROXY.format("kfp-system")) as double:
        config = _kubeconfig(kfp_env / "k", {"a": double.root_url}, "a")
        monkeypatch.setattr("kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION", str(config))
        monkeypatch.setenv("KUBECONFIG", str(config))
        spec = _spec(tmp_path, host="", namespace="", install_namespace="kfp-sytem")
        assert main(["apply", "-f", spec, "--dry-run", "--timeout", "5"]) == 2
        err = capsys.readouterr().err.strip()
        assert ("has no service ml-pipeline in namespace kfp-sytem — fix: set kfp.install_namespace to the namespace "
                "KFP is installed in (kubectl get svc -A -l app=ml-pipeline), check") in err, err
        assert "\n" not in err, err
        # without the setting the variable is named, and the settings beside it
        assert main(["runs", "--experiment", "", "--timeout", "5"]) == 2
        err = capsys.readouterr().err.strip()
        assert ("— fix: set KFP_INSTALL_NAMESPACE to the namespace KFP is installed in (kubectl get svc -A -l "
                "app=ml-pipeline; or --kfp-namespace)") in err, err  # runs takes no -f (round 61 review, M1)
