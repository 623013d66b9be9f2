"""A service account's token refused for this machine's clock, reported as refused credentials
(round 44, storage).

google-auth signs a JWT assertion with this machine's clock (``iat``, ``exp`` an hour later) and
trades it for a token at the key file's ``token_uri``; Google refuses an assertion outside its own
clock's window with 400 ``invalid_grant``, "Invalid JWT: Token must be a short-lived token (60
minutes) and in a reasonable timeframe. Check your iat and exp values and use a clock with skew to
account for clock differences between systems." (the endpoint's answer as quoted in
googleapis/google-api-php-client#1501 and fastlane/fastlane#14972). ctloop said "the Google Cloud
credentials ... were refused: set GOOGLE_APPLICATION_CREDENTIALS to a service account key file ...",
and the key was fine. Now the line names the clock.

``SkewedTokenEndpoint`` is a double of that endpoint whose clock runs two hours ahead: it decodes the
assertion's claims and refuses one already expired by its clock, with Google's body. No request
leaves the host (the token is refused before any storage request)."""

from __future__ import annotations

import base64
import json
import os
import time
from urllib.parse import parse_qs

import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from tests.fixtures.servers import InThreadServer, JsonHandler

AHEAD_S = 2 * 3600
GOOGLE_SAYS = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your "
    "iat and exp values and use a clock with skew to account for clock differences between systems."
)


class TokenHandler(JsonHandler):
    """OAuth 2.0 token endpoint (JWT bearer grant) with a clock ``AHEAD_S`` ahead of this machine."""

    def do_POST(self):  # noqa: N802 - http.server's name
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        assertion = form["assertion"][0]
        claims = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "=="))
        if claims["exp"] < time.time() + AHEAD_S:  # expired by this endpoint's clock
            self.send_json(400, {"error": "invalid_grant", "error_description": GOOGLE_SAYS})
            return
        self.send_json(200, {"access_token": "t", "expires_in": 3600, "token_type": "Bearer"})


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    server = InThreadServer(TokenHandler).start()
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    path = tmp_path / "key.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "ctloop-local",
                "private_key_id": "1",
                "private_key": pem,
                "client_email": "ctloop@ctloop-local.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": f"{server.root_url}/token",
            }
        )
    )
    for name in [
        k for k in os.environ if k.startswith(("GOOGLE_", "GCE_", "CLOUDSDK_", "STORAGE_EMULATOR"))
    ]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud-absent"))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    yield path
    server.close()


def test_a_token_refused_for_the_clock_names_the_clock(key_file):
    with pytest.raises(ConfigError) as caught:
        storage.read_bytes("gs://ctloop-data/ref.csv")
    said = str(caught.value)
    assert said.startswith(
        "Google refused to issue a token for gs://ctloop-data/ref.csv because this machine's clock"
    )
    assert "sync it" in said and "\n" not in said
    assert "set GOOGLE_APPLICATION_CREDENTIALS" not in said  # the key file is fine
