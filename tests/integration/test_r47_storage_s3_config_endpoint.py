"""An S3 endpoint set in the AWS config file reaches pyarrow's S3FileSystem (round 47).

botocore (since 1.31; 1.44.8 here) takes the endpoint URL from the AWS config file as well as from
``AWS_ENDPOINT_URL(_S3)``: ``endpoint_url`` in the profile, or in a ``services`` section (the AWS
SDKs' "service-specific endpoints"), the way a MinIO user configures ``aws`` once for every tool.
ctloop gave pyarrow that endpoint only when one of the two variables was set: with the config file
alone boto3 read and wrote MinIO and every dataset scan and Parquet write through pyarrow went to
``s3.<region>.amazonaws.com`` (with MinIO's keys: ``InvalidAccessKeyId``, or a stranger's bucket of
that name). Now pyarrow is given botocore's configured endpoint wherever it was set. The session's
moto 5.2.5 plays the store, named only in the config file."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop import storage
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env


@pytest.fixture
def configured(moto_url, tmp_path, monkeypatch):
    root = fresh_bucket(
        Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data"
    )
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    config = tmp_path / "aws-config"
    config.write_text(
        "[default]\nregion = us-east-1\nservices = local-store\n\n"
        f"[services local-store]\ns3 =\n  endpoint_url = {moto_url}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return root


def test_a_dataset_scan_reads_the_configured_store(configured, moto_url):
    import pyarrow.dataset as ds

    uri = f"{configured}/t/x.parquet"
    storage.write_table(pd.DataFrame({"a": [1, 2]}), uri)  # through boto3: to moto, as before
    assert storage._S3().client().meta.endpoint_url == moto_url
    fs, path = storage.filesystem(uri)
    assert ds.dataset(path, filesystem=fs, format="parquet").to_table().column("a").to_pylist() == [
        1,
        2,
    ]


def test_pyarrow_writes_to_the_configured_store(configured):
    import pyarrow as pa
    import pyarrow.parquet as pq

    uri = f"{configured}/t/y.parquet"
    fs, path = storage.filesystem(uri)
    pq.write_table(pa.table({"b": [3]}), path, filesystem=fs)
    assert storage.read_table(uri)["b"].tolist() == [3]  # read back through boto3


def test_an_unreachable_configured_store_names_the_config_file(configured, tmp_path, monkeypatch):
    from tests.fixtures.servers import free_port

    (tmp_path / "aws-config").write_text(
        f"[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:{free_port()}\n"
    )
    with pytest.raises(storage.StoreUnavailable, match="endpoint_url in the AWS config file"):
        storage.read_bytes(f"{configured}/nothing.csv")
