"""An Azure download cut short every time read "Azure refused the request ()" (round 46, storage).

azure-storage-blob reads a download's body again when it stops early (``IncompleteReadError``: the
connection closed before Content-Length bytes came), 3 times with a second between
(``azure/storage/blob/_download.py``, ``_ChunkDownloader._download_chunk`` and
``StorageStreamDownloader._initial_request``, azure-storage-blob 12.x), then raises an
``HttpResponseError`` wrapping it, with no status and no code. ctloop printed that as
``az://c/x.bin: Azure refused the request ()``: no request was refused, and nothing said where to look.
Now it says the download was cut short, as for S3 (round 44), naming the endpoint. A download cut short
once is read again, as before.

Azurite behind ``CutShort``, a proxy double relaying the first ``cuts`` downloads (GET 200 or 206 of a
blob) with their full Content-Length and half their bytes, then closing the connection."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import Store, azurite_connection_string, fresh_bucket
from tests.fixtures.servers import HOP_HEADERS, ProxyDouble, ProxyHandler

DATA = bytes(range(256)) * 64  # 16 KiB


class CutShort(ProxyDouble):
    def __init__(self, upstream: str, cuts: int) -> None:
        double = self
        self.cut = 0

        class Handler(ProxyHandler):
            def relay_answer(self, status, headers, data) -> None:
                if self.command != "GET" or status not in (200, 206) or "comp=" in self.path or double.cut >= cuts:
                    return super().relay_answer(status, headers, data)
                double.cut += 1
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in HOP_HEADERS:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture
def root(azurite_url, tmp_path, monkeypatch):
    store = Store("az", azurite_url, {"AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string(azurite_url)})
    root = fresh_bucket(store, monkeypatch, tmp_path / "home", "d")
    storage.write_bytes(f"{root}/x.bin", DATA)
    return root


def _through(azurite_url, monkeypatch, cuts: int) -> CutShort:
    proxy = CutShort(azurite_url, cuts)
    account = azurite_url.rsplit("/", 1)[1]
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_connection_string(f"{proxy.url}/{account}"))
    return proxy


def test_a_download_cut_short_every_time_says_so(azurite_url, root, monkeypatch):
    proxy = _through(azurite_url, monkeypatch, cuts=10)
    try:
        with pytest.raises(DataSourceError) as caught:
            storage.read_bytes(f"{root}/x.bin")
    finally:
        proxy.close()
    said = str(caught.value)
    assert proxy.cut == 3  # the SDK's own three reads
    assert said.startswith(f"{root}/x.bin: the download was cut short 3 times (")
    assert said.endswith(f"): check the network path to {proxy.url}/devstoreaccount1 (a proxy or load balancer "
                         "timeout)")
    assert "refused" not in said and "\n" not in said, said


def test_a_download_cut_short_once_is_read_again(azurite_url, root, monkeypatch):
    proxy = _through(azurite_url, monkeypatch, cuts=1)
    try:
        assert storage.read_bytes(f"{root}/x.bin") == DATA
    finally:
        proxy.close()
    assert proxy.cut == 1
