"""Azure with an Entra ID (OAuth) token under clock skew, reported as a refused key (round 45, storage).

Round 44 taught ctloop Azure's refusal of a request dated over 15 minutes before its clock, as Azure
answers a Shared Key request: 403 ``AuthenticationFailed``. A request carrying a bearer token (AKS
workload identity, a managed identity: ``DefaultAzureCredential``) is refused with 401
``InvalidAuthenticationInfo``, "Server failed to authenticate the request. Please refer to the
information in the www-authenticate header." and the reason in ``<AuthenticationErrorDetail>``
(Azure/AzureStor#119 quotes the service's answer; microsoft/AzureStorageExplorer#6719: an Entra ID
login 30 minutes behind got "Request date header too old"; Azure/azure-sdk-for-java#8667: "Lifetime
validation failed. The token is expired."). So:

* a HEAD (``exists``, ``check_output_dir``, the labels store's first request), whose answer has no
  body, only ``x-ms-error-code: InvalidAuthenticationInfo`` and the answer's ``Date``, read "the token
  of DefaultAzureCredential was refused or has expired" however far off the clock was;
* a token Azure found expired while this machine, its clock far behind, still kept it (azure-identity
  refreshes a token by this clock: ``azure/core/pipeline/policies/_authentication.py``, azure-core
  1.41.0, ``_need_new_token``; a managed identity's ``expires_on`` is Azure's time) read the same;
* a GET refused for its date named the clock, but under "Shared Key requests may be 15 minutes old".

Now each names this machine's clock and how far off it is. ``EntraAzure`` is a double of the service's
answers to a bearer token over TLS (no Entra ID here; Azurite 3.37 takes OAuth only with a certificate and --oauth); the
errors come from azure-storage-blob 12.31.1 reading its real HTTP answers, through ctloop's calls."""

from __future__ import annotations

import datetime
import ssl
import time
from email.utils import formatdate

import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from tests.fixtures.servers import InThreadServer, JsonHandler

ACCOUNT = "devstoreaccount1"


class EntraAzure(InThreadServer):
    """Azure Blob Storage answering every request carrying a bearer token with ``status``/``code`` and
    ``<AuthenticationErrorDetail>detail</...>`` (``{date}`` is the request's ``x-ms-date``), its clock
    ``ahead_s`` ahead of this machine's; a HEAD's answer has no body. ``bearer`` counts the requests."""

    def __init__(self, status: int, code: str, detail: str, ahead_s: float) -> None:
        double = self
        self.bearer = 0

        class Handler(JsonHandler):
            def date_time_string(self, timestamp=None) -> str:  # the Date header of its answers
                return formatdate(time.time() + ahead_s, usegmt=True)

            def answer(self) -> None:
                if self.command == "PUT":
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                double.bearer += self.headers.get("Authorization", "").startswith("Bearer ")
                said = detail.format(date=self.headers.get("x-ms-date", ""))
                body = (
                    f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>Server failed to '
                    "authenticate the request. Please refer to the information in the www-authenticate header.\n"
                    "RequestId:b61c87bf-101e-0023-4f82-35914e000000\nTime:2022-03-11T20:01:42.6298813Z</Message>"
                    f"<AuthenticationErrorDetail>{said}</AuthenticationErrorDetail></Error>"
                ).encode()
                self.send_response(status, "Server failed to authenticate the request. Please refer to the "
                                           "information in the www-authenticate header.")
                self.send_header("x-ms-error-code", code)
                self.send_header("WWW-Authenticate", "Bearer authorization_uri=https://login.microsoftonline.com/"
                                 "00000000-0000-0000-0000-000000000000/oauth2/authorize "
                                 "resource_id=https://storage.azure.com")
                if self.command == "HEAD":
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_HEAD = do_PUT = answer

        super().__init__(Handler)

    def serve_tls(self, cert: str, key: str) -> EntraAzure:
        """Speak HTTPS with ``cert``: the SDK sends a bearer token over TLS only."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        return self

    @property
    def root_url(self) -> str:
        return f"https://{self.address}"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (``cryptography``, which azure-identity brings)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("entra-tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return str(folder / "cert.pem"), str(folder / "key.pem")


class TokenDouble:
    """A ``TokenCredential`` (what DefaultAzureCredential is to the SDK): one token, valid for an hour
    by this machine's clock."""

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2ln", int(time.time()) + 3600)


