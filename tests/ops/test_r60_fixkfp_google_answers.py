"""IAM's and the metadata server's answers told apart by status (round 60 review: M2, L3).

google-auth 2.62.2 ``google/auth/iam.py`` ``Signer._make_signing_request`` retries ``IAM_RETRY_CODES``
(500/502/503/504) only: a 429 ``RESOURCE_EXHAUSTED`` (``RATE_LIMIT_EXCEEDED``) or a 408 is raised at once as
``TransportError("Error calling the IAM signBlob API: ...")``, as a 403 is. ctloop called every such answer a
refusal ('grant roles/iam.serviceAccountTokenCreator'): a rate limit is a reason to retry, a 404 ``NOT_FOUND`` is a
service account that does not exist, and only 401/403 are refusals. ``compute_engine/_metadata.py`` ``get``
(lines 406-412) passes the response as the TransportError's second argument, and ``compute_engine/credentials.py``
wraps that in a RefreshError: the answer is read from ``args[1]`` and through ``__cause__``."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError, PlatformError
from ctloop.ops.platform import _google_answer, _google_transient, _sign_blob_answer
from tests.ops import test_r59_kfp_review3 as review3
from tests.ops.test_r60_kfp_google_structured import _Answer, _platform_behind_iam

IAP_ENV = review3.IAP_ENV
kfp_env = review3.kfp_env  # the fixture
SA = "sa@p.iam.gserviceaccount.com"  # review3._gce_credentials' account


def _error(code: int, status: str, reason: str = "") -> dict:
    details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}] if reason else []
    return {"error": {"code": code, "message": "m", "status": status, "details": details}}


def _platform_error(monkeypatch, status: int, body: dict) -> BaseException:
    return _platform_behind_iam(monkeypatch, status, body, (PlatformError, ConfigError))


@pytest.mark.parametrize("status,body,said", [
    (429, _error(429, "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED"), "HTTP 429 RESOURCE_EXHAUSTED, RATE_LIMIT_EXCEEDED"),
    (408, {"error": "timeout"}, "HTTP 408"),
    (400, _error(400, "UNAVAILABLE"), "HTTP 400 UNAVAILABLE"),
], ids=["429", "408", "json-unavailable"])
def test_a_rate_limited_or_timed_out_sign_blob_is_transient(kfp_env, monkeypatch, status, body, said):
    exc = _platform_error(monkeypatch, status, body)
    line = str(exc)
    assert not isinstance(exc, ConfigError), line
    assert line.startswith("could not reach Google's token endpoint, metadata server or IAM for the IAP client id"), line
    assert f"({said}); retry" in line and line.endswith("; retry"), line
    assert "serviceAccountTokenCreator" not in line, line


@pytest.mark.parametrize("status,body", [
    (403, _error(403, "PERMISSION_DENIED", "IAM_PERMISSION_DENIED")),
    (403, _error(403, "PERMISSION_DENIED", "ACCESS_TOKEN_SCOPE_INSUFFICIENT")),
    (401, _error(401, "UNAUTHENTICATED")),
], ids=["403", "403-scope", "401"])
def test_only_401_and_403_are_refusals(kfp_env, monkeypatch, status, body):
    exc = _platform_error(monkeypatch, status, body)
    assert isinstance(exc, ConfigError) and str(exc).startswith("IAM refused to sign kfp's ID token"), str(exc)
    assert "roles/iam.serviceAccountTokenCreator" in str(exc)


def test_a_missing_service_account_is_its_own_line(kfp_env, monkeypatch):
    exc = _platform_error(monkeypatch, 404, _error(404, "NOT_FOUND"))
    line = str(exc)
    assert isinstance(exc, ConfigError), line
    assert line.startswith(f"IAM has no service account {SA} to sign kfp's ID token for the IAP client id "), line
    assert "(HTTP 404 NOT_FOUND)" in line and "gcloud iam service-accounts describe " + SA in line, line
    assert "serviceAccountTokenCreator" not in line and "retry" not in line and "\n" not in line, line


def test_another_answer_is_neither_refused_nor_transient(kfp_env, monkeypatch):
    exc = _platform_error(monkeypatch, 400, _error(400, "INVALID_ARGUMENT"))
    assert isinstance(exc, ConfigError) and str(exc).startswith("kfp could not get a Google ID token"), str(exc)


def test_the_metadata_answer_is_read_from_args_and_through_the_cause():
    """compute_engine/_metadata.py:406-412 passes the response; credentials.py wraps the TransportError."""
    from google.auth.compute_engine import _metadata
    from google.auth.exceptions import RefreshError, TransportError

    with pytest.raises(TransportError) as info:
        _metadata.get(lambda **_: _Answer(404, b"not here"), "instance/service-accounts/default/token", retry_count=1)
    inner = info.value
    assert inner.args[1].status == 404
    inner = inner.with_traceback(None)  # no frame: args[1] alone says it
    assert _google_answer(inner)[0] == 404
    try:
        raise RefreshError(inner) from inner
    except RefreshError as wrapped:
        assert _google_answer(wrapped)[0] == 404 and not _google_transient(wrapped)
        assert _sign_blob_answer(wrapped) != "refused"  # the metadata server is no IAM refusal


def test_a_sign_blob_refusal_is_found_under_a_refresh_error(kfp_env, monkeypatch):
    """The IAM frame's answer, with the TransportError as the ``__cause__`` of another."""
    from google.auth.exceptions import RefreshError

    exc = _platform_error(monkeypatch, 403, _error(403, "PERMISSION_DENIED", "IAM_PERMISSION_DENIED"))
    transport = exc.__cause__
    try:
        raise RefreshError("could not sign") from transport
    except RefreshError as wrapped:
        assert _sign_blob_answer(wrapped) == "refused"
        assert _google_answer(wrapped) == (403, "PERMISSION_DENIED", "IAM_PERMISSION_DENIED")
