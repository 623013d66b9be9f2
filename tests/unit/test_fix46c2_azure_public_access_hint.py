"""The blob-level hint of a refused unsigned Azure listing only where the container refused it
(fix 46 C2, item 4).

Fix 46 C added "a container public at `blob` level cannot be listed anonymously" to every refused
unsigned listing (``AZURE_NO_SIGN_REQUEST``), also to 409 ``PublicAccessNotPermitted``: the storage
account forbids anonymous access (Azure docs, "Prevent anonymous read access to containers and blobs":
"Public access is not permitted on this storage account.", 409), where no container level helps and
"make it public at `container` level" sends the user the wrong way. Now only a 401 or 403 (a private
container, or one public at blob level) carries it.

Azurite does not model the account setting, so the refusal is azure-core's own ``HttpResponseError``
around ``AzureResponse``, a double of the service's answer (status, reason, ``x-ms-error-code``)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from ctloop import storage
from ctloop.errors import DataSourceError
from ctloop.storage import Location


class AzureResponse:
    """Double of a Blob service error answer, as far as azure-core reads one."""

    def __init__(self, status: int, reason: str, code: str) -> None:
        self.status_code, self.reason = status, reason
        self.headers = {"x-ms-error-code": code}
        self.request = None

    def text(self, *args) -> str:
        return ""


LOC = Location(uri="az://c/d", scheme="az", bucket="c", key="d")


def _refusal(status: int, reason: str, code: str, listing: bool) -> str:
    error = HttpResponseError(message=reason, response=AzureResponse(status, reason, code))
    with pytest.raises(DataSourceError) as caught, storage._Azure().errors(LOC, listing=listing):
        raise error
    return str(caught.value)


@pytest.fixture(autouse=True)
def unsigned(monkeypatch):
    monkeypatch.setenv("AZURE_NO_SIGN_REQUEST", "YES")


def test_an_account_that_forbids_public_access_gets_no_blob_level_hint():
    message = _refusal(
        409,
        "Public access is not permitted on this storage account.",
        "PublicAccessNotPermitted",
        listing=True,
    )
    assert "AZURE_NO_SIGN_REQUEST=YES sends unsigned requests" in message
    assert "blob` level" not in message and "container` level" not in message


@pytest.mark.parametrize(
    ("status", "code"), [(403, "AuthorizationFailure"), (401, "NoAuthenticationInformation")]
)
def test_a_refused_listing_of_a_container_keeps_it(status, code):
    message = _refusal(status, "refused", code, listing=True)
    assert "a container public at `blob` level cannot be listed anonymously" in message
    assert "blob` level" not in _refusal(status, "refused", code, listing=False)
