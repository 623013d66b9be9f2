"""KFP served over TLS with a certificate of a private CA (cert-manager's self-signed issuer on a Kubeflow
ingress, a corporate CA) could not be reached at all.

kfp 2.17.0 verifies with certifi's public CAs unless ``kfp.Client(ssl_ca_cert=...)`` names a bundle
(``kfp/client/client.py`` ``_load_config``: ``config.ssl_ca_cert``; kfp-server-api 2.17.3 ``rest.py``:
``ca_certs = configuration.ssl_ca_cert`` else ``certifi.where()``; neither reads ``REQUESTS_CA_BUNDLE`` or
``SSL_CERT_FILE``), and ctloop's own healthz probe used certifi alone. ctloop had no way to name the CA:
every command said "TLS failed (... unable to get local issuer certificate) — fix: check --host (http or
https?) and the server's certificate", with the host and the certificate right. Now ``--ca-file`` /
``KFP_CA_FILE`` (the ``<SERVICE>_CA_FILE`` of ``PROMETHEUS_CA_FILE``, ``PUSHGATEWAY_CA_FILE``) is the bundle
both the probe and ``kfp.Client`` verify with, and a verification failure names it as the fix.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import yaml

from ctloop.cli import main
from ctloop.errors import ConfigError, PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.fixtures.certificates import EC, openssl
from tests.ops.test_platform import isolate_kfp_env


@pytest.fixture(scope="module")
def certs(tmp_path_factory, private_ca):
    """(ca, cert, key) of a private CA and a 127.0.0.1 certificate it signed (the session's), and another
    CA's bundle."""
    tmp = tmp_path_factory.mktemp("kfp-ca")
    openssl(tmp, f"req -x509 {EC} -keyout other.key -out other.crt -days 2 -subj /CN=another-ca")
    return (*private_ca, tmp / "other.crt")


@pytest.fixture
def tls_kfp(certs, monkeypatch, tmp_path):
    """The KFP API double served over TLS: yields (double, https url)."""
    isolate_kfp_env(monkeypatch, tmp_path)
    monkeypatch.delenv("KFP_CA_FILE", raising=False)
    _, cert, key, _ = certs
    double = KfpApiDouble(tokens={"ok": "ok"})
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    double.server.socket = context.wrap_socket(double.server.socket, server_side=True)
    with double:
        yield double, f"https://{double.address}"


def _connect(url: str, via: str, monkeypatch, **kwargs) -> Platform:
    """``Platform`` for ``url`` given as --host (probed by ctloop first), or as KF_PIPELINES_ENDPOINT
    (not probed: the first request is kfp.Client's own, through urllib3)."""
    if via == "host":
        return Platform(host=url, token="ok", timeout=5, **kwargs)
    monkeypatch.setenv("KF_PIPELINES_ENDPOINT", url)
    return Platform(token="ok", timeout=5, **kwargs)


@pytest.mark.parametrize("via", ["host", "KF_PIPELINES_ENDPOINT"])
def test_without_the_ca_the_line_names_the_ca_file_fix(tls_kfp, monkeypatch, via):
    _, url = tls_kfp
    with pytest.raises(PlatformError) as caught:
        _connect(url, via, monkeypatch)
    line = str(caught.value)
    assert (
        line.startswith(f"cannot reach KFP at {url}: TLS failed (")
        and "CERTIFICATE_VERIFY_FAILED" in line
    ), line
    assert "give --ca-file (KFP_CA_FILE) the CA bundle that signed its certificate" in line, line


@pytest.mark.parametrize("how", ["argument", "KFP_CA_FILE"])
def test_the_ca_file_is_trusted_by_the_probe_and_by_kfp_client(tls_kfp, certs, monkeypatch, how):
    double, url = tls_kfp
    ca = str(certs[0])
    if how == "KFP_CA_FILE":
        monkeypatch.setenv("KFP_CA_FILE", ca)
    platform = Platform(
        host=url, token="ok", timeout=5, **({"ca_file": ca} if how == "argument" else {})
    )
    assert platform.backend is not None and platform.backend.tag_name == "2.17.0"  # the probe
    assert platform.auth.ca_source == (
        f"--ca-file {ca}" if how == "argument" else f"KFP_CA_FILE {ca}"
    )
    assert platform.ensure_experiment("ctloop")  # kfp.Client's own requests (urllib3), over TLS
    assert [c.path for c in double.calls if c.method == "POST"] == ["/apis/v2beta1/experiments"]


@pytest.mark.parametrize("via", ["host", "KF_PIPELINES_ENDPOINT"])
def test_a_ca_file_that_did_not_sign_the_certificate_says_so(tls_kfp, certs, monkeypatch, via):
    _, url = tls_kfp
    other = str(certs[3])
    with pytest.raises(PlatformError) as caught:
        _connect(url, via, monkeypatch, ca_file=other)
    line = str(caught.value)
    assert f"its certificate is not signed by a CA in --ca-file {other}" in line, line


@pytest.mark.parametrize("kind", ["missing", "not PEM", "directory"])
def test_an_unusable_ca_file_is_one_line_exit_2_before_any_request(
    tls_kfp, tmp_path, capsys, monkeypatch, kind
):
    double, url = tls_kfp
    path = tmp_path / "ca.crt"
    if kind == "not PEM":
        path.write_text("not a certificate\n")
    elif kind == "directory":
        path.mkdir()
    assert main(["runs", "--host", url, "--token", "ok", "--ca-file", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: --ca-file {path}: ") and "\n" not in err, err
    assert double.calls == []
    monkeypatch.setenv("KFP_CA_FILE", str(path))
    with pytest.raises(ConfigError, match=f"^KFP_CA_FILE {path}: "):
        Platform(host=url, token="ok", timeout=5)
    assert double.calls == []


def test_the_cli_takes_ca_file(tls_kfp, certs, capsys):
    _, url = tls_kfp
    assert (
        main(
            ["runs", "--host", url, "--token", "ok", "--ca-file", str(certs[0]), "--experiment", ""]
        )
        == 0
    ), capsys.readouterr().err


def test_a_certificate_for_another_name_says_so(tls_kfp, certs):
    double, _ = tls_kfp
    url = f"https://localhost:{double.server.server_address[1]}"  # the certificate is for IP 127.0.0.1 alone
    with pytest.raises(PlatformError) as caught:
        Platform(host=url, token="ok", timeout=5, ca_file=str(certs[0]))
    line = str(caught.value)
    assert (
        "Hostname mismatch" in line and "the certificate is not issued for this host name" in line
    ), line


def _served_by(cert: Path, key: Path) -> KfpApiDouble:
    """The KFP API double over TLS with ``cert``."""
    double = KfpApiDouble()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    double.server.socket = context.wrap_socket(double.server.socket, server_side=True)
    return double


def _sign(tmp: Path, ca: Path, name: str, days: int) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that ``ca`` (its key beside it) signed, valid ``days`` (-1: expired a day ago)."""
    openssl(tmp, f"req {EC} -keyout {name}.key -out {name}.csr -subj /CN=127.0.0.1")
    (tmp / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl(
        tmp,
        f"x509 -req -in {name}.csr -CA {ca} -CAkey {ca.with_suffix('.key')} -CAserial {name}.srl "
        f"-CAcreateserial -out {name}.crt -days {days} -extfile san.ext",
    )
    return tmp / f"{name}.crt", tmp / f"{name}.key"


def test_an_expired_certificate_says_so_not_that_the_ca_did_not_sign_it(
    certs, monkeypatch, tmp_path
):
    """OpenSSL's "certificate has expired" is a CERTIFICATE_VERIFY_FAILED as an unknown CA is: the line
    must not send the user to --ca-file (given and right) for a certificate that cert-manager failed to renew.
    It names the CA bundle too: OpenSSL says the same of an expired CA in it (the next test)."""
    isolate_kfp_env(monkeypatch, tmp_path)
    ca = certs[0]
    with (
        _served_by(*_sign(tmp_path, ca, "old", -1)) as double,
        pytest.raises(PlatformError) as caught,
    ):
        Platform(host=f"https://{double.address}", token="ok", timeout=5, ca_file=str(ca))
    line = str(caught.value)
    assert "certificate has expired" in line and "fix: KFP's certificate has expired" in line, line
    assert "not signed by a CA in" not in line, line
    assert f"or the CA in --ca-file {ca} has expired: fetch the current ca.crt" in line, line


def test_an_expired_ca_in_the_ca_file_is_named(monkeypatch, tmp_path):
    """A CA bundle given with --ca-file whose CA has expired (a cert-manager CA rotated, the old ca.crt kept):
    OpenSSL says "certificate has expired" of the trust anchor as of the server's, and the line blamed the
    server's certificate alone."""
    isolate_kfp_env(monkeypatch, tmp_path)
    openssl(tmp_path, f"req {EC} -keyout oldca.key -out oldca.csr -subj /CN=expired-ca")
    (tmp_path / "ca.ext").write_text(
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n"
    )
    openssl(
        tmp_path,
        "x509 -req -in oldca.csr -signkey oldca.key -out oldca.crt -days -1 -extfile ca.ext",
    )
    ca = tmp_path / "oldca.crt"
    with (
        _served_by(*_sign(tmp_path, ca, "current", 2)) as double,
        pytest.raises(PlatformError) as caught,
    ):
        Platform(host=f"https://{double.address}", token="ok", timeout=5, ca_file=str(ca))
    line = str(caught.value)
    assert "certificate has expired" in line, line
    assert f"or the CA in --ca-file {ca} has expired: fetch the current ca.crt" in line, line


def test_doctor_says_which_ca_verified_kfp(tls_kfp, certs):
    """``ctloop doctor``'s KFP line names the credentials used (``auth: ...``); the CA bundle that verified
    the certificate, from --ca-file or KFP_CA_FILE, is named the same way."""
    from ctloop.ops import doctor

    _, url = tls_kfp
    check = doctor.Doctor(
        doctor.DoctorOptions(host=url, token="ok", ca_file=str(certs[0]))
    ).check_kfp()
    assert check.line() == (
        f"ok   KFP API {url} (backend 2.17.0, single-user; auth: --token; "
        f"TLS CA: --ca-file {certs[0]}; install namespace kubeflow (the default; used for the Argo ConfigMap, not to find KFP))"
    ), check.line()


def test_doctor_names_no_ca_for_a_plain_http_host(certs, monkeypatch, tmp_path):
    """Over http:// no certificate is verified: doctor said "TLS CA: --ca-file ..." all the same."""
    from ctloop.ops import doctor

    isolate_kfp_env(monkeypatch, tmp_path)
    with KfpApiDouble(tokens={"ok": "ok"}) as double:
        check = doctor.Doctor(
            doctor.DoctorOptions(host=double.url, token="ok", ca_file=str(certs[0]))
        ).check_kfp()
    assert check.line() == (
        f"ok   KFP API {double.url} (backend 2.17.0, single-user; auth: --token; install namespace kubeflow (the default; used for the Argo ConfigMap, not to find KFP))"
    ), check.line()


PROXY = "/api/v1/namespaces/kubeflow/services/ml-pipeline:http/proxy"  # kfp 2.17.0 client.py _KUBE_PROXY_PATH


@pytest.fixture
def kubeconfig_kfp(certs, monkeypatch, tmp_path):
    """KFP behind the Kubernetes API server's service proxy over TLS (the double, its certificate from the
    private CA), and a kubeconfig whose cluster names that CA as ``certificate-authority``: yields the double."""
    isolate_kfp_env(monkeypatch, tmp_path)
    monkeypatch.delenv("KFP_CA_FILE", raising=False)
    ca, cert, key, _ = certs
    double = KfpApiDouble(path_prefix=PROXY)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    double.server.socket = context.wrap_socket(double.server.socket, server_side=True)
    config = tmp_path / "kubeconfig"
    config.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "c",
                "clusters": [
                    {
                        "name": "c",
                        "cluster": {
                            "server": f"https://{double.address}",
                            "certificate-authority": str(ca),
                        },
                    }
                ],
                "users": [{"name": "u", "user": {}}],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
            }
        )
    )
    monkeypatch.setenv("KUBECONFIG", str(config))
    # kubernetes reads KUBECONFIG when it is imported
    monkeypatch.setattr("kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION", str(config))
    with double:
        yield double


