"""A Pushgateway that wants credentials: the monitoring pipeline pushed every window without any,
so behind an auth proxy (or the Pushgateway's own ``--web.config.file``) every push was a
``401 Unauthorized`` warning and the model-quality alerts saw nothing.

The credentials are ``PUSHGATEWAY_TOKEN``/``_TOKEN_FILE``/``_USERNAME``/``_PASSWORD``/``_CA_FILE``,
read with the rules of ``PROMETHEUS_*`` (``ctloop.serving.metric_sources.PrometheusAuth``):
never across a redirect, never in a message, a URL with userinfo refused.

Real part: the Debian package's prometheus-pushgateway 1.5.1 with ``--web.config.file`` (TLS from
a private CA and bcrypt ``basic_auth_users``: exporter-toolkit ``web/tls_config.go``, as
Prometheus' own). The bearer-token proxy and the redirecting proxy are doubles.
"""

from __future__ import annotations

import json
import urllib.request
import warnings
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.errors import ConfigError
from ctloop.monitoring import publish
from ctloop.monitoring.prometheus import gateway_auth, group_url, push_window
from tests.fixtures.prometheus import need
from tests.fixtures.servers import InThreadServer, daemon, free_port

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

PASSWORD = "pg s3cret:with colon"  # noqa: S105 - a test password
WINDOW = {"window_end": "2026-12-02T10:00:00+00:00", "champion_version": "3", "rows": 120,
          "drift_share": 0.25, "drift_scores": {"age": 0.01}, "drifted": {"age": True},
          "realized": 0.81, "realized_metric": "roc_auc", "realized_rows": 100, "gate_value": 0.86,
          "retrain": False, "rule": None}
VARS = ("TOKEN", "TOKEN_FILE", "USERNAME", "PASSWORD", "CA_FILE")


@pytest.fixture(autouse=True)
def _no_gateway_env(monkeypatch):
    for suffix in VARS:
        monkeypatch.delenv(f"PUSHGATEWAY_{suffix}", raising=False)
        monkeypatch.delenv(f"PROMETHEUS_{suffix}", raising=False)


@pytest.fixture(scope="module")
def secured(tmp_path_factory, private_ca):
    """prometheus-pushgateway with TLS (private CA) and basic auth from its --web.config.file."""
    tmp = tmp_path_factory.mktemp("pushgateway-auth")
    ca, cert, key = private_ca
    web = tmp / "web.yml"
    web.write_text(json.dumps({
        "tls_server_config": {"cert_file": str(cert), "key_file": str(key)},
        "basic_auth_users": {"ctloop": crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH))}}))
    port = free_port()
    argv = [need("prometheus-pushgateway"), f"--web.listen-address=127.0.0.1:{port}",
            f"--persistence.file={tmp / 'pushgateway.data'}", f"--web.config.file={web}"]
    # plain HTTP to a TLS port is answered 400: it is up
    with daemon(argv, tmp, port, any_status=True) as url:
        yield url.replace("http://", "https://"), ca


def _metrics(url: str, ca) -> str:
    import base64
    import ssl

    req = urllib.request.Request(f"{url}/metrics", headers={
        "Authorization": "Basic " + base64.b64encode(f"ctloop:{PASSWORD}".encode()).decode()})
    with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=str(ca)), timeout=10) as resp:
        return resp.read().decode()


def test_basic_auth_and_a_private_ca_push_to_a_real_pushgateway(secured, monkeypatch):
    url, ca = secured
    monkeypatch.setenv("PUSHGATEWAY_USERNAME", "ctloop")
    monkeypatch.setenv("PUSHGATEWAY_PASSWORD", PASSWORD)
    monkeypatch.setenv("PUSHGATEWAY_CA_FILE", str(ca))
    publish.check(url, "credit")
    assert publish.publish_window(url, model="credit", window=WINDOW) is None
    rows = [line for line in _metrics(url, ca).splitlines() if line.startswith("ctloop_monitoring_rows{")]
    assert len(rows) == 1 and 'model="credit"' in rows[0] and rows[0].endswith(" 120")


def test_without_credentials_the_warning_names_what_to_set(secured, monkeypatch):
    url, ca = secured
    monkeypatch.setenv("PUSHGATEWAY_CA_FILE", str(ca))
    warning = publish.publish_window(url, model="credit", window=WINDOW)
    assert warning is not None and "HTTP 401" in warning and "PUSHGATEWAY_USERNAME" in warning
    assert "\n" not in warning


def test_a_wrong_password_is_a_warning_without_the_password(secured, monkeypatch):
    url, ca = secured
    monkeypatch.setenv("PUSHGATEWAY_USERNAME", "ctloop")
    monkeypatch.setenv("PUSHGATEWAY_PASSWORD", "wrong-secret")
    monkeypatch.setenv("PUSHGATEWAY_CA_FILE", str(ca))
    warning = publish.publish_window(url, model="credit", window=WINDOW)
    assert "HTTP 401" in warning and "PUSHGATEWAY_USERNAME='ctloop'" in warning
    assert "wrong-secret" not in warning


