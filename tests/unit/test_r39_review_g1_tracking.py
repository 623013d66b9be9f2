"""Review G1 of round 39 on the tracking fixes:

* a URI whose user name starts with '[' (``http://[user:s3cret@host/``) was printed whole: the
  rule "'[' is no userinfo" was meant for an IPv6 literal host (``http://[::1]:5000/a@b``), and
  requests 2.33 sends ``[user:s3cret`` as basic auth;
* an IP address a certificate does not list (OpenSSL X509_V_ERR_IP_ADDRESS_MISMATCH, verify code
  64) was told to set MLFLOW_TRACKING_SERVER_CERT_PATH, as a hostname mismatch (62) was before;
* a file URI of another host was quoted raw, password included."""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading

import pytest

from ctloop import storage, tracking
from ctloop.errors import ConfigError, RegistryError
from tests.fixtures.servers import SHUTDOWN_POLL_S


@pytest.mark.parametrize("uri", ["http://[user:s3cret@127.0.0.1:9/", "https://[tok:s3cret@mlflow.example.com/"])
def test_a_user_starting_with_a_bracket_is_masked(uri):
    assert "s3cret" not in tracking.display_uri(uri)
    assert "s3cret" not in tracking.hide_password(f"cannot reach {uri}: refused", uri)


@pytest.mark.parametrize("uri", ["http://[::1]:5000/a@b", "http://[fe80::1%25eth0]:5000/x@y"])
def test_an_ipv6_host_with_an_at_in_its_path_is_shown_as_written(uri):
    assert tracking.display_uri(uri) == uri


def test_an_ip_address_the_certificate_does_not_list_names_the_host(tmp_path, monkeypatch):
    run = lambda *a: subprocess.run(["openssl", *a], cwd=tmp_path, check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "k.pem",
        "-out", "c.pem", "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost")
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()
    monkeypatch.setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", str(tmp_path / "c.pem"))
    monkeypatch.setattr(tracking, "_ANSWERED", set())
    try:
        with pytest.raises(RegistryError) as err:
            tracking.preflight(f"https://127.0.0.1:{server.server_address[1]}", say=lambda line: None)
    finally:
        server.shutdown()
        server.server_close()
    assert "use a host name its certificate names" in str(err.value), err.value
    assert "set MLFLOW_TRACKING_SERVER_CERT_PATH" not in str(err.value)


def test_a_file_uri_of_another_host_is_quoted_without_its_password():
    with pytest.raises(ConfigError) as err:
        storage.parse("file://user:pw@host/x")
    assert "pw" not in str(err.value).replace("path", "") and "'host'" in str(err.value)
