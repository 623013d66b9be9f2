"""GOOGLE_APPLICATION_CREDENTIALS naming a directory, or a file that is no key (binary, another
JSON), set by a Secret mounted at the wrong path: a directory was an IsADirectoryError traceback,
and a bad file the generic "no Google Cloud credentials" line that does not say the variable's
file was read and refused. One ConfigError naming the variable and what google-auth found. No
request leaves the host: google-auth fails on the file before any token exchange."""

from __future__ import annotations

import os

import pytest

from ctloop import storage
from ctloop.errors import ConfigError


@pytest.mark.parametrize("kind", ["directory", "binary", "other json"])
def test_a_credentials_file_that_is_no_key_is_one_line_naming_the_variable(monkeypatch, tmp_path, kind):
    path = tmp_path / "key.json"
    if kind == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"\x89PNG\xff\xfe" if kind == "binary" else b'{"type": "weird"}')
    for name in [k for k in os.environ if k.startswith(("GOOGLE_", "GCE_", "CLOUDSDK_", "STORAGE_EMULATOR"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud-absent"))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    with pytest.raises(ConfigError) as err:
        storage.read_bytes("gs://bucket/k.csv")
    message = str(err.value)
    assert "GOOGLE_APPLICATION_CREDENTIALS" in message and str(path) in message and "\n" not in message


def test_user_credentials_without_a_project_make_a_client(monkeypatch, tmp_path):
    """`gcloud auth application-default login` writes authorized_user credentials with no project:
    google-cloud-storage 3.17.1 ``Client()`` raised "Project was not passed and could not be
    determined" (and the refusal blamed the good file); reading objects needs no project, and
    ``Client(project=None)`` asks for none (``client.py``: ``no_project``). No request is sent."""
    path = tmp_path / "application_default_credentials.json"
    path.write_text('{"type": "authorized_user", "client_id": "x.apps.googleusercontent.com", '
                    '"client_secret": "s", "refresh_token": "r"}')
    for name in [k for k in os.environ if k.startswith(("GOOGLE_", "GCE_", "CLOUDSDK_", "STORAGE_EMULATOR"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud-absent"))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    client = storage.gcs_client()
    assert client.bucket("b").name == "b"
