"""A conditional create whose answer was lost after the store kept the object (round 44, storage).

The SDKs retry a PUT whose connection broke before the answer came (botocore standard mode,
azure-core's RetryPolicy, google-cloud-storage's ConditionalRetryPolicy for ``ifGenerationMatch``).
When the store had kept the first attempt, the retry is refused as "taken" (412 / 409 BlobAlreadyExists),
and ``create_bytes`` answered False: "another writer made it" — for the object it had just made.
Now each create sends a token of its own in the object's metadata and, refused, reads the metadata
back: its own token there means it made the object.

The store is the real server (moto 5, Azurite, the GCS emulator) behind a proxy double that forwards the first
conditional PUT of the created name and then closes the connection without relaying the answer."""

from __future__ import annotations

import pytest

from ctloop import storage
from tests.fixtures.object_stores import (
    Store,
    azurite,
    azurite_connection_string,
    fresh_bucket,
    moto_s3,
    s3_env,
)
from tests.fixtures.servers import ProxyDouble, ProxyHandler
from tests.integration.test_r42_storage_gcs_if_generation_match import GenerationMatchDouble

NAME = "manifest.json"


class AnswerLost(ProxyDouble):
    """Forwards everything; the first conditional PUT (``If-None-Match: *``) of a path ending with
    ``NAME`` (S3, Azure), or upload with ``ifGenerationMatch=0`` (GCS's JSON API), is forwarded and its answer dropped (the connection closed), as a load balancer's idle
    timeout or a broken connection does. ``lost`` counts the answers dropped."""

    def __init__(self, upstream: str) -> None:
        double = self
        self.lost = 0

        class Handler(ProxyHandler):
            def relay_answer(self, status, headers, data) -> None:
                conditional = (
                    (
                        self.command == "PUT"
                        and self.headers.get("If-None-Match") == "*"
                        and self.path.split("?")[0].endswith(NAME)
                    )  # S3, Azure
                    or (self.command == "POST" and "ifGenerationMatch=0" in self.path)
                )  # GCS
                if conditional and not double.lost:
                    double.lost += 1
                    self.close_connection = True
                    return
                super().relay_answer(status, headers, data)

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    with moto_s3(tmp_path_factory.mktemp("moto")) as url:
        yield url


@pytest.fixture(scope="module")
def azurite_url(tmp_path_factory):
    with azurite(tmp_path_factory.mktemp("azurite")) as url:
        yield url


def test_s3_create_whose_answer_was_lost_is_this_writers(moto, tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "_S3_CONDITIONAL", {})
    monkeypatch.setattr(storage, "_S3_REFUSAL", {})
    root = fresh_bucket(Store("s3", moto, s3_env(moto)), monkeypatch, tmp_path / "home", "data")
    proxy = AnswerLost(moto)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        assert storage.create_bytes(f"{root}/{NAME}", b'{"key": "id"}') is True
        assert proxy.lost == 1  # the first attempt's answer was dropped, the retry refused
        assert storage.read_bytes(f"{root}/{NAME}") == b'{"key": "id"}'
        # another writer's create of the same name is still refused, with the same bytes too
        assert storage.create_bytes(f"{root}/{NAME}", b'{"key": "id"}') is False
    finally:
        proxy.close()


def test_s3_create_refused_for_an_object_another_writer_made(moto, tmp_path, monkeypatch):
    root = fresh_bucket(Store("s3", moto, s3_env(moto)), monkeypatch, tmp_path / "home", "data")
    storage.write_bytes(f"{root}/{NAME}", b"theirs")  # made without ctloop's token (another tool)
    assert storage.create_bytes(f"{root}/{NAME}", b"theirs") is False


def test_azure_create_whose_answer_was_lost_is_this_writers(azurite_url, tmp_path, monkeypatch):
    store = Store(
        "az",
        azurite_url,
        {"AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string(azurite_url)},
    )
    root = fresh_bucket(store, monkeypatch, tmp_path / "home", "data")
    proxy = AnswerLost(azurite_url)
    account = azurite_url.rsplit("/", 1)[1]
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING", azurite_connection_string(f"{proxy.url}/{account}")
    )
    try:
        assert storage.create_bytes(f"{root}/{NAME}", b'{"key": "id"}') is True
        assert proxy.lost == 1
        assert storage.read_bytes(f"{root}/{NAME}") == b'{"key": "id"}'
        assert storage.create_bytes(f"{root}/{NAME}", b'{"key": "id"}') is False
    finally:
        proxy.close()


def test_gcs_create_whose_answer_was_lost_is_this_writers(gcs, gcs_bucket, monkeypatch, gcs_url):
    # the emulator ignores ifGenerationMatch: round 42's double of GCS's 412 stands in front of it
    generation = GenerationMatchDouble(gcs_url)
    proxy = AnswerLost(generation.url)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    root = f"gs://{gcs_bucket}/data"
    try:
        assert storage.create_bytes(f"{root}/{NAME}", b'{"key": "id"}') is True
        assert proxy.lost == 1
        assert storage.read_bytes(f"{root}/{NAME}") == b'{"key": "id"}'
        assert storage.create_bytes(f"{root}/{NAME}", b'{"key": "id"}') is False
    finally:
        proxy.close()
        generation.close()
