"""Prometheus behind authentication: the canary analysis and ``ctloop doctor`` query a Prometheus
that wants a bearer token, basic auth or TLS signed by a private CA (OpenShift's thanos-querier
behind kube-rbac-proxy, port 9091, service-CA certificate; Prometheus' own ``--web.config.file``).

Real parts: Prometheus 2.42 (Debian) serving backfilled series, with TLS and ``basic_auth_users``
from its web config (exporter-toolkit ``web/tls_config.go``). The bearer-token proxy is a
**double** of kube-rbac-proxy's filters (``pkg/filters/auth.go``: a missing or unknown token is
``401 Unauthorized``; an identity without the RBAC permission is ``403 Forbidden (user=…, verb=…,
resource=…, subresource=…)``), forwarding to the real Prometheus.
"""

from __future__ import annotations

import threading
import urllib.request
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ctloop.errors import ConfigError, ServingError
from ctloop.serving import metric_sources
from ctloop.serving.metric_sources import Prometheus, PrometheusAuth
from tests.fixtures.prometheus import prometheus_with
from tests.fixtures.servers import SHUTDOWN_POLL_S

with warnings.catch_warnings():  # bcrypt hashes for Prometheus' basic_auth_users (libxcrypt)
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

AT = 1_700_000_060
SERIES = '# TYPE ctloop_auth_probe gauge\nctloop_auth_probe{job="a"} 7 1700000000\n# EOF\n'
PASSWORD = "s3cret:with colon"  # noqa: S105 - a test password


@pytest.fixture(scope="module")
def secured(tmp_path_factory, private_ca):
    """Real Prometheus with TLS from a private CA and basic auth (bcrypt, as its web config wants)."""
    tmp = tmp_path_factory.mktemp("prom-auth")
    ca, cert, key = private_ca
    web = {"tls_server_config": {"cert_file": str(cert), "key_file": str(key)},
           "basic_auth_users": {"ctloop": crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH))}}
    with prometheus_with(SERIES, tmp / "prom", web_config=web) as url:
        yield url, ca


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    with prometheus_with(SERIES, tmp_path_factory.mktemp("prom-plain")) as url:
        yield url


