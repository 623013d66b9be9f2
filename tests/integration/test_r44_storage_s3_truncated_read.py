"""An S3 download cut short (round 44, storage).

botocore retries a request whose answer did not come (standard mode), but not the reading of a body
that stopped early: ``get_object()["Body"].read()`` raises ``IncompleteReadError`` (botocore
response.py, ``StreamingBody._verify_content_length``) or ``ResponseStreamingError`` (the connection
reset mid-body), outside the retried call. A load balancer's idle timeout or a pod restart cutting
one download failed the whole job (``DataSourceError``), where GCS's and Azure's downloads retry.
Now ``read_bytes`` asks again, ``storage.ATTEMPTS`` times in all, like any other request.

moto's S3 server behind a proxy double that relays the first GET of a key with its full
Content-Length and only half the bytes, then closes the connection."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import Store, fresh_bucket, moto_s3, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler

DATA = bytes(range(256)) * 64  # 16 KiB


class CutShort(ProxyDouble):
    """Relays everything; the first ``cuts`` GETs of an object are sent with their full
    Content-Length but half their bytes, then the connection is closed."""

    def __init__(self, upstream: str, cuts: int) -> None:
        double = self
        self.cut = 0

        class Handler(ProxyHandler):
            def relay_answer(self, status, headers, data) -> None:
                if (
                    self.command == "GET"
                    and status == 200
                    and "list-type" not in self.path
                    and double.cut < cuts
                ):
                    double.cut += 1
                    self.send_response(status)
                    for name, value in headers:
                        if name.lower() not in (
                            "connection",
                            "keep-alive",
                            "transfer-encoding",
                            "content-length",
                        ):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                super().relay_answer(status, headers, data)

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    with moto_s3(tmp_path_factory.mktemp("moto")) as url:
        yield url


@pytest.fixture
def root(moto, tmp_path, monkeypatch):
    root = fresh_bucket(Store("s3", moto, s3_env(moto)), monkeypatch, tmp_path / "home", "data")
    storage.write_bytes(f"{root}/x.parquet", DATA)
    return root


def test_a_download_cut_short_once_is_read_again(moto, root, monkeypatch):
    proxy = CutShort(moto, cuts=1)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        assert storage.read_bytes(f"{root}/x.parquet") == DATA
        assert proxy.cut == 1
    finally:
        proxy.close()


def test_a_download_cut_short_every_time_fails_naming_it(moto, root, monkeypatch):
    proxy = CutShort(moto, cuts=99)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        with pytest.raises(
            DataSourceError, match=r"x\.parquet.*(cut short|IncompleteRead|Connection)"
        ):
            storage.read_bytes(f"{root}/x.parquet")
        assert proxy.cut == storage.ATTEMPTS
    finally:
        proxy.close()
