"""A read-only SAS scoped to one blob (no List permission) could not read that blob named on its
own (review revE, finding 4): ``refuse_unlistable`` (2018791) listed the blob's directory through the
SDK before every Azure source, the listing was refused, and the message said the SAS "was refused or
has expired"; behind it, pyarrow's own look-up of the blob is a listing too (GetFileInfo on a flat
namespace: ListBlobsByHierarchy, apache/arrow cpp/src/arrow/filesystem/azurefs.cc, pyarrow 25.0.1),
and pyarrow was handed the SAS without its '?', which it appends to the account URL as it is: a path
segment, every request failed, with any SAS. Now a source without a glob that names a blob is not
listed (the SDK says it is a blob when pyarrow's listing is refused), the SAS reaches pyarrow with its
'?', and a listing the credentials may not make says "the credentials cannot list (List permission)".
Azurite 3.37.0 (a blob SAS, sr=b, signs no container operation; a container SAS without 'l' may not
list)."""

from __future__ import annotations

import datetime

import pytest

from ctloop.drift import streaming
from ctloop.errors import CtloopError
from tests.fixtures.object_stores import (
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    azurite,
    azurite_connection_string,
    isolated_env,
)
from tests.fixtures.servers import free_port

CSV = b"a,b\n1,2\n3,4\n"


@pytest.fixture(scope="module")
def account(tmp_path_factory):
    from azure.storage.blob import BlobServiceClient

    with azurite(tmp_path_factory.mktemp("azurite")) as url:
        service = BlobServiceClient.from_connection_string(azurite_connection_string(url))
        container = service.create_container("sales")
        container.upload_blob("d/x.csv", CSV)
        container.upload_blob("d/y.csv", CSV)
        yield url


def _sas(kind: str) -> str:
    from azure.storage.blob import (
        BlobSasPermissions,
        ContainerSasPermissions,
        generate_blob_sas,
        generate_container_sas,
    )

    expiry = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    if kind == "container-read-list":
        return generate_container_sas(AZURITE_ACCOUNT, "sales", account_key=AZURITE_KEY,
                                      permission=ContainerSasPermissions(read=True, list=True), expiry=expiry)
    if kind == "blob":
        return generate_blob_sas(AZURITE_ACCOUNT, "sales", "d/x.csv", account_key=AZURITE_KEY,
                                 permission=BlobSasPermissions(read=True), expiry=expiry)
    return generate_container_sas(AZURITE_ACCOUNT, "sales", account_key=AZURITE_KEY,
                                  permission=ContainerSasPermissions(read=True), expiry=expiry)


def _use(monkeypatch, tmp_path, url: str, sas: str) -> None:
    import os

    env = isolated_env(tmp_path / "home", free_port())
    for name in [k for k in os.environ if k not in env]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING",
                       f"AccountName={AZURITE_ACCOUNT};BlobEndpoint={url};SharedAccessSignature={sas}")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["blob", "container-read-no-list", "container-read-list"])
def test_a_read_only_sas_reads_the_blob_it_names(account, monkeypatch, tmp_path, kind):
    _use(monkeypatch, tmp_path, account, _sas(kind))
    assert streaming.open_source("az://sales/d/x.csv").count_rows() == 2


@pytest.mark.slow
@pytest.mark.parametrize("source", ["az://sales/d", "az://sales/d/*.csv"])
def test_a_listing_the_sas_may_not_make_says_so(account, monkeypatch, tmp_path, source):
    _use(monkeypatch, tmp_path, account, _sas("container-read-no-list"))
    with pytest.raises(CtloopError) as caught:
        streaming.open_source(source)
    message = str(caught.value)
    assert "cannot list" in message and "List permission" in message, message
    assert "expired" not in message.split("(")[0] and "\n" not in message


@pytest.mark.slow
@pytest.mark.parametrize("source", ["az://sales/d", "az://sales/d/*.csv"])
def test_a_sas_that_may_list_reads_a_prefix_and_a_glob(account, monkeypatch, tmp_path, source):
    """pyarrow took the SAS without its '?' as a path segment of every request (apache/arrow
    cpp/src/arrow/filesystem/azurefs.cc: AccountBlobUrl(account) + sas_token_, pyarrow 25.0.1)."""
    _use(monkeypatch, tmp_path, account, _sas("container-read-list"))
    assert streaming.open_source(source).count_rows() == 4
