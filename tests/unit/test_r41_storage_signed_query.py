"""A signed URL's query pasted after an object-store URI (``az://c/x.csv?sv=…&sig=…``: a SAS, as the
portal hands it out; ``s3://b/k?X-Amz-Signature=…``, ``gs://b/k?X-Goog-Signature=…``: presigned) was read
as part of the object's name and quoted, signature included, in the error line (``… does not exist
(container 'c', blob 'x.csv?sv=2022&sig=…')``), which lands in pipeline logs. Such a URI is now refused
before any request, named without its query, saying where the SAS goes. A '?' in a name that is no
signed query (``s3://b/what?.csv``, valid on every store) reads as before."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import ConfigError

SIGNED = ["az://c/x.csv?sv=2022-11-02&sp=r&sig=S3CRETsig%2B",
          "abfss://c@acct.dfs.core.windows.net/x.csv?se=2030&sig=S3CRETsig",
          "s3://b/k.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=S3CRETsig",
          "gs://b/k.csv?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=S3CRETsig",
          "s3://b/k.csv?AWSAccessKeyId=AKIA&Signature=S3CRETsig&Expires=1"]


@pytest.mark.parametrize("uri", SIGNED)
@pytest.mark.parametrize("call", ["read_bytes", "exists", "list_files", "read_table"])
def test_a_signed_query_is_refused_without_its_signature(uri, call, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")  # a closed port: nothing leaves the host
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", "127.0.0.1:9")
    with pytest.raises(ConfigError) as err:
        getattr(storage, call)(uri)
    assert "S3CRET" not in str(err.value) and "environment" in str(err.value), err.value


@pytest.mark.parametrize("uri", ["s3://b/what?.csv", "gs://b/a?b=1.csv", "az://c/x?y.parquet"])
def test_a_question_mark_in_a_name_still_parses(uri):
    assert storage.parse(uri).key == uri.split("/", 3)[3]
