"""``refuse_credentials``: a token in a single-page app's fragment query, and ``key`` read as a name.

* ``https://app.corp/#/callback?access_token=...`` (a hash-routed app's sign-in callback: the route and its own
  query live in the fragment) and ``https://mlflow.corp/#/experiments/1?token=...`` (MLflow's UI routes in the
  fragment) passed: the fragment was split on ``&`` only, so its first parameter was read as the key
  ``/callback?access_token``. Parameters now start after ``?`` as well as after ``&``.
* ``key`` was a credential on every host, so a Google Sheets CSV export (``?key=<document id>``), a Confluence
  space (``?key=MLOPS``) and an approval reason that names one were refused. ``key`` is now a credential on
  ``*.googleapis.com`` (Google API key, ``?key=API_KEY``) or when its value is shaped as a Google API key
  (``AIza`` + 35 characters); Firebase Realtime Database's ``?auth=`` (REST API: an ID token or the database
  secret) on its hosts; Azure's ``api-key`` and API Management's ``subscription-key`` everywhere."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.platform import refuse_credentials

SECRET = "s3cretv4lue"
GOOGLE_KEY = "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"


@pytest.mark.parametrize(
    ("uri", "shown", "where"),
    [
        (
            f"https://app.corp/#/callback?access_token={SECRET}&state=1",
            "'https://app.corp/#/callback?access_token=***&state=1'",
            "fragment (access_token)",
        ),
        (
            f"https://mlflow.corp/#/experiments/1?token={SECRET}",
            "'https://mlflow.corp/#/experiments/1?token=***'",
            "fragment (token)",
        ),
        (
            f"https://h/x?a=1?token={SECRET}",
            "'https://h/x?a=1?token=***'",
            "query (token)",
        ),
        (
            f"https://sheets.googleapis.com/v4/spreadsheets/x?key={SECRET}",
            "?key=***'",
            "query (key)",
        ),
        (
            f"https://maps.example.com/tiles?key={GOOGLE_KEY}",
            "'https://maps.example.com/tiles?key=***'",
            "query (key)",
        ),
        (
            f"https://proj-default-rtdb.firebaseio.com/data.json?auth={SECRET}",
            "/data.json?auth=***'",
            "query (auth)",
        ),
        (
            f"https://svc.search.windows.net/indexes/x/docs?api-version=2023-11-01&api-key={SECRET}",
            "?api-version=2023-11-01&api-key=***'",
            "query (api-key)",
        ),
        (
            f"https://apim.example.com/scores?subscription-key={SECRET}",
            "?subscription-key=***'",
            "query (subscription-key)",
        ),
    ],
    ids=[
        "spa-callback",
        "mlflow-ui-route",
        "second-question-mark",
        "googleapis-key",
        "google-api-key-value",
        "firebase-auth",
        "azure-api-key",
        "apim-subscription-key",
    ],
)
def test_credentials_are_refused_masked(uri, shown, where):
    with pytest.raises(ConfigError) as raised:
        refuse_credentials(uri, "data.uri")
    said = str(raised.value)
    assert shown in said and where in said and SECRET not in said and GOOGLE_KEY not in said, said


@pytest.mark.parametrize(
    "value",
    [
        "https://docs.google.com/spreadsheet/pub?key=0AmXqDOCIDabc&output=csv",
        "https://confluence.corp/spaces/viewspace.action?key=MLOPS",
        "approved by eve: data checked, see https://docs.google.com/spreadsheet/ccc?key=0AmXqDOCIDabc",
        "https://app.corp/#/settings?auth=sso",
        "https://h/x#/route?page=2&sort=asc",
    ],
    ids=["sheets-document", "confluence-space", "free-text", "auth-elsewhere", "spa-route"],
)
def test_a_key_that_names_a_document_passes(value):
    refuse_credentials(value, "reason")
