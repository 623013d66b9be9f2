"""S3 settings of round 46 that still failed (fix 46 C, items 2 and 5; the session's moto).

* ``REQUESTS_CA_BUNDLE``: botocore 1.44.8 verifies the endpoint's certificate with ``ca_bundle`` (the
  AWS config file's, or ``AWS_CA_BUNDLE``: botocore/session.py ``create_client``), else with
  ``REQUESTS_CA_BUNDLE`` (botocore/endpoint.py ``_get_verify_value``). pyarrow's ``S3FileSystem`` was
  given only the first, so with ``REQUESTS_CA_BUNDLE`` alone boto3 read and every dataset scan failed
  ("curlCode: 60, SSL peer certificate or SSH remote key was not OK"). ``tls_moto`` is the TLS proxy
  double of tests/integration/test_r46_storage_s3_arrow_settings.py.
* ``CTLOOP_S3_PART_MIB='²'``: ``'²'.isdigit()`` is True and ``int('²')`` raises, so the check let it
  through to a ValueError traceback; now it is the variable's one line."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from tests.integration.test_r46_storage_s3_arrow_settings import tls_moto  # noqa: F401 (a fixture)


def test_a_dataset_scan_trusts_requests_ca_bundle_as_botocore_does(tls_moto, monkeypatch):  # noqa: F811
    import pyarrow.dataset as ds

    root = tls_moto
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", storage.os.environ.pop("AWS_CA_BUNDLE"))
    assert storage.list_files(root) == [
        f"{root}/part-0.parquet",
        f"{root}/part-1.parquet",
    ]  # boto3: always did
    fs, path = storage.filesystem(root)
    assert sorted(
        ds.dataset(path, filesystem=fs, format="parquet").to_table().column("a").to_pylist()
    ) == [0, 1]


def test_requests_ca_bundle_is_part_of_the_client_key(monkeypatch):
    """botocore reads it once, when the client is made: a changed value must make a new client."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    before = storage._s3_key()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/other.pem")
    assert storage._s3_key() != before


@pytest.mark.parametrize(
    "value", ["²", "①", "٣٣"]
)  # Unicode digits: isdigit() is True, int() refuses some
def test_a_part_size_in_other_digits_is_one_line(monkeypatch, value):
    monkeypatch.setenv("CTLOOP_S3_PART_MIB", value)
    with pytest.raises(
        ConfigError, match=rf"^CTLOOP_S3_PART_MIB '{value}' is not a whole number of MiB from 5 "
    ):
        storage.s3_part_bytes()
