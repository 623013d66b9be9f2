"""AZURE_STORAGE_CONNECTION_STRING that azure-storage-blob cannot parse (a pasted key alone, a
value cut at a ';', an empty one): BlobServiceClient.from_connection_string raises ValueError
("Connection string is either blank or malformed", azure-storage-blob 12.x
``_shared/base_client.py`` ``parse_connection_str``), which ctloop.storage let out as a traceback.
One ConfigError naming the variable — never its value, which holds the account key."""

from __future__ import annotations

import os

import pytest

from ctloop import storage
from ctloop.errors import ConfigError


@pytest.mark.parametrize("value", ["S3CRETkeyOnly==", "=;=", ";"])
def test_a_malformed_connection_string_is_one_line_without_its_value(monkeypatch, value):
    for name in [k for k in os.environ if k.startswith("AZURE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", value)
    with pytest.raises(ConfigError) as err:
        storage.read_bytes("az://container/labels.csv")
    message = str(err.value)
    assert "AZURE_STORAGE_CONNECTION_STRING" in message and "\n" not in message
    assert "S3CRET" not in message
