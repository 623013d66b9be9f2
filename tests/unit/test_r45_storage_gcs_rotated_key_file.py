"""A Google Cloud key file rotated in place was never read again (round 45, storage).

ctloop keeps one google-cloud-storage client per thread and GOOGLE_*/CLOUDSDK_* environment, and the
client reads the service account key file named by ``GOOGLE_APPLICATION_CREDENTIALS`` once. A key
mounted from a Kubernetes Secret is replaced in place when the Secret is rotated (same path, same
environment), so a long-running process kept signing token requests with the deleted key ("invalid_grant")
until it was restarted. Now a changed file (inode, size, modification time) makes a new client; an
unchanged one keeps it. No request is sent: which key the client holds is read from its credentials."""

from __future__ import annotations

import json
import os

import pytest

from ctloop import storage


def _key_file(path, email: str) -> None:
    """A service account key file (JSON, a fresh RSA key), replaced whole as the kubelet does."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    new = path.with_name(path.name + ".new")
    new.write_text(json.dumps({
        "type": "service_account", "project_id": "ctloop-test", "private_key_id": email[:8],
        "private_key": pem, "client_email": email, "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }))
    os.replace(new, path)


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    for name in [k for k in os.environ if k.startswith(("GOOGLE_", "GCE_", "STORAGE_EMULATOR_HOST", "CLOUDSDK_"))]:
        monkeypatch.delenv(name)
    path = tmp_path / "key.json"
    _key_file(path, "old@ctloop-test.iam.gserviceaccount.com")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    monkeypatch.setattr(storage._GCS_CLIENTS, "client", None, raising=False)
    return path


def test_a_key_rotated_in_its_file_makes_a_new_client(key_file):
    loc = storage.parse("gs://bucket/x.csv")
    first = storage._Gcs().client(loc)
    assert first._credentials.service_account_email == "old@ctloop-test.iam.gserviceaccount.com"
    _key_file(key_file, "new@ctloop-test.iam.gserviceaccount.com")
    client = storage._Gcs().client(loc)
    assert client._credentials.service_account_email == "new@ctloop-test.iam.gserviceaccount.com"


def test_an_unchanged_key_file_keeps_the_client(key_file):
    loc = storage.parse("gs://bucket/x.csv")
    assert storage._Gcs().client(loc) is storage._Gcs().client(loc)
