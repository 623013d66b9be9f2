"""Azure hosts fix 47 B refused where they were read before (fix 47 B2).

1. ``kserve_storage_uri`` with a custom domain (``BlobEndpoint=http://models.contoso.com`` of account
   ``models``: Azure's "Map a custom domain to an Azure Blob Storage endpoint", a CNAME to
   ``models.blob.core.windows.net``) took the domain's first label for the account's and refused the
   account as "another cloud". It is a public-cloud account: served at ``blob.core.windows.net``.
2. ``parse`` refused an account host with the default port (``...core.windows.net:443``) or a trailing
   dot (a fully qualified name), both read before fix 47 B; the connection-string check refused
   Azurite's production-style endpoint (``http://devstoreaccount1.blob.localhost:10000``, Azurite's
   README "Production-style URL") for an ``abfss://...core.windows.net`` URI; with ``EndpointSuffix``
   set to another cloud it said "add EndpointSuffix".
3. An Azure DNS zone endpoint (``ACCOUNT.z01.dfs.storage.azure.net``, Azure Storage "Storage account
   endpoints: Azure DNS zone endpoints") was refused with advice to write the public cloud's host, which
   such an account does not have: the message now names az:// with a connection string's BlobEndpoint.

Nothing leaves the machine: the settings and storageUri are computed, no request is sent."""

from __future__ import annotations

import base64

import pytest

from ctloop import storage

KEY = base64.b64encode(b"k" * 64).decode()


@pytest.fixture
def azure_env(monkeypatch):
    for name in [k for k in storage.os.environ if k.startswith("AZURE_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_a_custom_domain_of_a_public_account_is_served(azure_env):
    azure_env.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        f"BlobEndpoint=http://models.contoso.com;AccountName=models;AccountKey={KEY}",
    )
    # refused as "another cloud" after fix 47 B
    assert (
        storage.kserve_storage_uri("az://registry/credit/1")
        == "https://models.blob.core.windows.net/registry/credit/1"
    )


def test_a_dns_zone_endpoint_is_still_refused_for_kserve(azure_env):
    azure_env.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        f"BlobEndpoint=https://acct.z01.blob.storage.azure.net;AccountName=acct;AccountKey={KEY}",
    )
    with pytest.raises(storage.ConfigError) as told:
        storage.kserve_storage_uri("az://registry/credit/1")
    assert "acct.z01.blob.storage.azure.net" in str(told.value)


@pytest.mark.parametrize(
    "uri",
    [
        "abfss://c@acct.dfs.core.windows.net:443/p.csv",
        "abfss://c@acct.dfs.core.windows.net./p.csv",
        "abfss://c@acct.dfs.core.usgovcloudapi.net.:443/p.csv",
    ],
    ids=["port-443", "trailing-dot", "both"],
)
def test_the_default_port_and_a_trailing_dot_are_the_same_host(azure_env, uri):
    azure_env.setenv("AZURE_STORAGE_ACCOUNT_KEY", KEY)
    loc = storage.parse(uri)  # refused after fix 47 B
    assert (loc.bucket, loc.account, loc.key) == ("c", "acct", "p.csv")
    cloud = "core.usgovcloudapi.net" if "usgov" in uri else "core.windows.net"
    assert storage._azure_settings(loc).blob_url == f"https://acct.blob.{cloud}"


@pytest.mark.parametrize(
    "endpoint",
    ["http://devstoreaccount1.blob.localhost:10000", "http://127.0.0.1:10000/devstoreaccount1"],
    ids=["production-style", "ip"],
)
def test_azurite_endpoints_take_a_public_cloud_uri(azure_env, endpoint):
    azure_env.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={KEY};BlobEndpoint={endpoint};",
    )
    loc = storage.parse("abfss://c@devstoreaccount1.dfs.core.windows.net/p.csv")
    assert (
        storage._azure_settings(loc).blob_url == endpoint
    )  # refused after fix 47 B (production-style)


def test_an_endpoint_suffix_of_another_cloud_is_to_be_changed(azure_env):
    azure_env.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        f"AccountName=acct;AccountKey={KEY};EndpointSuffix=core.chinacloudapi.cn",
    )
    with pytest.raises(storage.ConfigError) as told:
        storage._azure_settings(storage.parse("abfss://c@acct.dfs.core.usgovcloudapi.net/p.csv"))
    message = str(told.value)
    assert "\n" not in message and "add EndpointSuffix" not in message
    assert (
        "change EndpointSuffix=core.chinacloudapi.cn to EndpointSuffix=core.usgovcloudapi.net"
        in message
    )
    assert "fix the URI's host" in message


def test_a_dns_zone_uri_points_to_a_connection_string(azure_env):
    with pytest.raises(storage.ConfigError) as told:
        storage.parse("abfss://data@acct.z01.dfs.storage.azure.net/x.csv")
    message = str(told.value)
    assert "\n" not in message and "ACCOUNT.dfs.core.windows.net" not in message
    assert "az://data/x.csv" in message
    assert "BlobEndpoint=https://acct.z01.blob.storage.azure.net" in message