@pytest.fixture
def entra(monkeypatch, certificate):
    """Start ``EntraAzure(...)``; ctloop's Azure client for account ``ACCOUNT`` (no key, no SAS, no
    connection string: DefaultAzureCredential's case) reaches it with ``TokenDouble``'s token."""
    from azure.storage.blob import BlobServiceClient

    for name in ("AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_KEY",
                 "AZURE_STORAGE_ACCESS_KEY", "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_ACCOUNT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_NAME", ACCOUNT)
    started: list[EntraAzure] = []

    def start(status: int, code: str, detail: str, ahead_s: float) -> EntraAzure:
        double = EntraAzure(status, code, detail, ahead_s).serve_tls(*certificate).start()
        started.append(double)
        client = BlobServiceClient(f"{double.root_url}/{ACCOUNT}", credential=TokenDouble(),
                                   connection_verify=certificate[0], retry_total=0, connection_timeout=2)
        monkeypatch.setattr(storage, "_azure_service", lambda settings: client)
        return double

    yield start
    for double in started:
        double.close()


TOO_OLD = "Request date header too old: '{date}'"
EXPIRED = "Lifetime validation failed. The token is expired."


@pytest.mark.parametrize("call", ["read_bytes", "exists"])
def test_a_token_request_refused_for_its_date_names_the_clock(entra, call):
    double = entra(401, "InvalidAuthenticationInfo", TOO_OLD, 40 * 60)
    with pytest.raises(ConfigError) as caught:
        getattr(storage, call)("az://data/ref.csv")
    said = str(caught.value)
    assert double.bearer >= 1
    assert said.startswith("Azure refused the request for az://data/ref.csv because this machine's clock is "
                           "40 minutes behind Azure's (")
    assert said.endswith("sync it (NTP, chrony; in a container, the node's clock)")
    assert "InvalidAuthenticationInfo" in said
    assert "Shared Key" not in said  # no key was sent: a token was
    assert "was refused or has expired" not in said  # before, for a HEAD: the token was fine


def test_a_token_azure_found_expired_while_this_clock_kept_it_names_the_clock(entra):
    double = entra(401, "InvalidAuthenticationInfo", EXPIRED, 90 * 60)
    with pytest.raises(ConfigError) as caught:
        storage.read_bytes("az://data/ref.csv")
    said = str(caught.value)
    assert double.bearer >= 1
    assert said.startswith("Azure refused the request for az://data/ref.csv because this machine's clock is "
                           "90 minutes behind Azure's (")
    assert "The token is expired" in said and "DefaultAzureCredential" in said
    assert "was refused or has expired" not in said


def test_an_expired_token_with_this_clock_right_is_still_the_token(entra):
    entra(401, "InvalidAuthenticationInfo", EXPIRED, 30)
    with pytest.raises(ConfigError) as caught:
        storage.read_bytes("az://data/ref.csv")
    said = str(caught.value)
    assert "the token of DefaultAzureCredential was refused or has expired (InvalidAuthenticationInfo)" in said
    assert "clock" not in said


def test_a_bodyless_token_refusal_with_this_clock_right_is_still_the_token(entra):
    entra(401, "InvalidAuthenticationInfo", "Audience validation failed. Audience did not match.", 30)
    with pytest.raises(ConfigError) as caught:
        storage.exists("az://data/ref.csv")
    said = str(caught.value)
    assert "the token of DefaultAzureCredential was refused or has expired (InvalidAuthenticationInfo)" in said
    assert "clock" not in said
