"""Review D of round 39: the MLflow TLS probe (``ctloop.tracking.mlflow_tls``, used by every task's
preflight and by ``ctloop doctor``) against how the MLflow client verifies.

1. With none of MLflow's / requests' variables set, the client's ``requests`` verifies with its own
   bundle (requests 2.33 ``adapters.py`` ``cert_verify``: ``verify=True`` is
   ``DEFAULT_CA_BUNDLE_PATH``, certifi's; ``sessions.py`` ``merge_environment_settings`` reads only
   ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``; mlflow 3.17 ``utils/rest_utils.py``
   ``MlflowHostCreds.verify`` is ``True`` then). The probe used ``ssl.create_default_context()``,
   OpenSSL's paths, which ``SSL_CERT_FILE`` redirects: with it pointing at a private CA the probe
   passed and every task's MLflow client then refused the server.
"""

from __future__ import annotations

import pytest

from tests.ops.test_doctor import cluster, secret  # noqa: F401 - fixtures
from tests.ops.test_r39_doctor_mlflow_tls import no_tls_env, tls_mlflow  # noqa: F401 - fixtures


@pytest.fixture
def probe(monkeypatch):
    from ctloop import tracking

    monkeypatch.setattr(tracking, "PREFLIGHT_PAUSE_S", 0.0)
    monkeypatch.setattr(tracking, "_ANSWERED", set())
    return tracking


def _client_refuses(url, monkeypatch) -> str:
    """What the MLflow client itself says to ``url`` (one attempt)."""
    from mlflow import MlflowClient

    from ctloop import tracking

    for key, value in tracking.HTTP_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    try:
        MlflowClient(url).search_experiments(max_results=1)
    except Exception as exc:  # noqa: BLE001 - any refusal
        return str(exc)
    return ""


def test_ssl_cert_file_alone_is_not_trusted_by_the_probe_as_the_client_ignores_it(
        tls_mlflow, no_tls_env, monkeypatch, probe):  # noqa: F811
    from ctloop.errors import RegistryError

    url, ca = tls_mlflow
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    assert "CERTIFICATE_VERIFY_FAILED" in _client_refuses(url, monkeypatch)  # the client: certifi only
    with pytest.raises(RegistryError) as err:
        probe.preflight(url, say=lambda line: None)
    assert "not trusted" in str(err.value) and "MLFLOW_TRACKING_SERVER_CERT_PATH" in str(err.value)


def test_ssl_cert_file_alone_fails_the_doctor_check(cluster, capsys, tls_mlflow, no_tls_env,  # noqa: F811
                                                  monkeypatch):
    url, ca = tls_mlflow
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    code, lines, out = cluster.run(capsys, "--tracking-uri", url, "--timeout", "60")
    assert code == 1 and lines["MLflow"].startswith("FAIL MLflow"), out
    assert "MLFLOW_TRACKING_SERVER_CERT_PATH" in lines["MLflow"]
