"""An archived object read as a missing grant (round 44, storage).

S3 refuses a GetObject of an object in GLACIER or DEEP_ARCHIVE (or an Intelligent-Tiering archive
tier) with 403 ``InvalidObjectState`` and its ``StorageClass`` (Amazon S3 API reference,
GetObject: "If the object you are retrieving is stored in the S3 Glacier Flexible Retrieval storage
class ... you must first restore a copy"). ctloop read every 403 as a refused grant: "access denied
... the credentials in use lack permission (InvalidObjectState); allow s3:GetObject ...", and sent
users to IAM for an object a lifecycle rule had archived. Now the line says the object is archived
and how to restore it. moto 5 answers as S3 does (its server, a GLACIER object)."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import Store, fresh_bucket, moto_s3, s3_env


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    with moto_s3(tmp_path_factory.mktemp("moto")) as url:
        yield url


@pytest.mark.parametrize(
    "read", [storage.read_bytes, storage.read_table], ids=["read_bytes", "read_table"]
)
def test_an_archived_object_is_named_archived_not_denied(moto, tmp_path, monkeypatch, read):
    root = fresh_bucket(Store("s3", moto, s3_env(moto)), monkeypatch, tmp_path / "home", "data")
    bucket = root.split("/")[2]
    storage._S3().client().put_object(
        Bucket=bucket, Key="data/cold.csv", Body=b"a\n1\n", StorageClass="GLACIER"
    )
    with pytest.raises(DataSourceError) as caught:
        read(f"{root}/cold.csv")
    said = str(caught.value)
    assert said.startswith(
        f"{root}/cold.csv is archived (S3 storage class GLACIER: InvalidObjectState)"
    )
    assert f"aws s3api restore-object --bucket {bucket} --key 'data/cold.csv'" in said
    assert "access denied" not in said and "permission" not in said
