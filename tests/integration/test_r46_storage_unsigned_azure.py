"""A public Azure container could not be read without credentials (round 46, storage; Azurite).

A container with public access (``container`` or ``blob`` level: Azure Open Datasets, a team's public
data) answers anonymous requests. Round 45 gave S3 and GCS unsigned reads (``AWS_NO_SIGN_REQUEST``,
``GS_NO_SIGN_REQUEST``) but not Azure: with no key or SAS, ctloop asked DefaultAzureCredential, which
finds none outside Azure ("no credentials"), and pyarrow's AzureFileSystem has no anonymous option
(pyarrow 25.0.1: without a key or SAS it always takes the default credential chain, which refuses even
to start over plain http: "Bearer token authentication is not permitted for non TLS protected (https)
endpoints"). Now ``AZURE_NO_SIGN_REQUEST=YES`` (GDAL's variable for /vsiaz/, as for the other two) sends
every request unsigned: through the SDK with no credential, and through pyarrow as an empty SAS (``?``:
Arrow appends a SAS to the account URL as it is, ``AzureOptions::MakeBlobServiceClient``, so the
requests carry no signature). A private container says so and names the variable."""

from __future__ import annotations

import io

import pytest

from ctloop import storage
from ctloop.errors import ConfigError, DataSourceError
from tests.fixtures.object_stores import (
    AZURITE_ACCOUNT,
    Store,
    azurite_connection_string,
    fresh_bucket,
)


@pytest.fixture
def containers(azurite_url, tmp_path, monkeypatch):
    """(public root, private root): ``d/x.parquet`` in a public container and in a private one, then
    the environment's connection string without its key (the account's endpoint and name only)."""
    import pandas as pd
    from azure.storage.blob import BlobServiceClient

    store = Store("az", azurite_url, {"AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string(azurite_url)})
    private = fresh_bucket(store, monkeypatch, tmp_path / "home", "d")
    service = BlobServiceClient.from_connection_string(azurite_connection_string(azurite_url))
    name = private.split("/")[2] + "-pub"
    service.create_container(name, public_access="container")
    buffer = io.BytesIO()
    pd.DataFrame({"a": [1, 2]}).to_parquet(buffer, index=False)
    for container in (name, private.split("/")[2]):
        service.get_container_client(container).upload_blob("d/x.parquet", buffer.getvalue())
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", f"AccountName={AZURITE_ACCOUNT};BlobEndpoint={azurite_url};")
    yield f"az://{name}/d", private
    service.delete_container(name)


def test_a_public_container_is_read_unsigned_by_the_sdk_and_by_pyarrow(containers, monkeypatch):
    import pyarrow.dataset as ds

    public, _ = containers
    monkeypatch.setenv("AZURE_NO_SIGN_REQUEST", "YES")
    assert storage.list_files(public) == [f"{public}/x.parquet"]
    assert storage.read_table(f"{public}/x.parquet")["a"].tolist() == [1, 2]
    fs, path = storage.filesystem(public)  # before: DefaultAzureCredential, which found none
    assert sorted(ds.dataset(path, filesystem=fs, format="parquet").to_table().column("a").to_pylist()) == [1, 2]


def test_unsigned_wins_over_a_key_and_a_private_container_says_so(containers, azurite_url, monkeypatch):
    """With a key in the environment too, the requests go unsigned: the private container refuses them."""
    _, private = containers
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_connection_string(azurite_url))
    monkeypatch.setenv("AZURE_NO_SIGN_REQUEST", "true")
    with pytest.raises(DataSourceError, match=rf"^access denied to {private}/x.parquet \(.*\): AZURE_NO_SIGN_REQUEST="
                                              r"true sends unsigned requests, which only a public container"):
        storage.read_bytes(f"{private}/x.parquet")
    monkeypatch.setenv("AZURE_NO_SIGN_REQUEST", "NO")
    assert storage.read_bytes(f"{private}/x.parquet")[:4] == b"PAR1"


def test_a_value_that_is_neither_yes_nor_no_is_one_line(containers, monkeypatch):
    public, _ = containers
    monkeypatch.setenv("AZURE_NO_SIGN_REQUEST", "public")
    with pytest.raises(ConfigError, match=r"^AZURE_NO_SIGN_REQUEST 'public' is neither YES nor NO"):
        storage.read_bytes(f"{public}/x.parquet")
