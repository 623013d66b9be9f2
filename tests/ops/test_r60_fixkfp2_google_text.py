"""IAM's 404 to signBlob known from its text alone (round 60 review 2: L2).

google-auth 2.62.2 ``google/auth/iam.py`` ``Signer._make_signing_request`` raises
``TransportError("Error calling the IAM signBlob API: " + response.data)``; without its frame (a re-raised copy, no
traceback) only the quoted body tells the answer, and no service account is known. The line read "IAM has no service
account of the credentials ... (gcloud iam service-accounts describe of the credentials)", without the HTTP status
the body quoted."""

from __future__ import annotations

from google.auth.exceptions import TransportError

from ctloop.ops.platform import _google_account_missing, _google_said

BODY = b'{"error": {"code": 404, "message": "m", "status": "NOT_FOUND"}}'


def _text_only() -> TransportError:
    return TransportError(f"Error calling the IAM signBlob API: {BODY!r}")  # no __traceback__: no frame to read


def test_without_an_account_the_line_names_none():
    line = _google_account_missing("iap", "cid.apps.googleusercontent.com", _text_only())
    assert "of the credentials" not in line, line
    assert line.startswith("IAM has no service account for the credentials kfp signs its ID token with, for the IAP "
                           "client id cid.apps.googleusercontent.com"), line
    assert "gcloud iam service-accounts describe" not in line and "\n" not in line, line


def test_the_quoted_answer_is_said():
    assert _google_said(_text_only()) == " (HTTP 404 NOT_FOUND)"
    line = _google_account_missing("iap", "cid.apps.googleusercontent.com", _text_only())
    assert "(HTTP 404 NOT_FOUND)" in line, line
