"""The refusal of credentials in a run parameter (``refuse_credentials``) read a userinfo where there is none,
let credentials in a query through, and gave MLflow's advice for every scheme.

* ``http://minio:9000/datasets/team@corp/credit.parquet`` was refused as ``'http://***@corp/credit.parquet'``
  (the host hidden): the authority ends at the first ``/``, ``?`` or ``#`` after ``//`` (RFC 3986 3.2;
  urllib3 2.x ``util/url.py`` ``parse_url``, what requests and the MLflow client use), so its ``@`` is in
  the path. Now only an ``@`` in the authority is a userinfo's.
* a signed URL (``X-Amz-Signature=``, Azure SAS ``sig=``) or ``?token=``/``?access_token=`` passed, while the
  docs said a URI with a token is refused: now refused, the value masked.
* ``postgresql://ml:pw@db/mlflow`` (an MLflow database tracking URI) was told to use the ``ctloop-mlflow``
  Secret's username/password, which the database driver never reads: the advice now follows the scheme."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.platform import refuse_credentials

SECRET = "s3cret"


@pytest.mark.parametrize(
    "uri",
    [
        "http://minio:9000/datasets/team@corp/credit.parquet",
        "hdfs://namenode:8020/user/alice@CORP.COM/credit.parquet",
        "http://mlflow-svc:5000/get-artifact?path=a@b",
        "https://host:443/path@x",
        "http://[::1]:5000/a@b",
        "https://host/x?email=a@b.com&tokens=3",
        "s3://bucket/key?versionId=abc",
    ],
)
def test_an_at_sign_after_the_authority_is_no_credential(uri):
    refuse_credentials(uri, "data.uri")


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        (f"https://alice:{SECRET}@mlflow.example.com", "'https://alice:***@mlflow.example.com'"),
        (f"https://{SECRET}@mlflow.example.com:5000/x", "'https://***@mlflow.example.com:5000/x'"),
        # a password with a '/' cuts the authority into no host[:port]: still the password of host h
        (f"http://admin:pa/{SECRET}@h:5000/x", "'http://admin:***@h:5000/x'"),
        (f"s3://AKIA:{SECRET}@bucket/key", "'s3://AKIA:***@bucket/key'"),
        (
            f"https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F&X-Amz-Signature={SECRET}",
            "'https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F&X-Amz-Signature=***'",
        ),
        (f"https://acct.blob.core.windows.net/c/b?sv=2022&sig={SECRET}", "?sv=2022&sig=***'"),
        (f"https://host/x?token={SECRET}#top", "'https://host/x?token=***#top'"),
        (f"https://host/x?access_token={SECRET}", "'https://host/x?access_token=***'"),
    ],
    ids=[
        "password",
        "token-user",
        "cut-password",
        "s3-keys",
        "presigned",
        "sas",
        "token",
        "access-token",
    ],
)
def test_credentials_are_refused_masked(uri, shown):
    with pytest.raises(ConfigError) as raised:
        refuse_credentials(uri, "data.uri")
    said = str(raised.value)
    assert said.startswith(f"data.uri: {shown}" if shown.startswith("'") else "data.uri: '"), said
    assert shown in said and SECRET not in said


def test_the_advice_follows_the_scheme():
    said = {}
    for uri in (
        f"postgresql://ml:{SECRET}@db/mlflow",
        f"https://a:{SECRET}@mlflow",
        f"https://h/x?sig={SECRET}",
    ):
        with pytest.raises(ConfigError) as raised:
            refuse_credentials(uri, "tracking_uri")
        said[uri.partition(":")[0] + ("-signed" if "sig" in uri else "")] = str(
            raised.value
        ).partition(" — fix: ")[2]
    assert (
        "MLFLOW_TRACKING_USERNAME" not in said["postgresql"] and "PGPASSFILE" in said["postgresql"]
    )
    assert "MLFLOW_TRACKING_USERNAME" in said["https"]
    assert (
        "signed URL" in said["https-signed"]
        and "MLFLOW_TRACKING_USERNAME" not in said["https-signed"]
    )
