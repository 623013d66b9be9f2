"""Third review round on the round-59 KFP work (fixed in round 59, branch r59-fixkfp3): which google-auth
failures on kfp's IAP route are transient (google-auth 2.62.2, kfp 2.17.0)."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError, PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.fixtures.servers import InThreadServer, JsonHandler
from tests.ops import test_r59_kfp_review2 as review2

IAP_ENV = review2.IAP_ENV
kfp_env = review2.kfp_env  # the fixture


class _Refusing(JsonHandler):
    """IAM's signBlob as a service account without iam.serviceAccounts.signBlob on itself sees it: 403."""

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_json(403, {"error": {"code": 403, "message": "Permission iam.serviceAccounts.signBlob denied"}})


def _gce_credentials(monkeypatch, refresh=None):
    """``google.auth.default()`` answering GKE/Compute Engine credentials (kfp 2.17.0 auth.py then signs with
    ``google.auth.iam.Signer``); ``refresh`` None: a refresh that gets a token without a metadata server."""
    import google.auth
    from google.auth import compute_engine

    creds = compute_engine.Credentials(universe_domain="googleapis.com")  # no metadata server asked
    if refresh is None:
        def refresh(request):
            creds.token = "metadata-token"
            creds._service_account_email = "sa@p.iam.gserviceaccount.com"
    monkeypatch.setattr(creds, "refresh", refresh)
    monkeypatch.setattr(google.auth, "default", lambda *a, **k: (creds, "p"))
    return creds


def _refresh_failing(underneath: BaseException):
    """A metadata-server refresh failing with ``underneath`` in the chain google-auth 2.62.2 builds:
    transport/requests.py:292-294 (a TransportError from the requests error), compute_engine/credentials.py:153-155
    (a RefreshError from that)."""
    import requests
    from google.auth.exceptions import RefreshError, TransportError

    def refresh(request):
        try:
            try:
                raise underneath
            except requests.exceptions.RequestException as caught:
                raise TransportError(caught) from caught
        except TransportError as caught:
            raise RefreshError(caught) from caught

    return refresh


def test_iam_refusing_sign_blob_is_a_permission_problem_not_retry(kfp_env, monkeypatch):
    """google-auth 2.62.2 ``google/auth/iam.py`` (``Signer._make_signing_request``): a signBlob answer neither
    200 nor retryable raises ``TransportError("Error calling the IAM signBlob API: ...")``, which said
    'could not reach ...; retry' although IAM answered: the service account may not sign as itself."""
    with InThreadServer(_Refusing) as server:
        monkeypatch.setattr("google.auth.iam._IAM_SIGN_ENDPOINT",
                            f"{server.root_url}/v1/projects/-/serviceAccounts/{{}}:signBlob")
        _gce_credentials(monkeypatch)
        monkeypatch.setenv(IAP_ENV, "cid.apps.googleusercontent.com")
        with KfpApiDouble(tokens={"ok": "ok"}) as double:
            with pytest.raises(ConfigError) as info:
                Platform(host=double.url, timeout=5)
            assert not double.calls
    line = str(info.value)
    assert line.startswith("IAM refused to sign kfp's ID token for the IAP client id cid.apps.googleusercontent.com"
                           f" ({IAP_ENV}): Error calling the IAM signBlob API"), line
    assert "roles/iam.serviceAccountTokenCreator" in line and "retry" not in line and "\n" not in line, line


def test_a_metadata_server_that_does_not_answer_is_transient(kfp_env, monkeypatch):
    """google-auth 2.62.2 ``compute_engine/credentials.py`` (``Credentials._refresh_token``) wraps the
    metadata server's TransportError (a refused connection underneath) in a RefreshError, which was the
    credentials' fault ('fix: point GOOGLE_APPLICATION_CREDENTIALS ...')."""
    import requests

    _gce_credentials(monkeypatch, refresh=_refresh_failing(requests.exceptions.ConnectionError("Connection refused")))
    monkeypatch.setenv(IAP_ENV, "cid.apps.googleusercontent.com")
    with KfpApiDouble(tokens={"ok": "ok"}) as double:
        with pytest.raises(PlatformError) as info:
            Platform(host=double.url, timeout=5)
    assert not isinstance(info.value, ConfigError), str(info.value)
    line = str(info.value)
    assert line.startswith("could not reach Google's token endpoint, metadata server or IAM"), line
    assert line.endswith("; retry") and "GOOGLE_APPLICATION_CREDENTIALS" not in line, line


def test_a_token_endpoint_5xx_is_transient_and_a_403_is_not():
    """google-auth 2.62.2 ``oauth2/_client.py`` (``_handle_error_response``): the token endpoint's retryable
    statuses give ``RefreshError(retryable=True)``; a TransportError of an answer (no requests exception
    underneath) is not transient."""
    from google.auth.exceptions import RefreshError, TransportError

    from ctloop.ops.platform import _google_transient

    assert _google_transient(RefreshError("internal_failure", retryable=True))
    assert not _google_transient(RefreshError("invalid_grant: account not found"))
    assert not _google_transient(TransportError("Error calling the IAM signBlob API: 403"))
    assert _google_transient(TransportError("exhausted signBlob endpoint retries"))


def test_tls_proxy_and_url_failures_underneath_are_not_transient():
    """requests' SSLError (an egress proxy intercepting TLS without REQUESTS_CA_BUNDLE), ProxyError (a wrong
    HTTPS_PROXY), InvalidURL and an OSError that is no connection failure (google-auth 2.62.2
    ``transport/requests.py`` ``_configure_mtls_if_needed``: a missing client certificate) never clear on a retry:
    they were said 'retry' (final round-59 review). A reset or a timeout underneath still is transient."""
    import requests
    from google.auth.exceptions import RefreshError, TransportError

    from ctloop.ops.platform import _google_transient

    def wrapped(inner):
        outer = TransportError(str(inner))
        outer.__cause__ = inner
        return outer

    for permanent in (requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED"),
                      requests.exceptions.ProxyError("Cannot connect to proxy"),
                      requests.exceptions.InvalidURL("bad"), FileNotFoundError(2, "No such file: cert.pem")):
        assert not _google_transient(wrapped(permanent)), permanent
    for transient in (requests.exceptions.ConnectionError("Connection reset by peer"),
                      requests.exceptions.Timeout("read timed out"), ConnectionResetError(104, "reset"),
                      TimeoutError("timed out")):
        assert _google_transient(wrapped(transient)), transient
        refresh = RefreshError("metadata")
        refresh.__cause__ = wrapped(transient)
        assert _google_transient(refresh), transient


def test_a_tls_failure_under_the_metadata_refresh_is_one_line_naming_the_ca_bundle(kfp_env, monkeypatch):
    """The chain of the test above with requests' SSLError underneath (a TLS-intercepting egress proxy): one
    ConfigError line naming the error and REQUESTS_CA_BUNDLE, not 'retry' nor the credentials' fix."""
    import requests

    _gce_credentials(monkeypatch, refresh=_refresh_failing(
        requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")))
    monkeypatch.setenv(IAP_ENV, "cid.apps.googleusercontent.com")
    with KfpApiDouble(tokens={"ok": "ok"}) as double:
        with pytest.raises(ConfigError) as info:
            Platform(host=double.url, timeout=5)
    line = str(info.value)
    assert "SSLError: [SSL: CERTIFICATE_VERIFY_FAILED]" in line and "REQUESTS_CA_BUNDLE" in line, line
    assert "retry" not in line and "\n" not in line, line
