"""A token in a URI's query gets advice for where the token goes, not for a signed URL.

``refuse_credentials`` refuses a URI with a credential in its query (``platform.SECRET_QUERY_KEYS``) and says
where it goes instead. It said "give the object's own URI instead of a signed URL" for every query
credential: for ``https://mlflow.example.com?access_token=abc`` given as ``tracking_uri`` (an MLflow token,
RFC 6750 2.3) and for ``s3://bucket/key?token=abc`` (already the object's own URI), advice that fixes
nothing. Now a signature key of a signed URL (S3 ``X-Amz-Signature``, GCS ``X-Goog-Signature``, Azure SAS
``sig``) over http(s) gets the signed-URL advice; a token over http(s) the MLflow Secret's; another scheme
the storage Secret's."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.platform import refuse_credentials


def _fix(uri: str) -> str:
    with pytest.raises(ConfigError) as raised:
        refuse_credentials(uri, "tracking_uri")
    return str(raised.value).partition(" — fix: ")[2]


@pytest.mark.parametrize(
    ("uri", "says", "not_says"),
    [
        ("https://mlflow.example.com?access_token=abc", "MLFLOW_TRACKING_TOKEN", "signed URL"),
        ("http://mlflow:5000/?token=abc", "MLFLOW_TRACKING_TOKEN", "signed URL"),
        ("s3://bucket/key?token=abc", "ctloop-storage", "signed URL"),
        ("https://b.s3.amazonaws.com/k?X-Amz-Signature=abc", "signed URL", "MLFLOW_TRACKING"),
        ("https://a.blob.core.windows.net/c/k?sv=2022&sig=abc", "signed URL", "MLFLOW_TRACKING"),
    ],
    ids=["https-access-token", "http-token", "s3-token", "s3-presigned", "azure-sas"],
)
def test_the_advice_follows_the_key_and_the_scheme(uri, says, not_says):
    fix = _fix(uri)
    assert says in fix and not_says not in fix, fix
