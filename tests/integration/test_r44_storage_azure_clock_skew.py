"""An Azure request refused for this machine's clock, reported as a refused key (round 44, storage).

Azure Storage refuses a Shared Key request whose ``x-ms-date`` is more than 15 minutes old by its own
clock: 403 ``AuthenticationFailed`` with ``<AuthenticationErrorDetail>Request date header too old:
'<the request's date>'</AuthenticationErrorDetail>`` (the service's body as quoted in
Azure/azure-sdk-for-js#5433 and Azure/azure-sdk-for-net#30949; Authorize with Shared Key: "the
storage services ensure that a request is no older than 15 minutes"). ctloop read every
AuthenticationFailed as a refused key: "the account key ... was refused or has expired", and users
rotated a key that was fine. Now the line names the clock and how far off it is, from the date quoted
and the answer's ``Date``.

Azurite 3.37 does not check the request date: ``SkewedAzure`` is a proxy double in front of it whose
clock runs 40 minutes ahead, answering each signed request as Azure does: with its body, except to a
HEAD, whose answer has none (only ``x-ms-error-code``)."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from tests.fixtures.object_stores import Store, azurite, azurite_connection_string, fresh_bucket
from tests.fixtures.servers import ProxyDouble, ProxyHandler

AHEAD_S = 40 * 60


class SkewedAzure(ProxyDouble):
    """Azure with a clock ``AHEAD_S`` ahead of this machine: a request with an ``x-ms-date`` over 15
    minutes behind it is refused with 403 AuthenticationFailed and Azure's body (a HEAD's answer has no
    body, only the ``x-ms-error-code`` header); ``refused`` counts them. Everything else goes to Azurite."""

    def __init__(self, upstream: str) -> None:
        double = self
        self.refused = 0

        class Handler(ProxyHandler):
            def date_time_string(self, timestamp=None) -> str:  # the Date header of its answers
                return formatdate(time.time() + AHEAD_S, usegmt=True)

            def intercept(self, body: bytes) -> bool:
                sent = self.headers.get("x-ms-date")
                if not sent or "Authorization" not in self.headers:
                    return False
                double.refused += 1
                error = (
                    '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server '
                    "failed to authenticate the request. Make sure the value of Authorization header is formed "
                    "correctly including the signature.\nRequestId:a7c15331-501e-0094-6847-7d350f000000\n"
                    "Time:2019-10-07T19:46:36.6469406Z</Message><AuthenticationErrorDetail>Request date header "
                    f"too old: '{sent}'</AuthenticationErrorDetail></Error>"
                ).encode()
                self.send_response(403, "Server failed to authenticate the request.")
                self.send_header("x-ms-error-code", "AuthenticationFailed")
                if (
                    self.command == "HEAD"
                ):  # no body to a HEAD (RFC 9110 9.3.2): the code in the header only
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return True
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(error)))
                self.end_headers()
                self.wfile.write(error)
                return True

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture(scope="module")
def azurite_url(tmp_path_factory):
    with azurite(tmp_path_factory.mktemp("azurite")) as url:
        yield url


def test_a_request_refused_for_the_clock_names_the_clock(azurite_url, tmp_path, monkeypatch):
    store = Store(
        "az",
        azurite_url,
        {"AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string(azurite_url)},
    )
    root = fresh_bucket(store, monkeypatch, tmp_path / "home", "data")
    storage.write_bytes(f"{root}/ref.csv", b"a\n1\n")
    proxy = SkewedAzure(azurite_url)
    account = azurite_url.rsplit("/", 1)[1]
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING", azurite_connection_string(f"{proxy.url}/{account}")
    )
    try:
        with pytest.raises(ConfigError) as caught:
            storage.read_bytes(f"{root}/ref.csv")
    finally:
        proxy.close()
    said = str(caught.value)
    assert proxy.refused >= 1
    assert said.startswith(
        f"Azure refused the request for {root}/ref.csv because this machine's clock is 40 minutes"
    )
    assert "behind" in said and "sync it" in said
    assert "was refused or has expired" not in said  # the key is fine
