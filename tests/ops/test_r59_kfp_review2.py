"""Second review round on the round-59 KFP work (fixed in round 59, branch r59-fixkfp2)."""

from __future__ import annotations

import json
import socket

import pytest

from ctloop.errors import ConfigError, PlatformError
from ctloop.ops.platform import Platform, install_namespace
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops.test_platform import isolate_kfp_env

IAP_ENV = "KF_PIPELINES_IAP_OAUTH2_CLIENT_ID"  # kfp 2.17.0 client.py KF_PIPELINES_IAP_OAUTH2_CLIENT_ID_ENV
APP_ENV = "KF_PIPELINES_APP_OAUTH2_CLIENT_ID"  # kfp 2.17.0 client.py: the loopback OAuth flow (auth.py, :9901)


@pytest.fixture
def kfp_env(monkeypatch, tmp_path):
    isolate_kfp_env(monkeypatch, tmp_path)
    for name in (IAP_ENV, APP_ENV, "KFP_CA_FILE", "KFP_INSTALL_NAMESPACE", "CTLOOP_KFP_CA_FILE",
                 "CTLOOP_KFP_INSTALL_NAMESPACE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-such-adc.json"))
    return tmp_path


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _service_account_key(path, token_uri: str) -> None:
    """A service-account key file (google-auth ``service_account.Credentials.from_service_account_info``) whose
    token endpoint is ``token_uri``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "p", "private_key_id": "k", "private_key": pem,
        "client_email": "sa@p.iam.gserviceaccount.com", "client_id": "1", "token_uri": token_uri}))


def test_an_unreachable_token_endpoint_on_the_iap_route_is_transient(kfp_env, monkeypatch, capsys):
    """kfp 2.17.0 ``auth.get_service_account_credentials`` refreshes the Application Default Credentials
    (``bootstrap_credentials.refresh(Request())``); a refused connection to the token endpoint is google-auth's
    ``TransportError`` (a ``GoogleAuthError``), which was a ConfigError telling to fix the credentials."""
    from google.auth.exceptions import TransportError

    from ctloop.cli import main

    key = kfp_env / "sa.json"
    _service_account_key(key, f"http://127.0.0.1:{_dead_port()}/token")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    monkeypatch.setenv(IAP_ENV, "cid.apps.googleusercontent.com")
    with KfpApiDouble(tokens={"ok": "ok"}) as double:
        with pytest.raises(PlatformError) as info:
            Platform(host=double.url, timeout=5)
        main(["runs", "--host", double.url, "--experiment", "", "--timeout", "5"])
    assert not isinstance(info.value, ConfigError)
    assert isinstance(info.value.__cause__, TransportError)
    line = str(info.value)
    assert line.startswith("could not reach Google's token endpoint, metadata server or IAM for the IAP client id "
                           "cid.apps.googleusercontent.com"), line
    assert line.endswith("; retry") and "GOOGLE_APPLICATION_CREDENTIALS" not in line and "\n" not in line, line
    assert capsys.readouterr().err.strip() == f"error: {line}"
    assert not double.calls


def test_without_credentials_the_oauth_app_is_suggested_only_outside_a_pod(kfp_env, monkeypatch, tmp_path):
    """``KF_PIPELINES_APP_OAUTH2_CLIENT_ID``/``_SECRET`` make kfp 2.17.0 run an interactive OAuth flow
    (``auth.get_refresh_token_from_client_id``: a loopback server on localhost:9901 waiting for a browser): in a
    task pod it hangs, so it is no fix there; elsewhere it says it needs a browser."""
    monkeypatch.setenv(IAP_ENV, "cid.apps.googleusercontent.com")
    with KfpApiDouble(tokens={"ok": "ok"}) as double:
        with pytest.raises(ConfigError) as outside:
            Platform(host=double.url, timeout=5)
        (tmp_path / "sa-token").write_text("k8s-api-token\n")
        (tmp_path / "ca.crt").write_text("not read\n")
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "1")
        monkeypatch.setattr("kubernetes.config.incluster_config.SERVICE_TOKEN_FILENAME", str(tmp_path / "sa-token"))
        monkeypatch.setattr("kubernetes.config.incluster_config.SERVICE_CERT_FILENAME", str(tmp_path / "ca.crt"))
        with pytest.raises(ConfigError) as inside:
            Platform(host=double.url, timeout=5)
    assert f"{APP_ENV} and KF_PIPELINES_APP_OAUTH2_CLIENT_SECRET (interactive: a browser)" in str(outside.value)
    assert APP_ENV not in str(inside.value), str(inside.value)
    assert "GOOGLE_APPLICATION_CREDENTIALS" in str(inside.value)


def test_the_task_install_namespace_wins_as_its_ca_file_does(kfp_env, monkeypatch):
    """``CTLOOP_KFP_CA_FILE`` (ctloop-settings) wins over a PodDefault's ``KFP_CA_FILE`` in a task
    (``task_platform``); ``CTLOOP_KFP_INSTALL_NAMESPACE`` lost to ``KFP_INSTALL_NAMESPACE``."""
    monkeypatch.setenv("KFP_INSTALL_NAMESPACE", "from-pod-default")
    monkeypatch.setenv("CTLOOP_KFP_INSTALL_NAMESPACE", "kfp-system")
    assert install_namespace() == "kfp-system"
    monkeypatch.delenv("CTLOOP_KFP_INSTALL_NAMESPACE")
    assert install_namespace() == "from-pod-default"
