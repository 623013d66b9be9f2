"""``ctloop doctor``'s MLflow check against a tracking server behind TLS from a private CA.

The user's MLflow client trusts such a server through ``MLFLOW_TRACKING_SERVER_CERT_PATH`` (or
skips verification with ``MLFLOW_TRACKING_INSECURE_TLS=true``, or presents a client certificate
from ``MLFLOW_TRACKING_CLIENT_CERT_PATH``): mlflow 3.17 ``mlflow/utils/rest_utils.py``
``MlflowHostCreds.verify`` / ``http_request`` hand them to ``requests`` as ``verify=`` and
``cert=``; without them ``requests`` 2.33 (``sessions.py`` ``merge_environment_settings``) reads
``REQUESTS_CA_BUNDLE``, then ``CURL_CA_BUNDLE``. The doctor's probe ignored them all and failed the
check ("certificate verify failed") against a server every ctloop command on the same machine
reached. A real MLflow server, behind a TLS-terminating proxy (an ingress) with a CA made here."""

from __future__ import annotations

import ssl
import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from tests.fixtures.servers import InThreadServer
from tests.ops.test_doctor import cluster, secret  # noqa: F401 - fixtures

TLS_ENV = ("MLFLOW_TRACKING_SERVER_CERT_PATH", "MLFLOW_TRACKING_INSECURE_TLS", "MLFLOW_TRACKING_CLIENT_CERT_PATH",
           "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


@pytest.fixture(scope="module")
def tls_mlflow(private_ca, mlflow_url):
    """``https://127.0.0.1:PORT`` forwarding to the session's MLflow server; yields (url, ca)."""
    ca, cert, key = private_ca

    class Forward(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            with urllib.request.urlopen(f"{mlflow_url}{self.path}", timeout=30) as resp:
                body = resp.read()
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.headers.get("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = InThreadServer(Forward)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.server.socket = context.wrap_socket(server.server.socket, server_side=True)
    with server:
        yield f"https://{server.address}", ca


@pytest.fixture
def no_tls_env(monkeypatch):
    for name in TLS_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("variable", ["MLFLOW_TRACKING_SERVER_CERT_PATH", "REQUESTS_CA_BUNDLE"])
def test_the_ca_the_mlflow_client_trusts_is_trusted(cluster, capsys, tls_mlflow, no_tls_env,  # noqa: F811
                                                     monkeypatch, variable):
    url, ca = tls_mlflow
    monkeypatch.setenv(variable, str(ca))
    code, lines, out = cluster.run(capsys, "--tracking-uri", url, "--timeout", "60")
    assert lines["MLflow"] == f"ok   MLflow {url} (health ok, search ok)", out


def test_insecure_tls_skips_verification_as_the_client_does(cluster, capsys, tls_mlflow, no_tls_env,  # noqa: F811
                                                            monkeypatch):
    url, _ = tls_mlflow
    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "true")
    code, lines, out = cluster.run(capsys, "--tracking-uri", url, "--timeout", "60")
    assert lines["MLflow"] == f"ok   MLflow {url} (health ok, search ok)", out


def test_an_untrusted_certificate_names_the_variable_to_set(cluster, capsys, tls_mlflow, no_tls_env):  # noqa: F811
    url, _ = tls_mlflow
    code, lines, out = cluster.run(capsys, "--tracking-uri", url, "--timeout", "60")
    assert code == 1 and lines["MLflow"].startswith("FAIL MLflow"), out
    assert "MLFLOW_TRACKING_SERVER_CERT_PATH" in out


def test_a_missing_ca_file_is_one_line_naming_the_variable(cluster, capsys, tls_mlflow, no_tls_env,  # noqa: F811
                                                          monkeypatch, tmp_path):
    url, _ = tls_mlflow
    monkeypatch.setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", str(tmp_path / "nope.crt"))
    code, lines, out = cluster.run(capsys, "--tracking-uri", url, "--timeout", "60")
    assert code == 1 and lines["MLflow"].startswith("FAIL MLflow"), out
    assert "MLFLOW_TRACKING_SERVER_CERT_PATH" in lines["MLflow"] and "nope.crt" in lines["MLflow"]


def test_insecure_and_a_ca_together_are_refused_as_the_client_refuses_them(cluster, capsys, tls_mlflow,  # noqa: F811
                                                                          no_tls_env, monkeypatch):
    url, ca = tls_mlflow
    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "true")
    monkeypatch.setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", str(ca))
    code, lines, out = cluster.run(capsys, "--tracking-uri", url, "--timeout", "60")
    assert code == 1 and lines["MLflow"].startswith("FAIL MLflow"), out
    assert "MLFLOW_TRACKING_INSECURE_TLS" in lines["MLflow"]


# ------------------------------------------------------------------ the tasks' preflight probe
def test_the_preflight_trusts_the_ca_the_mlflow_client_trusts(tls_mlflow, no_tls_env, monkeypatch):
    """``ctloop.tracking.preflight`` (before every task's first MLflow call) probed with urllib's
    system CAs: with MLFLOW_TRACKING_SERVER_CERT_PATH set (ConfigMap ctloop-settings), the MLflow
    client trusted the server and the probe failed the task after three attempts."""
    from ctloop import tracking

    url, ca = tls_mlflow
    monkeypatch.setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", str(ca))
    monkeypatch.setattr(tracking, "PREFLIGHT_PAUSE_S", 0.0)
    monkeypatch.setattr(tracking, "_ANSWERED", set())
    tracking.preflight(url, say=lambda line: None)
    assert url in tracking._ANSWERED


def test_an_untrusted_certificate_fails_the_preflight_at_once_naming_the_variable(tls_mlflow, no_tls_env,
                                                                                 monkeypatch):
    from ctloop import tracking
    from ctloop.errors import RegistryError

    url, _ = tls_mlflow
    said: list[str] = []
    monkeypatch.setattr(tracking, "PREFLIGHT_PAUSE_S", 0.0)
    monkeypatch.setattr(tracking, "_ANSWERED", set())
    with pytest.raises(RegistryError) as err:
        tracking.preflight(url, say=said.append)
    assert said == []  # a certificate does not get better by asking again
    assert "MLFLOW_TRACKING_SERVER_CERT_PATH" in str(err.value) and "\n" not in str(err.value)
