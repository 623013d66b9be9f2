"""A public Google Cloud Storage bucket could not be read without credentials (round 45, storage).

With no Application Default Credentials every ``gs://`` read stopped with "no Google Cloud
credentials", also for a bucket readable by ``allUsers``. Now ``GS_NO_SIGN_REQUEST=YES`` (GDAL's
variable) makes google-cloud-storage's anonymous client (``Client.create_anonymous_client``: no
credentials looked for, none sent) and pyarrow's ``GcsFileSystem(anonymous=True)``. No request is
sent here (the emulator is anonymous anyway): the client's credentials are checked."""

from __future__ import annotations

import os

import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from tests.fixtures.object_stores import isolated_env
from tests.fixtures.servers import free_port


@pytest.fixture
def no_credentials(tmp_path, monkeypatch):
    env = isolated_env(tmp_path / "home", free_port())
    for name in [k for k in os.environ if k not in env]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(storage._GCS_CLIENTS, "client", None, raising=False)


def test_a_public_bucket_gets_the_anonymous_client(no_credentials, monkeypatch):
    from google.auth.credentials import AnonymousCredentials

    monkeypatch.setenv("GS_NO_SIGN_REQUEST", "YES")
    loc = storage.parse("gs://gcp-public-data-landsat/index.csv.gz")
    assert isinstance(storage._Gcs().client(loc)._credentials, AnonymousCredentials)
    fs, path = storage.filesystem("gs://gcp-public-data-landsat/LC08")  # before: "no Google Cloud credentials"
    assert path == "gcp-public-data-landsat/LC08"


def test_a_value_neither_yes_nor_no_is_refused(no_credentials, monkeypatch):
    monkeypatch.setenv("GS_NO_SIGN_REQUEST", "public")
    with pytest.raises(ConfigError, match=r"^GS_NO_SIGN_REQUEST 'public' is neither YES nor NO"):
        storage._Gcs().client(storage.parse("gs://bucket/x.csv"))
