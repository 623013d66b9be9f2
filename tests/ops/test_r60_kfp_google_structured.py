"""google-auth's failures on kfp's IAP route told apart by what google-auth keeps beside its text (round 60).

google-auth 2.62.2 gives these failures no attribute of their own: ``google/auth/iam.py``
``Signer._make_signing_request`` raises ``TransportError("Error calling the IAM signBlob API: {response.data}")``
for an answer neither 200 nor in ``IAM_RETRY_CODES`` and ``TransportError("exhausted signBlob endpoint retries")``
after ``ExponentialBackoff`` (3 attempts) of retryable answers; ``compute_engine/_metadata.py`` ``get`` raises
``TransportError("... Compute Engine Metadata server unavailable. Response status: ...")`` after its retries of
``transport.DEFAULT_RETRYABLE_STATUS_CODES``. What it does keep: the raising frame (its module) and that frame's
last ``response`` (its HTTP ``status`` and ``data``, IAM's JSON error with ``error.status`` and the ErrorInfo
``reason``), reached through the exception's ``__traceback__``. ctloop read only the text; a reworded message (a
later google-auth) made a refusal 'fix the credentials' and exhausted retries no reason to retry. Now the
structure is read first and the text is the fallback (an exception with no such frame: raised elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest

from ctloop.errors import ConfigError, PlatformError
from ctloop.ops.platform import Platform, _google_answer, _google_transient, _sign_blob_answer
from tests.doubles.kfp_api import KfpApiDouble
from tests.fixtures.servers import InThreadServer, JsonHandler
from tests.ops import test_r59_kfp_review3 as review3

IAP_ENV = review3.IAP_ENV
kfp_env = review3.kfp_env  # the fixture

# IAM's answer to signBlob without iam.serviceAccounts.signBlob (google.rpc.Status with an ErrorInfo, as Google APIs
# answer: https://cloud.google.com/apis/design/errors)
DENIED = {"error": {"code": 403, "message": "Permission 'iam.serviceAccounts.signBlob' denied on resource (or it may "
                    "not exist).", "status": "PERMISSION_DENIED", "details": [{
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED",
                        "domain": "iam.googleapis.com", "metadata": {"permission": "iam.serviceAccounts.signBlob"}}]}}


def _iam(status: int, body: dict):
    class Handler(JsonHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_json(status, body)

    return InThreadServer(Handler)


def _reworded(monkeypatch, module: str) -> None:
    """``module``'s TransportError says something else: a google-auth whose text ctloop never saw."""
    import importlib
    import types

    from google.auth import exceptions

    class Reworded(exceptions.TransportError):
        def __init__(self, *args, **kwargs):
            super().__init__("the call failed", **kwargs)

    shim = types.SimpleNamespace(**{n: getattr(exceptions, n) for n in dir(exceptions) if not n.startswith("_")})
    shim.TransportError = Reworded
    monkeypatch.setattr(importlib.import_module(module), "exceptions", shim)


def _platform_behind_iam(monkeypatch, status: int, body: dict, error: Any) -> BaseException:
    """What ``Platform`` raises for a KFP behind IAP when kfp's ID token is signed by an IAM double answering
    ``status`` with ``body`` (GCE credentials): ``error``, before any call of the KFP API."""
    with _iam(status, body) as server:
        monkeypatch.setattr("google.auth.iam._IAM_SIGN_ENDPOINT",
                            f"{server.root_url}/v1/projects/-/serviceAccounts/{{}}:signBlob")
        review3._gce_credentials(monkeypatch)
        monkeypatch.setenv(IAP_ENV, "cid.apps.googleusercontent.com")
        with KfpApiDouble(tokens={"ok": "ok"}) as double:
            with pytest.raises(error) as info:
                Platform(host=double.url, timeout=5)
            assert not double.calls
    return info.value


@pytest.mark.parametrize("reworded", [False, True], ids=["as-2.62.2", "reworded"])
def test_iam_refusing_sign_blob_is_told_by_its_answer(kfp_env, monkeypatch, reworded):
    if reworded:
        _reworded(monkeypatch, "google.auth.iam")
    line = str(_platform_behind_iam(monkeypatch, 403, DENIED, ConfigError))
    text = "the call failed" if reworded else "Error calling the IAM signBlob API: "
    assert line.startswith("IAM refused to sign kfp's ID token for the IAP client id cid.apps.googleusercontent.com"
                           f" ({IAP_ENV}): {text}"), line
    assert " (HTTP 403 PERMISSION_DENIED, IAM_PERMISSION_DENIED) — fix: grant " in line, line
    assert "roles/iam.serviceAccountTokenCreator" in line and "retry" not in line and "\n" not in line, line


@pytest.mark.parametrize("reworded", [False, True], ids=["as-2.62.2", "reworded"])
def test_iam_failing_until_retries_run_out_is_transient(kfp_env, monkeypatch, reworded):
    """google-auth retries 500/502/503/504 three times (about 3 s of backoff, not slept here), then gives up."""
    monkeypatch.setattr("google.auth._exponential_backoff.time.sleep", lambda _: None)
    if reworded:
        _reworded(monkeypatch, "google.auth.iam")
    failing = {"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}
    error = _platform_behind_iam(monkeypatch, 503, failing, PlatformError)
    assert not isinstance(error, ConfigError), str(error)
    line = str(error)
    assert line.startswith("could not reach Google's token endpoint, metadata server or IAM"), line
    assert line.endswith("; retry"), line


class _Answer:
    def __init__(self, status: int, data: bytes = b""):
        self.status, self.data, self.headers = status, data, {"content-type": "text/plain"}


@pytest.mark.parametrize("reworded", [False, True], ids=["as-2.62.2", "reworded"])
def test_the_metadata_server_failing_until_retries_run_out_is_transient_and_a_404_is_not(monkeypatch, reworded):
    from google.auth.compute_engine import _metadata
    from google.auth.exceptions import TransportError

    if reworded:
        _reworded(monkeypatch, "google.auth.compute_engine._metadata")
    for status, transient in ((503, True), (404, False)):
        with pytest.raises(TransportError) as info:
            _metadata.get(lambda status=status, **_: _Answer(status), "instance/service-accounts/default/token", retry_count=1)
        assert _google_transient(info.value) is transient, (status, str(info.value))
        assert _google_answer(info.value)[0] == status


def test_the_text_is_the_fallback_without_google_auths_frame():
    """An exception raised elsewhere (another transport, a wrapper that re-raises a new one): its text decides."""
    from google.auth.exceptions import TransportError

    refused = TransportError("Error calling the IAM signBlob API: b'{\"error\": {\"code\": 403}}'")
    assert _google_answer(refused) == (None, "", "")
    assert _sign_blob_answer(refused) == "refused" and not _google_transient(refused)
    assert _sign_blob_answer(TransportError("exhausted signBlob endpoint retries")) != "refused"
    assert _google_transient(TransportError("exhausted signBlob endpoint retries"))
    assert _sign_blob_answer(TransportError("the call failed")) != "refused"
    assert not _google_transient(TransportError("the call failed"))


def test_the_retried_statuses_are_google_auths():
    """ctloop's copy of what google-auth 2.62.2 retries (read without importing it on every call)."""
    from google.auth import iam, transport

    from ctloop.ops.platform import _GOOGLE_ANSWERING

    assert _GOOGLE_ANSWERING[("google.auth.iam", "_make_signing_request")] == frozenset(iam.IAM_RETRY_CODES)
    assert _GOOGLE_ANSWERING[("google.auth.compute_engine._metadata", "get")] == frozenset(
        transport.DEFAULT_RETRYABLE_STATUS_CODES)
