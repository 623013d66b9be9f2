"""Review D of round 39, finding 2: a certificate that does not name the tracking URI's host (verify code
62, "Hostname mismatch": the client's urllib3 matches the URI's host against the certificate's names,
as ``ssl``'s ``check_hostname`` does) was told, by the preflight and by ``ctloop doctor``, to set
MLFLOW_TRACKING_SERVER_CERT_PATH, even when that was set right. The fix now says to use a host name
the certificate names."""

from __future__ import annotations

import pytest

from tests.ops.test_doctor import cluster, secret  # noqa: F401 - fixtures
from tests.ops.test_fix39d_mlflow_tls import _client_refuses, probe  # noqa: F401 - a fixture
from tests.ops.test_r39_doctor_mlflow_tls import no_tls_env, tls_mlflow  # noqa: F401 - fixtures


def test_a_hostname_mismatch_names_the_host_not_the_ca_variable(tls_mlflow, no_tls_env, monkeypatch,  # noqa: F811
                                                                probe):  # noqa: F811
    from ctloop.errors import RegistryError

    url, ca = tls_mlflow  # the certificate names IP 127.0.0.1 only
    monkeypatch.setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", str(ca))
    url = url.replace("127.0.0.1", "localhost")
    assert "Hostname mismatch" in _client_refuses(url, monkeypatch)
    with pytest.raises(RegistryError) as err:
        probe.preflight(url, say=lambda line: None)
    message = str(err.value)
    assert "localhost" in message and "host name" in message and "\n" not in message, message
    assert "set MLFLOW_TRACKING_SERVER_CERT_PATH" not in message, message


def test_a_hostname_mismatch_in_the_doctor_check(cluster, capsys, tls_mlflow, no_tls_env,  # noqa: F811
                                               monkeypatch):
    url, ca = tls_mlflow
    monkeypatch.setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", str(ca))
    url = url.replace("127.0.0.1", "localhost")
    code, lines, out = cluster.run(capsys, "--tracking-uri", url, "--timeout", "60")
    assert code == 1 and lines["MLflow"].startswith("FAIL MLflow"), out
    assert "host name" in lines["MLflow"] and "set MLFLOW_TRACKING_SERVER_CERT_PATH" not in lines["MLflow"], out
