"""Azure accounts of other clouds (Azure Government, Azure China) in pyarrow's AzureFileSystem
(round 47).

A connection string with ``EndpointSuffix=core.usgovcloudapi.net`` names the account's blob host
``<account>.blob.core.usgovcloudapi.net``; the Azure SDK for Python reads and writes there. pyarrow
25.0.1 builds an account URL as ``<account><authority>`` from an authority starting with ``.``, else
as ``<authority>/<account>``, its emulator form (apache/arrow ``cpp/src/arrow/filesystem/azurefs.cc``
``BuildBaseUrl``). ctloop gave it the host itself, so every dataset scan asked for
``<account>.blob.<cloud>/<account>/<container>/…`` (a container named like the account), and its Data
Lake calls went to the blob host. Now it is given ``.blob.<cloud>`` and ``.dfs.<cloud>``; an emulator's
``<host:port>/<account>`` stays as it was.

Observed, not assumed: ``http_proxy`` (which the libcurl under Arrow's Azure SDK reads) points at a
double that records each request's line and ``Host`` and answers 400, over ``DefaultEndpointsProtocol=
http`` so the path is not inside a TLS tunnel; nothing leaves the machine. Arrow's first request is its
hierarchical-namespace check, a Data Lake ``HEAD <container>/?action=getAccessControl``."""

from __future__ import annotations

import base64
import socket
import threading

import pytest

from ctloop import storage


class Recorder:
    """A proxy double on loopback: each request's first line and Host header, answered 400 (which the Azure SDK does not retry)."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.seen: list[tuple[str, str]] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                lines = conn.recv(8192).decode("latin-1").split("\r\n")
                host = next(
                    (
                        line.split(":", 1)[1].strip()
                        for line in lines
                        if line.lower().startswith("host:")
                    ),
                    "",
                )
                self.seen.append((lines[0], host))
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    def close(self) -> None:
        self.server.close()


KEY = base64.b64encode(b"k" * 64).decode()


@pytest.mark.parametrize(
    ("endpoints", "host", "line"),
    [
        (
            "EndpointSuffix=core.usgovcloudapi.net",
            "acct.dfs.core.usgovcloudapi.net",
            "HEAD /data/?action=",
        ),
        (
            "EndpointSuffix=core.chinacloudapi.cn",
            "acct.dfs.core.chinacloudapi.cn",
            "HEAD /data/?action=",
        ),
        # a Private Link name of the account (what the private endpoint's DNS zone resolves)
        (
            "BlobEndpoint=http://acct.privatelink.blob.core.windows.net",
            "acct.privatelink.dfs.core.windows.net",
            "HEAD /data/?action=",
        ),
        # an emulator's (Azurite's) form: <host:port>/<account>, as before
        (
            "BlobEndpoint=http://azurite.example:10000/acct",
            "azurite.example:10000",
            "HEAD /acct/data/?action=",
        ),
    ],
    ids=["usgov", "china", "privatelink", "emulator"],
)
def test_pyarrow_asks_for_the_account_of_its_cloud(monkeypatch, endpoints, host, line):
    for name in [k for k in storage.os.environ if k.startswith("AZURE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        f"DefaultEndpointsProtocol=http;AccountName=acct;AccountKey={KEY};{endpoints}",
    )
    proxy = Recorder()
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    try:
        fs, path = storage.filesystem("az://data/log/x.parquet")
        assert path == "data/log/x.parquet"
        with pytest.raises(OSError):
            fs.get_file_info(path)
    finally:
        proxy.close()
    assert proxy.seen, "pyarrow sent nothing"
    first, sent_to = proxy.seen[0]
    assert sent_to == host
    assert first.startswith(line)  # "HEAD /acct/data/..." on acct.blob.<cloud> before


def test_kserve_storage_uri_of_another_cloud_is_refused(monkeypatch):
    """KServe 0.20's storage initializer takes Azure models only as
    ``https://<account>.blob.core.windows.net/...`` (the default ClusterStorageContainer's
    ``supportedUriFormats``, charts/kserve-resources/templates/clusterstoragecontainer.yaml):
    ctloop wrote that form for an Azure Government account too, and the predictor would have
    downloaded from the public-cloud account of that name (someone else's, or none)."""
    for name in [k for k in storage.os.environ if k.startswith("AZURE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={KEY};EndpointSuffix=core.usgovcloudapi.net",
    )
    with pytest.raises(storage.ConfigError) as told:
        storage.kserve_storage_uri("az://models/credit/1")
    message = str(told.value)
    assert "\n" not in message
    assert "acct.blob.core.usgovcloudapi.net" in message and "blob.core.windows.net" in message


def test_kserve_storage_uri_of_the_public_cloud_unchanged(monkeypatch):
    for name in [k for k in storage.os.environ if k.startswith("AZURE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", f"AccountName=acct;AccountKey={KEY}")
    assert (
        storage.kserve_storage_uri("az://models/credit/1")
        == "https://acct.blob.core.windows.net/models/credit/1"
    )
