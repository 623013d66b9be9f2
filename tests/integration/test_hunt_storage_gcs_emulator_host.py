"""STORAGE_EMULATOR_HOST as host:port, without a scheme — the form fake-gcs-server's and the Go
client's docs use, and one ctloop.storage's own pyarrow path (``_Gcs.arrow``) already accepts:
google-cloud-storage 3.17.1 takes it as the base URL as is and requests answers InvalidSchema
("No connection adapters were found for '127.0.0.1:4443/download/...'"), a traceback. It is read
as http://host:port; a value that is neither is one ConfigError naming the variable."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import ConfigError

pytestmark = pytest.mark.slow


def test_host_and_port_without_a_scheme_reach_the_emulator(gcs_bucket, gcs_url, monkeypatch):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_url.split("://", 1)[1])
    uri = f"gs://{gcs_bucket}/a/b.bin"
    storage.write_bytes(uri, b"bytes")
    assert storage.read_bytes(uri) == b"bytes"
    assert storage.list_files(f"gs://{gcs_bucket}/a") == [uri]


@pytest.mark.parametrize("value", ["127.0.0.1:notaport", "http://127.0.0.1:99999", "http://[::1", "ftp://127.0.0.1:9"])
def test_a_malformed_emulator_host_is_one_line_naming_it(monkeypatch, value):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", value)
    with pytest.raises(ConfigError) as err:
        storage.read_bytes("gs://bucket/k.bin")
    message = str(err.value)
    assert "STORAGE_EMULATOR_HOST" in message and repr(value) in message and "\n" not in message
