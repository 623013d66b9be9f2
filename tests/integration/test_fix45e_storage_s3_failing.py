"""Every S3 503 past the retries read as throttling (fix45e, storage).

Round 45 made S3 throttling a StoreUnavailable saying "throttled ... lower the request rate", and took
every 503 for it. A 503 is throttling only with S3's code ``SlowDown`` (and a 429); a load balancer or
ingress in front of MinIO with no backend answers 503 with its own HTML page, and a failing store 5xx
(500 ``InternalError``, 503 ``ServiceUnavailable``): lowering the request rate helps neither. Other 5xx
read as "S3 refused the request", one object's error, so a reader of many objects went on asking.
Now: throttling only for the throttling codes (``SlowDown``, ``TooManyRequests``,
``RequestLimitExceeded``, ``Throttling*``) or a 429; any other 5xx is a StoreUnavailable saying the
store is failing, as GCS's branch says. botocore names a bodyless answer (a HEAD's, an HTML page) by
its status (``Code`` "503", ``RestXMLParser._do_generic_error_parsing``, botocore 1.x parsers.py):
said once, not "503 503". ``Failing`` is a double of the store's front answering every request."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError, StoreUnavailable
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler

# nginx's own 503 page (ngx_http_special_response.c), what ingress-nginx answers with no ready backend
NGINX_503 = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


class Failing(ProxyDouble):
    """Every request answered ``status`` with ``body`` (none to a HEAD)."""

    def __init__(self, upstream: str, status: int, body: bytes, content_type: str) -> None:
        class Handler(ProxyHandler):
            def intercept(self, _body: bytes) -> bool:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                return True

        Handler.upstream = upstream
        super().__init__(Handler)


def _xml(code: str, message: str) -> bytes:
    return f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()


@pytest.fixture
def root(moto_url, tmp_path, monkeypatch):
    monkeypatch.setattr(
        storage, "ATTEMPTS", 2
    )  # one retry (a new client: the endpoint below is new)
    return fresh_bucket(
        Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data"
    )


def _error(moto_url, monkeypatch, status, body, content_type, call, uri):
    proxy = Failing(moto_url, status, body, content_type)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        with pytest.raises(DataSourceError) as caught:
            getattr(storage, call)(uri)
    finally:
        proxy.close()
    return proxy.url, caught.value


@pytest.mark.parametrize(
    ("status", "body", "content_type", "call", "answered", "why"),
    [
        (503, NGINX_503, "text/html", "read_bytes", "503", " (Service Unavailable)"),
        (
            503,
            NGINX_503,
            "text/html",
            "exists",
            "503",
            " (Service Unavailable)",
        ),  # a HEAD: no body at all
        (
            503,
            _xml("ServiceUnavailable", "Service is unable to handle request."),
            "application/xml",
            "read_bytes",
            "503 ServiceUnavailable",
            " (Service is unable to handle request.)",
        ),
        (
            500,
            _xml("InternalError", "We encountered an internal error. Please try again."),
            "application/xml",
            "read_bytes",
            "500 InternalError",
            " (We encountered an internal error. Please try again.)",
        ),
    ],
    ids=["lb-page", "lb-head", "service-unavailable", "internal-error"],
)
def test_a_failing_store_is_not_called_throttling(
    moto_url, root, monkeypatch, status, body, content_type, call, answered, why
):
    url, error = _error(moto_url, monkeypatch, status, body, content_type, call, f"{root}/x.csv")
    assert isinstance(
        error, StoreUnavailable
    )  # the store, not the object: a reader of many objects stops
    if call == "exists":  # a HEAD's 503 has no body: throttling or failing (round 46: test_r46_storage_head_503.py)
        assert str(error).startswith(f"{url} answered 503 with no error code for {root}/x.csv after 2 attempts")
        return
    assert str(error) == (
        f"{url} answered {answered} for {root}/x.csv after 2 attempts{why}: the store is failing, "
        "not the network path; run again later"
    )


def test_a_throttling_code_still_says_throttled(moto_url, root, monkeypatch):
    """``Throttling`` (botocore's standard retry mode counts it as throttling: retries/standard.py); 503
    SlowDown and 429: tests/integration/test_r45_storage_s3_throttled.py."""
    url, error = _error(
        moto_url,
        monkeypatch,
        400,
        _xml("Throttling", "Rate exceeded"),
        "application/xml",
        "read_bytes",
        f"{root}/x.csv",
    )
    assert isinstance(error, StoreUnavailable)
    assert str(error).startswith(
        f"{url} throttled the requests for {root}/x.csv: it answered 400 Throttling after "
        "2 attempts (Rate exceeded): lower the request rate"
    )
