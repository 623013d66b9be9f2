"""Credentials a run parameter's URI carries outside ``user:password@`` and the keys ``refuse_credentials`` knew.

KFP 2.17.0 stores a run's parameters as they are and answers them to everyone who may list the namespace's
runs, so ``refuse_credentials`` refuses a URI with a credential in it. It let these through, published:

* a token in the fragment: the OAuth 2.0 implicit grant returns ``#access_token=...`` (RFC 6749 4.2.2), and a
  URL copied from a browser's address bar after a sign-in carries it (``#id_token=``: OpenID Connect);
* ``?private_token=`` (GitLab API: ``doc/api/rest/authentication.md``), ``?key=`` (Google APIs' API key:
  ``?key=API_KEY``), ``?sslpassword=`` (libpq connection URI parameter: the password of the client key,
  PostgreSQL 16 ``libpq-connect.html`` 34.1.2), ``?secret=``, ``?x-api-key=``.

Now each is refused, the value masked, and the rest of the URI shown as it was."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.platform import refuse_credentials

SECRET = "s3cretv4lue"


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        (
            f"https://mlflow.example.com/#access_token={SECRET}",
            "'https://mlflow.example.com/#access_token=***'",
        ),
        (
            f"https://h/cb#state=xyz&id_token={SECRET}&token_type=Bearer",
            "'https://h/cb#state=xyz&id_token=***&token_type=Bearer'",
        ),
        (f"https://h/x?v=1#access_token={SECRET}", "'https://h/x?v=1#access_token=***'"),
        (
            f"https://gitlab.example.com/api/v4/projects/1/repository/files/a.csv/raw?private_token={SECRET}",
            "/raw?private_token=***'",
        ),
        (
            f"https://storage.googleapis.com/b/o?alt=media&key={SECRET}",
            "'https://storage.googleapis.com/b/o?alt=media&key=***'",
        ),
        (
            f"postgresql://ml@db/mlflow?sslmode=verify-full&sslpassword={SECRET}",
            "?sslmode=verify-full&sslpassword=***'",
        ),
        (f"https://h/x?secret={SECRET}", "'https://h/x?secret=***'"),
        (f"https://h/x?X-API-Key={SECRET}", "'https://h/x?X-API-Key=***'"),
    ],
    ids=[
        "fragment-access-token",
        "fragment-id-token",
        "query-and-fragment",
        "gitlab",
        "google-key",
        "libpq",
        "secret",
        "api-key",
    ],
)
def test_credentials_are_refused_masked(uri, shown):
    with pytest.raises(ConfigError) as raised:
        refuse_credentials(uri, "data.uri")
    said = str(raised.value)
    assert shown in said and SECRET not in said, said


@pytest.mark.parametrize(
    "uri",
    [
        "https://docs.example.com/guide#install",
        "https://h/x#section=2&page=3",
        "s3://bucket/key?versionId=abc#v",
        "https://h/x?keys=3&monkey=1",
        "postgresql://ml@db/mlflow?sslmode=require",
    ],
)
def test_a_fragment_or_query_without_a_credential_passes(uri):
    refuse_credentials(uri, "data.uri")
