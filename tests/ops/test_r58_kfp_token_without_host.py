"""A bearer token the user named (``--token``, ``--token-file``, ``KFP_TOKEN``, ``KFP_TOKEN_FILE``) without a KFP
host was not the credential KFP saw.

Without a host kfp 2.17.0 ``Client._load_config`` (``kfp/client/client.py``) keeps ``existing_token`` and returns
at once with the generated configuration's default host ``http://localhost`` (``--token`` went to port 80 of the
machine the command ran on); given ``credentials`` (ctloop's for a token file) it sets them as
``refresh_api_key_hook`` and goes on to find KFP itself. Outside a pod that is kubernetes 30.1.0
``load_kube_config(client_configuration=config)``: ``KubeConfigLoader._load_authentication`` reads the context's
user (auth-provider, ``token``/``tokenFile``, exec plugin, user name and password) and ``_set_config``
(``kubernetes/config/kube_config.py``) then writes its ``Bearer <token>`` to ``api_key['authorization']`` and
replaces ``refresh_api_key_hook`` with its own, so every request carried the kubeconfig's token (as ``Bearer
Bearer <token>``: kfp had set the ``Bearer`` prefix for the file) and the named file was never read again; in a
pod, ``_get_config_with_default_credentials`` replaces the hook with the pipelines token's
(``ServiceAccountTokenVolumeCredentials``). Through the API server's service proxy the bearer token authenticates
to Kubernetes, not to KFP. So a named token without a host is refused in one line, exit 2, before any request,
as a CA bundle without a host is (``test_r58_kfp_private_ca.py``); with a host it is what KFP gets.
"""

from __future__ import annotations

import contextlib
import os

import pytest
import yaml

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.platform import Platform
from tests.ops.test_r58_kfp_private_ca import PROXY, kubeconfig_kfp  # noqa: F401 - a fixture


@pytest.fixture
def certs(private_ca):
    """``kubeconfig_kfp``'s certificates: the session's private CA alone (no second CA made here)."""
    return (*private_ca, None)


@pytest.fixture
def kubeconfig_with_token(kubeconfig_kfp):  # noqa: F811
    """The API-server-proxy double, the kubeconfig's user holding a token of its own."""
    path = os.environ["KUBECONFIG"]
    with open(path, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    config["users"][0]["user"] = {"token": "from-kubeconfig"}
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f)
    return kubeconfig_kfp


@pytest.mark.parametrize("how", ["--token", "--token-file", "KFP_TOKEN", "KFP_TOKEN_FILE"])
def test_a_named_token_without_a_host_is_refused_before_any_request(
    kubeconfig_with_token, tmp_path, monkeypatch, capsys, how
):
    token_file = tmp_path / "token"
    token_file.write_text("s3cr3t-file\n")
    args = ["runs", "--experiment", "", "--timeout", "5"]
    source = how
    if how == "--token":
        args += ["--token", "s3cr3t-named"]
    elif how == "--token-file":
        args += ["--token-file", str(token_file)]
        source = f"--token-file {token_file}"
    elif how == "KFP_TOKEN":
        monkeypatch.setenv("KFP_TOKEN", "s3cr3t-named")
    else:
        monkeypatch.setenv("KFP_TOKEN_FILE", str(token_file))
        source = f"KFP_TOKEN_FILE {token_file}"
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith(f"error: {source}: no KFP host to send the token to — ") and "\n" not in err
    ), err
    assert "s3cr3t" not in err, err  # the token itself is never printed
    assert "fix: give --host the KFP URL (or set KF_PIPELINES_ENDPOINT)" in err, err
    assert kubeconfig_with_token.calls == []