class RbacProxy:
    """Double of kube-rbac-proxy in front of ``upstream``: ``tokens`` maps a bearer token to
    (user, allowed)."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.tokens: dict[str, tuple[str, bool]] = {}
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                auth = self.headers.get("Authorization", "")
                proxy.seen.append(auth)
                token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
                if self.path.startswith("/redirect"):
                    return self._answer(302, b"", {"Location": f"{proxy.elsewhere}/api/v1/query"})
                if token not in proxy.tokens:
                    return self._answer(401, b"Unauthorized\n")
                user, allowed = proxy.tokens[token]
                if not allowed:
                    return self._answer(403, f"Forbidden (user=system:serviceaccount:{user}, verb=get, "
                                             "resource=namespaces, subresource=)\n".encode())
                with urllib.request.urlopen(f"{proxy.upstream}{self.path}", timeout=10) as resp:
                    self._answer(resp.status, resp.read(), {"Content-Type": "application/json"})

            def _answer(self, code, body, headers=None):
                self.send_response(code)
                for name, value in {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.elsewhere = self.url
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def rbac(plain):
    proxy = RbacProxy(plain)
    yield proxy
    proxy.close()


def test_basic_auth_and_a_private_ca_reach_a_real_prometheus(secured):
    url, ca = secured
    auth = PrometheusAuth.from_env({"PROMETHEUS_USERNAME": "ctloop", "PROMETHEUS_PASSWORD": PASSWORD,
                                    "PROMETHEUS_CA_FILE": str(ca)})
    assert Prometheus(url, auth=auth).scalar("sum(ctloop_auth_probe)", at=AT) == 7.0


def test_an_unknown_ca_names_the_setting_that_fixes_it(secured):
    """Before: 'certificate verify failed' and nothing a user could set."""
    url, _ = secured
    auth = PrometheusAuth(username="ctloop", password=PASSWORD)
    with pytest.raises(ServingError, match="set PROMETHEUS_CA_FILE to the CA bundle") as err:
        Prometheus(url, auth=auth).scalar("sum(ctloop_auth_probe)", at=AT)
    assert "\n" not in str(err.value)


def test_a_wrong_password_is_refused_without_showing_it(secured):
    url, ca = secured
    auth = PrometheusAuth(username="ctloop", password="wrong-password", ca_file=str(ca))
    with pytest.raises(ServingError, match="did not accept basic auth as PROMETHEUS_USERNAME='ctloop'") as err:
        Prometheus(url, auth=auth).scalar("sum(ctloop_auth_probe)", at=AT)
    assert "wrong-password" not in str(err.value)


def test_no_credentials_against_basic_auth_says_what_to_set(secured):
    """Before: 'ctloop sends no credentials; give a prometheus_url that needs none' — there was
    no way to send any."""
    url, ca = secured
    with pytest.raises(ServingError, match="set PROMETHEUS_TOKEN_FILE") as err:
        Prometheus(url, auth=PrometheusAuth(ca_file=str(ca))).scalar("sum(ctloop_auth_probe)", at=AT)
    assert "HTTP 401" in str(err.value)


def test_a_rotated_service_account_token_is_read_at_each_query(rbac, tmp_path):
    """kubelet rewrites a projected token file before the token expires: the client built at the
    start of a long canary walk must send the new one."""
    token_file = tmp_path / "token"
    token_file.write_text("token-one\n")
    rbac.tokens["token-one"] = ("ml:ctloop-pipeline-runner", True)
    prom = Prometheus(rbac.url, auth=PrometheusAuth.from_env({"PROMETHEUS_TOKEN_FILE": str(token_file)}))
    assert prom.scalar("sum(ctloop_auth_probe)", at=AT) == 7.0
    token_file.write_text("token-two")
    rbac.tokens = {"token-two": ("ml:ctloop-pipeline-runner", True)}
    assert prom.scalar("sum(ctloop_auth_probe)", at=AT) == 7.0
    assert rbac.seen[-2:] == ["Bearer token-one", "Bearer token-two"]


def test_a_token_from_the_environment_and_its_refusals(rbac, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_TOKEN", "viewer-token")
    rbac.tokens["viewer-token"] = ("ml:ctloop-pipeline-runner", True)
    assert Prometheus(rbac.url).scalar("sum(ctloop_auth_probe)", at=AT) == 7.0  # env by default

    rbac.tokens["viewer-token"] = ("ml:ctloop-pipeline-runner", False)
    with pytest.raises(ServingError, match="accepted but may not query .*cluster-monitoring-view") as err:
        Prometheus(rbac.url).scalar("sum(ctloop_auth_probe)", at=AT)
    assert "HTTP 403 Forbidden: Forbidden (user=system:serviceaccount:ml:ctloop-pipeline-runner" in str(err.value)

    rbac.tokens.clear()
    with pytest.raises(ServingError, match="did not accept the bearer token in PROMETHEUS_TOKEN") as err:
        Prometheus(rbac.url).scalar("sum(ctloop_auth_probe)", at=AT)
    assert "viewer-token" not in str(err.value)


def test_credentials_never_follow_a_redirect(rbac, tmp_path):
    """CPython's urllib copies Authorization to wherever a 3xx points: a proxy redirecting to a
    login host would have received the token."""
    catcher = RbacProxy(rbac.upstream)
    try:
        rbac.elsewhere = catcher.url
        auth = PrometheusAuth(token="secret-token")
        with pytest.raises(ServingError, match="does not follow a redirect with credentials") as err:
            Prometheus(f"{rbac.url}/redirect", auth=auth).scalar("up")
        assert catcher.seen == [] and "secret-token" not in str(err.value)
    finally:
        catcher.close()


@pytest.mark.parametrize(("env", "message"), [
    ({"PROMETHEUS_TOKEN": "a", "PROMETHEUS_TOKEN_FILE": "/x"}, "both PROMETHEUS_TOKEN and PROMETHEUS_TOKEN_FILE"),
    ({"PROMETHEUS_TOKEN": "a", "PROMETHEUS_USERNAME": "u", "PROMETHEUS_PASSWORD": "p"}, "are both set"),
    ({"PROMETHEUS_USERNAME": "u"}, "PROMETHEUS_USERNAME is set but PROMETHEUS_PASSWORD is not"),
    ({"PROMETHEUS_PASSWORD": "p"}, "PROMETHEUS_PASSWORD is set but PROMETHEUS_USERNAME is not"),
    ({"PROMETHEUS_USERNAME": "a:b", "PROMETHEUS_PASSWORD": "p"}, "holds ':'"),
    ({"PROMETHEUS_TOKEN": "abc\r\nX-Injected: 1"}, "PROMETHEUS_TOKEN is empty or holds a character"),
    ({"PROMETHEUS_TOKEN_FILE": "/nonexistent/token"}, "PROMETHEUS_TOKEN_FILE='/nonexistent/token' cannot be read"),
    ({"PROMETHEUS_CA_FILE": "/nonexistent/ca.crt"}, "PROMETHEUS_CA_FILE='/nonexistent/ca.crt' is no readable"),
])
def test_contradicting_or_unreadable_settings_are_one_config_error(env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")) as err:
        Prometheus("http://prometheus:9090", auth=PrometheusAuth.from_env(env))
    text = str(err.value)
    assert "\n" not in text and "X-Injected" not in text


def test_an_empty_token_file_and_a_ca_that_is_no_pem(tmp_path):
    (tmp_path / "token").write_text("\n")
    (tmp_path / "ca.crt").write_text("not a certificate")
    with pytest.raises(ConfigError, match="token in PROMETHEUS_TOKEN_FILE=.* is empty"):
        PrometheusAuth.from_env({"PROMETHEUS_TOKEN_FILE": str(tmp_path / "token")})
    with pytest.raises(ConfigError, match="no readable PEM CA bundle"):
        PrometheusAuth.from_env({"PROMETHEUS_CA_FILE": str(tmp_path / "ca.crt")})


def test_secrets_stay_out_of_repr():
    text = repr(PrometheusAuth(token="tok-123", username="u", password="pw-456"))
    assert "tok-123" not in text and "pw-456" not in text


def test_no_credentials_by_default_still_follows_prometheus_as_before(plain, monkeypatch):
    for name in ("PROMETHEUS_TOKEN", "PROMETHEUS_TOKEN_FILE", "PROMETHEUS_USERNAME", "PROMETHEUS_PASSWORD",
                 "PROMETHEUS_CA_FILE"):
        monkeypatch.delenv(name, raising=False)
    prom = Prometheus(plain)
    assert not prom.auth.sends_credentials
    assert prom.scalar("sum(ctloop_auth_probe)", at=AT) == 7.0
    assert metric_sources.AUTH_DOC.startswith("docs/serving.md#")


def test_credentials_in_the_url_are_refused_without_showing_them():
    """Review C: urllib never sends a URL's user:password, and every message printed them (also
    into the audit reason of a canary analysis)."""
    # review E: also when the rest of the URL is malformed (check_http_url quoted it whole)
    for url in ("http://admin:hunter2@prometheus:9090", "http://admin:hunter2@prom:90x0",
                "http://admin:hunter2 x@prom:9090", "prom://admin:hunter2@prom:9090"):
        with pytest.raises(ConfigError, match="holds a user name or password: set PROMETHEUS_USERNAME") as err:
            Prometheus(url, auth=PrometheusAuth())
        assert "hunter2" not in str(err.value)


def test_a_password_with_spaces_is_sent_as_given():
    auth = PrometheusAuth.from_env({"PROMETHEUS_USERNAME": "u\n", "PROMETHEUS_PASSWORD": " pa ss "})
    import base64

    assert auth.headers()["Authorization"] == "Basic " + base64.b64encode(b"u: pa ss ").decode()