def test_a_certificate_no_system_ca_signed_says_to_set_the_ca_file(secured, monkeypatch):
    url, _ = secured
    monkeypatch.setenv("PUSHGATEWAY_USERNAME", "ctloop")
    monkeypatch.setenv("PUSHGATEWAY_PASSWORD", PASSWORD)
    warning = publish.publish_window(url, model="credit", window=WINDOW)
    assert "CERTIFICATE_VERIFY_FAILED" in warning and "PUSHGATEWAY_CA_FILE" in warning


class Proxy:
    """Double of an auth proxy in front of a Pushgateway: records what it was sent; ``redirect``
    answers every request with a 307 to ``elsewhere`` (a login page)."""

    def __init__(self, token: str = "t0ken", redirect: str = ""):
        self.seen: list[tuple[str, str, str]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self):  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                auth = self.headers.get("Authorization", "")
                proxy.seen.append((self.command, self.path, auth))
                if redirect:
                    return self._answer(307, {"Location": redirect})
                self._answer(200 if auth == f"Bearer {token}" else 401)

            do_GET = do_PUT

            def _answer(self, code, headers=None):
                self.send_response(code)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.http = InThreadServer(Handler).start()
        self.url = self.http.root_url

    def close(self):
        self.http.close()


def test_a_token_file_is_read_at_each_push(tmp_path, monkeypatch):
    proxy = Proxy(token="t0ken")
    try:
        token = tmp_path / "token"
        token.write_text("t0ken\n")
        monkeypatch.setenv("PUSHGATEWAY_TOKEN_FILE", str(token))
        assert push_window(proxy.url, model="credit", window=WINDOW) is None
        token.write_text("rotated\n")
        warning = push_window(proxy.url, model="credit", window=WINDOW)
        assert "HTTP 401" in warning and f"PUSHGATEWAY_TOKEN_FILE={token}" in warning
        token.unlink()  # gone after the window was judged: a warning, never a failed run
        assert "cannot be read" in push_window(proxy.url, model="credit", window=WINDOW)
    finally:
        proxy.close()
    assert [auth for _, _, auth in proxy.seen] == ["Bearer t0ken", "Bearer rotated"]


def test_credentials_do_not_follow_a_redirect(monkeypatch):
    elsewhere = Proxy()
    proxy = Proxy(redirect=f"{elsewhere.url}/login")
    try:
        monkeypatch.setenv("PUSHGATEWAY_TOKEN", "t0ken")
        warning = push_window(proxy.url, model="credit", window=WINDOW)
    finally:
        proxy.close()
        elsewhere.close()
    assert "HTTP 307" in warning and "t0ken" not in warning
    assert elsewhere.seen == []


def test_a_url_with_a_password_is_refused_without_showing_it():
    with pytest.raises(ConfigError, match="PUSHGATEWAY_USERNAME") as err:
        publish.check("http://ctloop:hunter2@pushgateway:9091", "credit")
    assert "hunter2" not in str(err.value)
    with pytest.raises(ConfigError):
        group_url("https://ctloop:hunter2@pushgateway:9091", "credit")


@pytest.mark.parametrize("env, names", [
    ({"PUSHGATEWAY_TOKEN": "a", "PUSHGATEWAY_TOKEN_FILE": "/x"}, ("PUSHGATEWAY_TOKEN", "PUSHGATEWAY_TOKEN_FILE")),
    ({"PUSHGATEWAY_USERNAME": "u"}, ("PUSHGATEWAY_USERNAME", "PUSHGATEWAY_PASSWORD")),
    ({"PUSHGATEWAY_TOKEN_FILE": "/nonexistent/token"}, ("PUSHGATEWAY_TOKEN_FILE",)),
    ({"PUSHGATEWAY_CA_FILE": "/nonexistent/ca.crt"}, ("PUSHGATEWAY_CA_FILE",)),
])
def test_contradictory_or_unreadable_settings_fail_before_the_window_is_judged(env, names, monkeypatch):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigError) as err:
        publish.check("http://pushgateway:9091", "credit")
    assert all(n in str(err.value) for n in names) and "PROMETHEUS_" not in str(err.value)


def test_prometheus_settings_are_not_sent_to_the_pushgateway(monkeypatch):
    """Two servers, two identities: PROMETHEUS_* is the query API's, never the push's."""
    proxy = Proxy(token="t0ken")
    try:
        monkeypatch.setenv("PROMETHEUS_TOKEN", "prom-token")
        warning = push_window(proxy.url, model="credit", window=WINDOW)
    finally:
        proxy.close()
    assert "HTTP 401" in warning and proxy.seen[0][2] == ""
    assert gateway_auth().describe() == "no credentials"


@pytest.mark.parametrize("url", ["http://pushgateway:9091/?token=abc", "http://pushgateway:9091/#x",
                                 "http://pushgateway:9091?"])
def test_a_url_with_a_query_or_fragment_is_refused_without_the_query(url):
    """The group's path was appended after them: 'http://pg:9091/?token=abc/metrics/job/...' PUT to
    the root, every push a warning quoting the query."""
    with pytest.raises(ConfigError, match="query or fragment") as err:
        publish.check(url, "credit")
    assert "abc" not in str(err.value)
