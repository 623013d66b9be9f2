"""Review findings on the round-59 KFP work (fixed in round 59, branch r59-fixkfp)."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError, PlatformError
from ctloop.ops import doctor
from ctloop.ops.platform import Platform, kfp_inputs
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops.test_platform import isolate_kfp_env

IAP_ENV = "KF_PIPELINES_IAP_OAUTH2_CLIENT_ID"  # kfp 2.17.0 client.py KF_PIPELINES_IAP_OAUTH2_CLIENT_ID_ENV


@pytest.fixture
def kfp_env(monkeypatch, tmp_path):
    isolate_kfp_env(monkeypatch, tmp_path)
    for name in (IAP_ENV, "KFP_CA_FILE", "KFP_INSTALL_NAMESPACE", "CTLOOP_KFP_CA_FILE",
                 "CTLOOP_KFP_INSTALL_NAMESPACE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-such-adc.json"))
    return tmp_path


@pytest.mark.parametrize("given", ["argument", "KF_PIPELINES_ENDPOINT"])
def test_an_http_host_does_not_read_kfp_ca_file(kfp_env, monkeypatch, given):
    """Nothing verifies a certificate over plain HTTP: a ``KFP_CA_FILE`` (a PodDefault's, for another host) naming
    a file this pod has not stopped ``kfp_inputs`` with "no such file" although docs/operations.md says only an
    https host reads it."""
    host = "http://ml-pipeline.kubeflow.svc.cluster.local:8888"
    monkeypatch.setenv("KFP_CA_FILE", str(kfp_env / "kfp-ca" / "ca.crt"))
    if given == "argument":
        auth = kfp_inputs(host)
    else:
        monkeypatch.setenv("KF_PIPELINES_ENDPOINT", host)
        auth = kfp_inputs()
    assert auth.ca_file == "" and auth.ca_source == ""
    with pytest.raises(ConfigError, match="no such file"):  # an https host still reads it
        kfp_inputs("https://kfp.example.com")


def test_iap_without_application_default_credentials_is_one_line(kfp_env, monkeypatch, capsys):
    """kfp 2.17.0 ``kfp/client/auth.py`` ``get_service_account_credentials`` calls ``google.auth.default()``
    uncaught: with ``GOOGLE_APPLICATION_CREDENTIALS`` naming no file (the fixture's) google-auth raises
    ``DefaultCredentialsError`` (a ``GoogleAuthError``, no ``OSError``), which was a traceback, exit 1."""
    from google.auth.exceptions import DefaultCredentialsError

    from ctloop.cli import main

    monkeypatch.setenv(IAP_ENV, "cid.apps.googleusercontent.com")
    with KfpApiDouble(tokens={"ok": "ok"}) as double:
        with pytest.raises(ConfigError) as info:
            Platform(host=double.url, timeout=5)
        assert main(["runs", "--host", double.url, "--experiment", "", "--timeout", "5"]) == 2
        d = doctor.Doctor(doctor.DoctorOptions(host=double.url))
        (check,) = d._timed("KFP API", d.check_kfp)  # as Doctor.run runs it
    assert isinstance(info.value.__cause__, DefaultCredentialsError)
    line = str(info.value)
    assert line.startswith("kfp could not get a Google ID token for the IAP client id cid.apps.googleusercontent.com "
                           "(KF_PIPELINES_IAP_OAUTH2_CLIENT_ID): ") and "\n" not in line, line
    assert "fix: point GOOGLE_APPLICATION_CREDENTIALS at a service account's key" in line, line
    err = capsys.readouterr().err.strip()
    assert err == f"error: {line}", err
    problem, _, fix = line.partition(" — fix: ")
    assert check.status == doctor.FAIL and (check.detail, check.fix) == (problem, fix), check.line()
    assert not double.calls


def test_iap_with_user_credentials_says_why_no_id_token(kfp_env, monkeypatch):
    """``get_service_account_credentials`` returns None only when the Application Default Credentials are a user's
    OAuth credentials (``google.oauth2.credentials.Credentials``): kfp then sends no token. "kfp found no Google
    credentials" was wrong: it found some, of the wrong kind."""
    import google.auth
    import google.oauth2.credentials

    monkeypatch.setattr(google.auth, "default",
                        lambda *a, **k: (google.oauth2.credentials.Credentials(token="user"), "project"))
    monkeypatch.setenv(IAP_ENV, "cid.apps.googleusercontent.com")
    monkeypatch.setattr("kfp.client.auth.LOCAL_KFP_CREDENTIAL", str(kfp_env / "no-kfp-credentials.json"))
    with KfpApiDouble(tokens={"ok": "ok"}) as double:
        with pytest.raises(PlatformError) as info:
            Platform(host=double.url, timeout=5)
    line = str(info.value)
    assert {c.headers.get("authorization") for c in double.calls} == {None}
    assert ("kfp got no ID token for the IAP client id cid.apps.googleusercontent.com: the Application Default "
            "Credentials are user credentials; IAP needs a service account, or KF_PIPELINES_APP_OAUTH2_CLIENT_ID and "
            "KF_PIPELINES_APP_OAUTH2_CLIENT_SECRET (interactive: a browser)") in line, line
    assert "found no Google credentials" not in line, line


def test_doctor_refuses_up_front_what_its_kfp_check_would_with_kubeconfig_from_the_environment(
        kfp_env, monkeypatch, capsys):
    """In a pod with ``KUBECONFIG`` set (``kubeconfig_path``: a named kubeconfig wins over the pod's route, as the
    KFP check's ``Platform`` reads it), ``ctloop doctor --token T`` without a host: the KFP check refuses the token
    (kfp would send the kubeconfig user's), and the CLI's up-front check, given the raw ``--kubeconfig`` (empty),
    took the pod route and let it through to a FAIL among the checks instead of exit 2 before any check."""
    from ctloop.cli import main
    from tests.ops.test_r58_kfp_token_without_host import pod_double

    config = kfp_env / "kubeconfig"
    config.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    with pod_double(monkeypatch, kfp_env):
        monkeypatch.setenv("KUBECONFIG", str(config))
        monkeypatch.setattr("ctloop.ops.doctor.Doctor.run", lambda *a, **k: pytest.fail("checks ran"))
        assert main(["doctor", "--token", "abc", "--timeout", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --token: ") and "\n" not in err, err


def test_kfp_not_found_in_cluster_names_kfp_install_namespace(kfp_env, monkeypatch):
    """kfp 2.17.0 ``Client._load_config`` in a pod, no host: ``_IN_CLUSTER_DNS_NAME``
    (``ml-pipeline.{namespace}.svc.cluster.local:8888``) of ``Client(namespace=)``, where KFP is installed. KFP
    elsewhere: the service does not answer (here a dead port in front of that name), and the line said only "check
    --host", while the kubeconfig route's 404 named ``KFP_INSTALL_NAMESPACE``."""
    from tests.fixtures.servers import dead_port
    from tests.ops.test_r58_kfp_token_without_host import pod_double

    with pod_double(monkeypatch, kfp_env):
        monkeypatch.setattr("kfp.client.Client._IN_CLUSTER_DNS_NAME",
                            f"127.0.0.1:{dead_port()}/ml-pipeline.{{}}.svc.cluster.local:8888")
        with pytest.raises(PlatformError) as info:
            Platform(timeout=2)
    line = str(info.value)
    assert line.startswith("cannot reach KFP at ") and "ml-pipeline.kubeflow.svc.cluster.local:8888" in line, line
    assert line.endswith("— fix: KFP is looked for in namespace kubeflow: if it is installed elsewhere (kubectl get "
                         "svc -A -l app=ml-pipeline), set KFP_INSTALL_NAMESPACE to that namespace (in a task: "
                         "ctloop-settings' KFP_INSTALL_NAMESPACE; for a ctloop command: --kfp-namespace), or give "
                         "--host (kfp_host) the KFP URL"), line  # no doctor-only flag in a pod (round 60 review 2, L7); every command's --kfp-namespace (round 61)
