"""``storage.check_output_dir`` of an object-store ``--output`` (backtest, drift, labels report):
before, it only parsed the URI, so a store that cannot be reached (a wrong endpoint, no
credentials) failed the command only after its whole replay or comparison. Now one read-only
request is made up front. Real S3 API: moto in server mode."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import fresh_bucket
from tests.fixtures.servers import dead_port

pytestmark = pytest.mark.slow


def test_a_reachable_bucket_passes_and_nothing_is_written(s3, monkeypatch, tmp_path):
    out = fresh_bucket(s3, monkeypatch, tmp_path / "home", "backtest")
    storage.check_output_dir(out, name="--output")
    assert storage.list_files(out.rsplit("/", 1)[0]) == []


def test_an_endpoint_that_does_not_answer_is_refused_before_the_work(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{dead_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with pytest.raises(DataSourceError, match="s3://ctloop-out/run-1") as err:
        storage.check_output_dir("s3://ctloop-out/run-1", name="--output")
    assert "\n" not in str(err.value)


def test_write_only_credentials_are_not_refused_up_front(s3, monkeypatch, tmp_path):
    """Review A: a HEAD refused with 403 (keys that may only PutObject; AWS answers 403 for a
    missing key without s3:ListBucket) says nothing of whether the write will work."""
    from botocore.exceptions import ClientError

    out = fresh_bucket(s3, monkeypatch, tmp_path / "home", "backtest")

    def forbidden(*args, **kwargs):
        raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadObject")

    client = storage._backend(out)[0].client()
    monkeypatch.setattr(type(client), "head_object", forbidden)
    storage.check_output_dir(out, name="--output")


def test_compile_refuses_an_object_store_output_dir(capsys):
    """Review A: compile writes locally; --output-dir s3://b/p wrote ./s3:/b/p/*.yaml."""
    from ctloop.cli import main

    assert main(["compile", "--output-dir", "s3://b/p"]) == 2
    assert "compile writes local files" in capsys.readouterr().err
