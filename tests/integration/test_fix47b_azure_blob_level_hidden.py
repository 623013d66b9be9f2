"""Listing, unsigned, a container public at ``blob`` level on Azure itself (fix 47 B; Azurite).

Azure answers an anonymous request it does not serve with 404 ``ResourceNotFound``, not 403
(round 47): so also a listing of a container public at ``blob`` level, whose blobs anonymous
clients read by name only (Azure's public access levels; Get Container ACL,
``x-ms-blob-public-access``). Round 47's message for that 404 said "private container" without the
blob-level sentence fix 46 C gave the 403 (name one blob, or make it public at ``container`` level):
a user whose container is public was told it might be private. Now a listing answered so names
both.

``AzureHidesPrivate`` (round 47's double) is the session's Azurite behind a proxy answering an
unsigned request Azurite refused with 403 as Azure does: 404, ``x-ms-error-code: ResourceNotFound``."""

from __future__ import annotations

import uuid

import pytest

from ctloop import storage
from ctloop.errors import CtloopError
from tests.fixtures.object_stores import AZURITE_ACCOUNT, azurite_connection_string
from tests.integration.test_r47_storage_azure_unsigned_private import (
    AzureHidesPrivate,
    private,  # noqa: F401 - the fixture, used by name
)


@pytest.fixture
def blob_level(azurite_url, monkeypatch):
    """``az://<container public at blob level>/d`` holding ``d/x.csv``, unsigned, behind the double."""
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(azurite_connection_string(azurite_url))
    name = f"fix47b-{uuid.uuid4().hex[:12]}"
    service.create_container(name, public_access="blob")
    service.get_container_client(name).upload_blob("d/x.csv", b"a\n1\n")
    for variable in [v for v in storage.os.environ if v.startswith("AZURE_")]:
        monkeypatch.delenv(variable)
    proxy = AzureHidesPrivate(azurite_url.removesuffix(f"/{AZURITE_ACCOUNT}"))
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        f"AccountName={AZURITE_ACCOUNT};BlobEndpoint={proxy.url}/{AZURITE_ACCOUNT};",
    )
    monkeypatch.setenv("AZURE_NO_SIGN_REQUEST", "YES")
    yield f"az://{name}/d"
    proxy.close()
    service.delete_container(name)


def test_a_listing_answered_resource_not_found_names_blob_level(blob_level):
    # public: one blob by name is read
    assert storage.read_bytes(f"{blob_level}/x.csv") == b"a\n1\n"
    with pytest.raises(CtloopError) as caught:
        storage.list_files(blob_level)
    message = str(caught.value)
    assert "\n" not in message
    assert "ResourceNotFound" in message and "AZURE_NO_SIGN_REQUEST=YES" in message
    assert (
        "a container public at `blob` level cannot be listed anonymously either (name one blob"
        in message
    )


def test_a_blob_read_by_name_says_nothing_of_listing(private):  # noqa: F811
    with pytest.raises(CtloopError) as caught:
        storage.read_bytes(f"{private}/x.csv")  # ResourceNotFound (the double), read by name
    assert "ResourceNotFound" in str(caught.value) and "listed" not in str(caught.value)
