"""The storageUri handed to KServe for an az:// model when the Azure settings are a SAS connection
string as the portal's "Generate SAS and connection string" gives it: BlobEndpoint and
SharedAccessSignature, no AccountName. kserve_storage_uri wrote 'https://.blob.core.windows.net/
...' (an empty account) without a word, and the InferenceService failed later in its storage
initializer. The account is the BlobEndpoint's; with no account anywhere it is one ConfigError."""

from __future__ import annotations

import os

import pytest

from ctloop import storage
from ctloop.errors import ConfigError


@pytest.fixture
def azure_env(monkeypatch):
    for name in [k for k in os.environ if k.startswith("AZURE_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_the_account_of_a_sas_connection_string_is_its_blob_endpoints(azure_env):
    azure_env.setenv("AZURE_STORAGE_CONNECTION_STRING",
                     "BlobEndpoint=https://myacct.blob.core.windows.net/;QueueEndpoint=https://myacct.queue.core."
                     "windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&sig=abc")
    assert storage.kserve_storage_uri("az://models/credit/v3") == \
        "https://myacct.blob.core.windows.net/models/credit/v3"


def test_no_account_anywhere_is_one_line_not_an_empty_host(azure_env):
    azure_env.setenv("AZURE_STORAGE_CONNECTION_STRING", "BlobEndpoint=http://127.0.0.1:10000/;"
                     "SharedAccessSignature=sv=2022-11-02&sig=abc")
    with pytest.raises(ConfigError) as err:
        storage.kserve_storage_uri("az://models/credit/v3")
    assert "account" in str(err.value) and "\n" not in str(err.value) and "sig=abc" not in str(err.value)
