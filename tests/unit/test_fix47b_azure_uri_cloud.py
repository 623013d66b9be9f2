"""The Azure cloud of an account named in the URI or in a Private Link ``BlobEndpoint`` (fix 47 B).

1. ``abfss://CONTAINER@ACCOUNT.dfs.core.usgovcloudapi.net/...`` names an Azure Government account.
   Only the account was kept from the host: with ``AZURE_STORAGE_ACCOUNT_KEY`` and no connection
   string, the Azure SDK and pyarrow were sent to ``ACCOUNT.blob.core.windows.net``, the public
   cloud's account of that name (another tenant's, or none), and KServe's storageUri named it too.
   Now the URI's endpoint suffix is kept; a host that is no account host is refused in one line.
2. KServe 0.20's storage initializer reads Azure models only from
   ``https://ACCOUNT.blob.core.windows.net/...`` (its ClusterStorageContainer's ``supportedUriFormats``,
   charts/kserve-resources/templates/clusterstoragecontainer.yaml). Round 47 refused another cloud's
   ``ACCOUNT.blob.<cloud>``, not its Private Link name ``ACCOUNT.privatelink.blob.<cloud>``: the
   storageUri still named the public cloud's account.

pyarrow's options are read back from the ``AzureFileSystem`` itself (its ``__reduce__``, what pickling
sends to a worker), so nothing leaves the machine."""

from __future__ import annotations

import base64

import pytest

from ctloop import storage

KEY = base64.b64encode(b"k" * 64).decode()
GOV = "abfss://data@acct.dfs.core.usgovcloudapi.net/log/x.parquet"


@pytest.fixture
def azure_env(monkeypatch):
    for name in [k for k in storage.os.environ if k.startswith("AZURE_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def _options(uri: str) -> dict:
    fs, _ = storage.filesystem(uri)
    return fs.__reduce__()[1][0]


def test_an_account_key_reaches_the_accounts_own_cloud(azure_env):
    azure_env.setenv("AZURE_STORAGE_ACCOUNT_KEY", KEY)
    settings = storage._azure_settings(storage.parse(GOV))
    # https://acct.blob.core.windows.net before
    assert settings.blob_url == "https://acct.blob.core.usgovcloudapi.net"
    options = _options(GOV)
    assert options["blob_storage_authority"] == ".blob.core.usgovcloudapi.net"
    assert options["dfs_storage_authority"] == ".dfs.core.usgovcloudapi.net"


@pytest.mark.parametrize("signed", [True, False], ids=["key", "unsigned"])
def test_china_cloud_too(azure_env, signed):
    azure_env.setenv(
        *(
            ("AZURE_STORAGE_SAS_TOKEN", "sv=2024&sig=x")
            if signed
            else ("AZURE_NO_SIGN_REQUEST", "YES")
        )
    )
    settings = storage._azure_settings(
        storage.parse("abfss://data@acct.blob.core.chinacloudapi.cn/x.csv")
    )
    assert settings.blob_url == "https://acct.blob.core.chinacloudapi.cn"


def test_the_public_cloud_and_a_bare_account_unchanged(azure_env):
    azure_env.setenv("AZURE_STORAGE_ACCOUNT_KEY", KEY)
    for uri in ("abfss://data@acct.dfs.core.windows.net/x.csv", "az://data@acct/x.csv"):
        assert (
            storage._azure_settings(storage.parse(uri)).blob_url
            == "https://acct.blob.core.windows.net"
        )
    assert (
        _options("abfss://data@acct.dfs.core.windows.net/x.parquet")["blob_storage_authority"]
        == ".blob.core.windows.net"
    )


def test_the_storage_uri_of_another_cloud_named_in_the_uri_is_refused(azure_env):
    azure_env.setenv("AZURE_STORAGE_ACCOUNT_KEY", KEY)
    with pytest.raises(storage.ConfigError) as told:
        storage.kserve_storage_uri("abfss://models@acct.dfs.core.usgovcloudapi.net/credit/1")
    message = str(told.value)
    assert "\n" not in message and "acct.blob.core.usgovcloudapi.net" in message


def test_a_host_that_is_no_account_host_is_refused(azure_env):
    azure_env.setenv("AZURE_STORAGE_ACCOUNT_KEY", KEY)
    with pytest.raises(storage.ConfigError) as told:
        storage.parse("abfss://data@acct.example.com/x.csv")
    message = str(told.value)
    assert (
        "\n" not in message
        and "'acct.example.com'" in message
        and "ACCOUNT.dfs.core.windows.net" in message
    )


def test_a_connection_string_of_another_cloud_than_the_uris_is_refused(azure_env):
    azure_env.setenv("AZURE_STORAGE_CONNECTION_STRING", f"AccountName=acct;AccountKey={KEY}")
    with pytest.raises(storage.ConfigError) as told:
        storage.exists(GOV)
    message = str(told.value)
    assert "core.usgovcloudapi.net" in message and "acct.blob.core.windows.net" in message


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://acct.privatelink.blob.core.usgovcloudapi.net/",
        "https://acct.privatelink.blob.core.chinacloudapi.cn",
    ],
    ids=["usgov", "china"],
)
def test_a_private_link_name_of_another_cloud_is_refused_for_kserve(azure_env, endpoint):
    azure_env.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        f"BlobEndpoint={endpoint};SharedAccessSignature=sv=2024&sig=x",
    )
    with pytest.raises(storage.ConfigError) as told:
        # https://acct.blob.core.windows.net/models/credit/1 before
        storage.kserve_storage_uri("az://models/credit/1")
    message = str(told.value)
    assert "\n" not in message and "acct.privatelink.blob.core" in message


def test_a_private_link_name_of_the_public_cloud_is_served(azure_env):
    azure_env.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        "BlobEndpoint=https://acct.privatelink.blob.core.windows.net/;SharedAccessSignature=sv=2024&sig=x",
    )
    assert (
        storage.kserve_storage_uri("az://models/credit/1")
        == "https://acct.blob.core.windows.net/models/credit/1"
    )
