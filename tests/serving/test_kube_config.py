"""Which credentials ``load_api_client`` takes, in a pod (simulated: the in-cluster service-account
files and ``KUBERNETES_SERVICE_HOST``/``PORT`` the kubelet provides) and outside one.

The order: an explicit ``--kubeconfig`` or ``--context`` > ``KUBECONFIG`` > the in-cluster
service account > ``~/.kube/config``. It is not kubectl's: client-go's ``tools/clientcmd`` falls
back to the in-cluster config only when the loaded kubeconfig is empty, so a ``~/.kube/config``
wins there. The kubernetes python client's own ``config.load_config`` (kubernetes 30.1.0
``config/__init__.py``) also puts an explicit ``config_file`` first, but then prefers
``KUBE_CONFIG_DEFAULT_LOCATION`` (``KUBECONFIG`` or ``~/.kube/config``, read at import) over the
in-cluster config. Here a pod's own service account beats a stray ``~/.kube/config`` in the image.
"""

import pytest

from tests.doubles.kube_api import write_kubeconfig

IN_CLUSTER = "https://10.96.0.1:443"


@pytest.fixture
def in_a_pod(monkeypatch, tmp_path):
    from kubernetes.client import Configuration
    from kubernetes.config import incluster_config

    token, ca = tmp_path / "token", tmp_path / "ca.crt"
    token.write_text("pod-token")
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(ca))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(Configuration, "_default", Configuration._default)  # restored afterwards
    return tmp_path


def host(kubeconfig: str = "", context: str = "") -> str:
    from ctloop.serving.kube import load_api_client

    return load_api_client(kubeconfig, context).configuration.host


def test_in_a_pod_without_flags_the_service_account_is_used(in_a_pod):
    assert host() == IN_CLUSTER


def test_an_explicit_kubeconfig_wins_over_the_in_cluster_config(in_a_pod):
    path = in_a_pod / "kubeconfig"
    write_kubeconfig(path, "http://127.0.0.1:1")
    assert host(str(path)) == "http://127.0.0.1:1"


def test_an_explicit_context_reads_the_kubeconfig_not_the_service_account(in_a_pod, monkeypatch):
    path = in_a_pod / "kubeconfig"
    write_kubeconfig(path, "http://127.0.0.1:2")
    monkeypatch.setenv("KUBECONFIG", str(path))
    context = __import__("yaml").safe_load(path.read_text())["current-context"]
    assert host(context=context) == "http://127.0.0.1:2"


def test_kubeconfig_env_wins_over_the_in_cluster_config(in_a_pod, monkeypatch):
    path = in_a_pod / "kubeconfig"
    write_kubeconfig(path, "http://127.0.0.1:3")
    monkeypatch.setenv("KUBECONFIG", str(path))
    assert host() == "http://127.0.0.1:3"


def test_in_a_pod_the_service_account_wins_over_home_kube_config(in_a_pod):
    (in_a_pod / "home" / ".kube").mkdir(parents=True)
    write_kubeconfig(in_a_pod / "home" / ".kube" / "config", "http://127.0.0.1:4")
    assert host() == IN_CLUSTER


def test_a_named_kubeconfig_that_fails_in_a_pod_is_not_blamed_on_being_outside_a_cluster(in_a_pod, monkeypatch):
    """A named kubeconfig wins in a pod too, so its failure is that file's, not "not in a
    cluster" (which sent the user looking for the service account). Unnamed, the fallback
    ``~/.kube/config`` is read only when there is no in-cluster config: then that is said."""
    from ctloop.errors import ServingError

    path = in_a_pod / "kubeconfig"
    path.write_text("{clusters: x: y}\n")
    with pytest.raises(ServingError) as info:
        host(str(path))
    message = str(info.value)
    assert message.startswith(f"no Kubernetes credentials: kubeconfig {path} failed: not YAML"), message
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST")
    with pytest.raises(ServingError, match=r"not in a cluster, and kubeconfig \S+config failed"):
        host()


def test_the_rollout_kubeconfig_help_says_it_wins_in_a_pod_too():
    from ctloop.cli import build_parser

    rollout = build_parser()._subparsers._group_actions[0].choices["rollout"]
    status = rollout._subparsers._group_actions[0].choices["status"]
    (kubeconfig,) = [a for a in status._actions if "--kubeconfig" in a.option_strings]
    assert "outside a cluster" not in kubeconfig.help and "inside a pod too" in kubeconfig.help, kubeconfig.help
