"""A container public at ``blob`` level read with ``AZURE_NO_SIGN_REQUEST`` (fix 46 C, item 3; Azurite).

Azure's public access levels (Azure docs, "Configure anonymous read access for containers and blobs";
Get Container ACL, ``x-ms-blob-public-access``): ``container`` lets anonymous clients read blobs and list
the container, ``blob`` lets them read blobs by name only. docs/storage.md said both work with
``AZURE_NO_SIGN_REQUEST=YES``; a prefix, a glob or a dataset scan lists, and at ``blob`` level the
listing is refused. The refusal said "only a public container takes" unsigned requests, wrong for a
container that is public; now a refused listing says a container public at ``blob`` level cannot be
listed anonymously, and names the way out (one blob by name, or ``container`` level)."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import CtloopError
from tests.fixtures.object_stores import AZURITE_ACCOUNT, azurite_connection_string


@pytest.fixture
def blob_level(azurite_url, monkeypatch):
    """``az://<container public at blob level>/d`` holding ``d/x.csv``, the environment unsigned."""
    import uuid

    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(azurite_connection_string(azurite_url))
    name = f"fix46c-{uuid.uuid4().hex[:12]}"
    service.create_container(name, public_access="blob")
    service.get_container_client(name).upload_blob("d/x.csv", b"a\n1\n")
    for variable in [v for v in storage.os.environ if v.startswith("AZURE_")]:
        monkeypatch.delenv(variable)
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        f"AccountName={AZURITE_ACCOUNT};BlobEndpoint={azurite_url};",
    )
    monkeypatch.setenv("AZURE_NO_SIGN_REQUEST", "YES")
    yield f"az://{name}/d"
    service.delete_container(name)


def test_one_blob_is_read_by_name(blob_level):
    assert storage.read_bytes(f"{blob_level}/x.csv") == b"a\n1\n"


def test_a_listing_says_blob_level_cannot_be_listed(blob_level):
    with pytest.raises(CtloopError) as caught:
        storage.list_files(blob_level)
    message = str(caught.value)
    assert "\n" not in message
    assert "AZURE_NO_SIGN_REQUEST=YES" in message
    assert "a container public at `blob` level cannot be listed anonymously" in message


def test_a_glob_says_it_too(blob_level):
    with pytest.raises(CtloopError, match="cannot be listed anonymously"):
        storage.list_files(f"{blob_level}/*.csv")