def test_a_ca_file_without_a_host_is_refused(kubeconfig_kfp, certs, capsys, monkeypatch):
    """Without a host kfp 2.17.0 ``_load_config`` hands its configuration to kubernetes 30.1.0
    ``load_kube_config(client_configuration=config)``, whose ``KubeConfigLoader._load_cluster_info`` and
    ``_set_config`` (``kubernetes/config/kube_config.py``) set ``ssl_ca_cert`` to the cluster's
    ``certificate-authority`` for an https server: --ca-file was dropped without a word (here a CA that signed
    nothing, and the command went through), while a TLS failure named it as the CA used and doctor printed
    "TLS CA: --ca-file ...". The kubeconfig's CA is the right one for the API server's proxy, so a CA bundle
    without a host is refused, in one line, before any request."""
    other = certs[3]
    assert main(["runs", "--ca-file", str(other), "--experiment", "", "--timeout", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith(f"error: --ca-file {other}: no KFP host to verify with it — ")
        and "\n" not in err
    ), err
    assert (
        "fix: give --host the KFP URL its certificate is issued for, or drop --ca-file (KFP_CA_FILE)"
        in err
    )
    monkeypatch.setenv("KFP_CA_FILE", str(certs[0]))
    with pytest.raises(
        ConfigError, match=f"^KFP_CA_FILE {certs[0]}: no KFP host to verify with it"
    ):
        Platform(timeout=5)
    assert kubeconfig_kfp.calls == []
    monkeypatch.delenv("KFP_CA_FILE")
    platform = Platform(timeout=5)  # the kubeconfig's CA verifies the API server
    assert platform.backend is not None and platform.backend.url.endswith(PROXY + "/"), (
        platform.backend
    )