def test_platform_refuses_it_too(kubeconfig_with_token, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("s3cr3t-file\n")
    with pytest.raises(
        ConfigError, match=f"^--token-file {token_file}: no KFP host to send the token to"
    ):
        Platform(token_file=str(token_file), timeout=5)
    assert kubeconfig_with_token.calls == []


def test_without_a_named_token_the_kubeconfig_route_is_kfp_clients(kubeconfig_kfp):  # noqa: F811
    """No named token, no host: kfp.Client's own discovery (the kubeconfig's API-server proxy) as before."""
    platform = Platform(timeout=5)
    assert platform.auth.source == ""
    assert platform.backend is not None and platform.backend.url.endswith(PROXY + "/")


def test_with_a_host_the_named_token_file_is_what_kfp_gets(kubeconfig_with_token, certs, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("s3cr3t-file\n")
    url = f"https://{kubeconfig_with_token.address}{PROXY}"
    platform = Platform(host=url, token_file=str(token_file), ca_file=str(certs[0]), timeout=5)
    platform.ensure_experiment("ctloop")
    sent = {c.headers.get("authorization") for c in kubeconfig_with_token.calls}
    assert sent == {"Bearer s3cr3t-file"}, sent


@contextlib.contextmanager
def pod_double(monkeypatch, tmp_path):
    """A pod as kfp sees it: kubernetes 30.1.0 ``load_incluster_config`` succeeds (``KUBERNETES_SERVICE_HOST``/
    ``_PORT`` and the pod's service-account files, ``kubernetes/config/incluster_config.py``), the pipelines
    token (``KF_PIPELINES_SA_TOKEN_PATH``) is ``s3cr3t-pod``, and kfp's ``_IN_CLUSTER_DNS_NAME`` (the ml-pipeline
    service) is the KFP API double, yielded."""
    from tests.doubles.kfp_api import KfpApiDouble

    for name, text in (
        ("sa-token", "k8s-api-token"),
        ("ca.crt", "not read by kfp"),
        ("pipelines-token", "s3cr3t-pod"),
    ):
        (tmp_path / name).write_text(text + "\n")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "1")
    monkeypatch.setattr(
        "kubernetes.config.incluster_config.SERVICE_TOKEN_FILENAME", str(tmp_path / "sa-token")
    )
    monkeypatch.setattr(
        "kubernetes.config.incluster_config.SERVICE_CERT_FILENAME", str(tmp_path / "ca.crt")
    )
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", str(tmp_path / "pipelines-token"))
    with KfpApiDouble() as double:
        monkeypatch.setattr("kfp.client.Client._IN_CLUSTER_DNS_NAME", double.url)
        yield double


@pytest.mark.parametrize("how", ["--token", "--token-file", "none"])
def test_in_a_pod_the_named_token_reaches_the_ml_pipeline_service(monkeypatch, tmp_path, how):
    """kfp's in-cluster route (kubernetes 30.1.0 ``load_incluster_config`` succeeds: ``KUBERNETES_SERVICE_HOST``/
    ``_PORT`` and the pod's service-account files, ``kubernetes/config/incluster_config.py``) is the
    ml-pipeline service itself, here the double at kfp's ``_IN_CLUSTER_DNS_NAME``: a named token is what it gets
    (it was the pod's pipelines token for a file, ``http://localhost`` for ``--token``); none named: the pod's."""
    from tests.ops.test_platform import isolate_kfp_env

    isolate_kfp_env(monkeypatch, tmp_path)
    (tmp_path / "named").write_text("s3cr3t-file\n")
    kw = {
        "--token": {"token": "s3cr3t-named"},
        "--token-file": {"token_file": str(tmp_path / "named")},
    }.get(how, {})
    with pod_double(monkeypatch, tmp_path) as double:
        platform = Platform(timeout=5, **kw)
        platform.ensure_experiment("ctloop")
    sent = {c.headers.get("authorization") for c in double.calls}
    want = {"--token": "s3cr3t-named", "--token-file": "s3cr3t-file", "none": "s3cr3t-pod"}[how]
    assert sent == {f"Bearer {want}"}, sent
