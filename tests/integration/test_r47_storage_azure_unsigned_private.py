"""An unsigned read of a private Azure container (round 47; Azurite).

With ``AZURE_NO_SIGN_REQUEST`` ctloop sends no Authorization header. Azure answers an anonymous
request to a container that is not public with 404 ``ResourceNotFound`` ("The specified resource does
not exist"), not 403, so as not to tell that the container or blob exists. ctloop then said the blob
(or, listing, the folder) does not exist, and nothing about the unsigned request: a user with the data
right there looked for a typo. Now such a 404 with ``AZURE_NO_SIGN_REQUEST`` set names both: the name,
or a private container.

Azurite 3 answers such a request 403 ``AuthorizationFailure`` (which ctloop already explains), so
``AzureHidesPrivate`` is the session's Azurite behind a proxy answering an unsigned request that
Azurite refused as Azure does: 404, ``x-ms-error-code: ResourceNotFound``."""

from __future__ import annotations

import uuid

import pytest

from ctloop import storage
from ctloop.errors import CtloopError
from tests.fixtures.object_stores import AZURITE_ACCOUNT, azurite_connection_string
from tests.fixtures.servers import ProxyDouble, ProxyHandler


class AzureHidesPrivate(ProxyDouble):
    """Double of Azure Blob's answer to an anonymous request to a private container: 404
    ResourceNotFound where Azurite refuses it with 403."""

    def __init__(self, upstream: str) -> None:
        class Handler(ProxyHandler):
            def relay_answer(self, status, headers, data) -> None:
                if status == 403 and not self.headers.get("Authorization"):
                    error = (
                        b'<?xml version="1.0" encoding="utf-8"?><Error><Code>ResourceNotFound</Code>'
                        b"<Message>The specified resource does not exist.</Message></Error>"
                    )
                    self.send_response(404)
                    self.send_header("x-ms-error-code", "ResourceNotFound")
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(error)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(error)
                    return
                super().relay_answer(status, headers, data)

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture
def private(azurite_url, monkeypatch):
    """``az://<private container>/d`` holding ``d/x.csv``, the environment unsigned."""
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(azurite_connection_string(azurite_url))
    name = f"r47-{uuid.uuid4().hex[:12]}"
    service.create_container(name)
    service.get_container_client(name).upload_blob("d/x.csv", b"a\n1\n")
    for variable in [v for v in storage.os.environ if v.startswith("AZURE_")]:
        monkeypatch.delenv(variable)
    root = azurite_url.removesuffix(f"/{AZURITE_ACCOUNT}")  # the fixture's URL: <root>/<account>
    proxy = AzureHidesPrivate(root)
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        f"AccountName={AZURITE_ACCOUNT};BlobEndpoint={proxy.url}/{AZURITE_ACCOUNT};",
    )
    monkeypatch.setenv("AZURE_NO_SIGN_REQUEST", "YES")
    yield f"az://{name}/d"
    proxy.close()
    service.delete_container(name)


def _said(call) -> str:
    with pytest.raises(CtloopError) as caught:
        call()
    return str(caught.value)


def test_reading_a_blob_of_a_private_container_names_the_unsigned_request(private):
    message = _said(lambda: storage.read_bytes(f"{private}/x.csv"))
    assert "\n" not in message
    assert "AZURE_NO_SIGN_REQUEST=YES" in message
    assert "private" in message


def test_listing_a_private_container_names_the_unsigned_request(private):
    message = _said(lambda: storage.list_files(private))
    assert "AZURE_NO_SIGN_REQUEST=YES" in message
    assert "private" in message


def test_exists_names_the_unsigned_request_too(private):
    """``exists`` (the Azure SDK's ``BlobClient.exists``) took the 404 for "no such blob": a dataset
    scan's error (``arrow_error`` asks ``exists`` for the store's own message) and every
    look-before-write went on as if nothing were there."""
    message = _said(lambda: storage.exists(f"{private}/x.csv"))
    assert "AZURE_NO_SIGN_REQUEST=YES" in message and "private" in message


def test_exists_of_a_missing_blob_of_a_public_container_is_false(azurite_url, monkeypatch):
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(azurite_connection_string(azurite_url))
    name = f"r47-{uuid.uuid4().hex[:12]}"
    service.create_container(name, public_access="container")
    try:
        for variable in [v for v in storage.os.environ if v.startswith("AZURE_")]:
            monkeypatch.delenv(variable)
        monkeypatch.setenv(
            "AZURE_STORAGE_CONNECTION_STRING",
            f"AccountName={AZURITE_ACCOUNT};BlobEndpoint={azurite_url};",
        )
        monkeypatch.setenv("AZURE_NO_SIGN_REQUEST", "YES")
        assert storage.exists(f"az://{name}/d/none.csv") is False  # BlobNotFound: nothing there
    finally:
        service.delete_container(name)
