"""``ctloop doctor`` checked Prometheus but never the Pushgateway the monitoring windows are
pushed to: a Pushgateway that was down, behind a TLS certificate of a private CA or refusing the
credentials was found only as a warning of each monitoring run (and no alert saw the windows).

The ``Pushgateway`` line reads it once, ``GET <url>/api/v1/status`` — prometheus/pushgateway
v1.5.1 ``main.go`` mounts the v1 API under ``<route prefix>/api/v1`` and ``api/v1/api.go``
``status`` answers ``{"status": "success", "data": {"build_information": {"version": ...}}}``;
``--web.config.file`` (exporter-toolkit v0.8.2, its go.mod) guards every path, so a wrong password
is a 401 there as for a push — sent as the tasks send their pushes (``PUSHGATEWAY_*``, never
``PROMETHEUS_*``; the CA file; no redirect followed), never printing a secret, and saying what the
tasks get (the ``pushgateway_*`` keys of Secret ``ctloop-prometheus``, the ConfigMap's paths).

Real parts: the Debian package's prometheus-pushgateway 1.5.1 (plain, and with TLS from a private
CA plus bcrypt basic auth: the module fixture of
tests/monitoring/test_hunt37_serving_pushgateway_auth.py), the real Prometheus of
tests/ops/conftest.py; the cluster and KFP are the API doubles; the redirecting proxy is a double.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler

import pytest

from tests.fixtures.prometheus import need
from tests.fixtures.servers import SHUTDOWN_POLL_S, QuietServer, daemon, dead_port, free_port
from tests.monitoring.test_hunt37_serving_pushgateway_auth import PASSWORD, secured  # noqa: F401
from tests.ops.test_doctor import SECRET_VALUE, cluster, secret  # noqa: F401 - fixtures

VARS = ("TOKEN", "TOKEN_FILE", "USERNAME", "PASSWORD", "CA_FILE", "URL")
SETTINGS = "/api/v1/namespaces/kubeflow/configmaps/ctloop-settings"


@pytest.fixture(autouse=True)
def _no_gateway_env(monkeypatch):
    for suffix in VARS:
        monkeypatch.delenv(f"PUSHGATEWAY_{suffix}", raising=False)
        if suffix != "URL":
            monkeypatch.delenv(f"PROMETHEUS_{suffix}", raising=False)


@pytest.fixture(scope="module")
def plain_gateway(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pushgateway-plain")
    port = free_port()
    argv = [need("prometheus-pushgateway"), f"--web.listen-address=127.0.0.1:{port}",
            f"--persistence.file={tmp / 'pushgateway.data'}"]
    with daemon(argv, tmp, port) as url:
        yield url


def _line(out: str) -> str:
    (line,) = [x for x in out.splitlines() if x.split(" ", 1)[-1].lstrip().startswith("Pushgateway")]
    return line


def run(kube_cluster, capsys, *extra: str) -> tuple[int, str, str]:
    from ctloop.cli import main

    code = main(kube_cluster.argv(*extra))
    out = capsys.readouterr().out
    return code, _line(out), out


def test_a_reachable_pushgateway_is_ok_with_its_version(cluster, plain_gateway, capsys):  # noqa: F811
    code, line, out = run(cluster, capsys, "--pushgateway-url", plain_gateway)
    assert code == 0, out
    assert line == (f"ok   Pushgateway 1.5.1 at {plain_gateway} (read /api/v1/status with no credentials from "
                    "this shell's environment; the tasks in kubeflow get no Pushgateway credentials (no "
                    "PUSHGATEWAY_TOKEN_FILE in the ConfigMap, no pushgateway_* Secret keys))")


def test_the_url_the_tasks_get_from_the_settings_is_checked(cluster, plain_gateway, capsys):  # noqa: F811
    cluster.kube.resources[SETTINGS]["data"]["PUSHGATEWAY_URL"] = plain_gateway
    code, line, _ = run(cluster, capsys)
    assert code == 0 and line.startswith(f"ok   Pushgateway 1.5.1 at {plain_gateway} "), line


def test_without_a_url_the_line_says_nothing_is_pushed(cluster, capsys):  # noqa: F811
    code, line, _ = run(cluster, capsys)
    assert code == 0
    assert line == ("skip Pushgateway: no Pushgateway URL: the monitoring windows are recorded in MLflow only, "
                    "no Prometheus alert sees them — fix: --pushgateway-url, PUSHGATEWAY_URL, or "
                    "monitoring.pushgateway_url in ctloop.yaml")


def test_basic_auth_and_a_private_ca_the_tasks_also_get(cluster, secured, capsys, monkeypatch):  # noqa: F811
    url, ca = secured
    monkeypatch.setenv("PUSHGATEWAY_USERNAME", "ctloop")
    monkeypatch.setenv("PUSHGATEWAY_PASSWORD", PASSWORD)
    monkeypatch.setenv("PUSHGATEWAY_CA_FILE", str(ca))
    cluster.kube.add(secret("kubeflow", "ctloop-prometheus", {"pushgateway_username": "ctloop",
                                                              "pushgateway_password": PASSWORD}))
    cluster.kube.resources[SETTINGS]["data"]["PUSHGATEWAY_CA_FILE"] = "/etc/ctloop/pushgateway-ca.crt"
    code, line, out = run(cluster, capsys, "--pushgateway-url", url)
    assert code == 0, out
    assert line == (f"ok   Pushgateway 1.5.1 at {url} (read /api/v1/status with basic auth as "
                    "PUSHGATEWAY_USERNAME='ctloop' from this shell's environment; the tasks in kubeflow get "
                    "PUSHGATEWAY_CA_FILE=/etc/ctloop/pushgateway-ca.crt (ConfigMap ctloop-settings) and Secret "
                    "ctloop-prometheus (pushgateway_password, pushgateway_username))")
    assert PASSWORD not in out and SECRET_VALUE not in out


def test_credentials_the_tasks_lack_are_a_warning(cluster, secured, capsys, monkeypatch):  # noqa: F811
    url, ca = secured
    monkeypatch.setenv("PUSHGATEWAY_USERNAME", "ctloop")
    monkeypatch.setenv("PUSHGATEWAY_PASSWORD", PASSWORD)
    monkeypatch.setenv("PUSHGATEWAY_CA_FILE", str(ca))
    cluster.kube.add(secret("kubeflow", "ctloop-prometheus", {"token": "for-prometheus-only"}))
    code, line, out = run(cluster, capsys, "--pushgateway-url", url)
    assert code == 0 and line.startswith(f"warn Pushgateway: 1.5.1 at {url} "), line
    assert "the tasks in kubeflow get no Pushgateway credentials" in line
    assert line.endswith("— fix: give the tasks the same credentials (docs/serving.md#pushgateway-behind-an-auth-proxy)")
    assert PASSWORD not in out and "for-prometheus-only" not in out


def test_a_wrong_password_fails_without_printing_it(cluster, secured, capsys, monkeypatch):  # noqa: F811
    url, ca = secured
    monkeypatch.setenv("PUSHGATEWAY_USERNAME", "ctloop")
    monkeypatch.setenv("PUSHGATEWAY_PASSWORD", "wrong-secret")
    monkeypatch.setenv("PUSHGATEWAY_CA_FILE", str(ca))
    code, line, out = run(cluster, capsys, "--pushgateway-url", url)
    assert code == 1
    assert line.startswith(f"FAIL Pushgateway: {url} refused the read (HTTP 401 Unauthorized): credentials not "
                           "accepted (wrong, expired, or for another server); ctloop doctor sent basic auth as "
                           "PUSHGATEWAY_USERNAME='ctloop' from this shell's environment"), line
    assert "— fix: check them, and the tasks' keys pushgateway_* of Secret ctloop-prometheus" in line
    assert "wrong-secret" not in out and PASSWORD not in out


def test_no_credentials_fail_naming_what_to_set(cluster, secured, capsys, monkeypatch):  # noqa: F811
    url, ca = secured
    monkeypatch.setenv("PUSHGATEWAY_CA_FILE", str(ca))
    monkeypatch.setenv("PROMETHEUS_USERNAME", "ctloop")  # Prometheus' credentials are never sent to it
    monkeypatch.setenv("PROMETHEUS_PASSWORD", PASSWORD)
    code, line, out = run(cluster, capsys, "--pushgateway-url", url)
    assert code == 1 and "HTTP 401" in line and "sent no credentials" in line, line
    assert "fix: set PUSHGATEWAY_TOKEN_FILE, PUSHGATEWAY_TOKEN or PUSHGATEWAY_USERNAME/PUSHGATEWAY_PASSWORD" in line
    assert PASSWORD not in out


def test_a_private_ca_without_the_ca_file_names_it(cluster, secured, capsys, monkeypatch):  # noqa: F811
    url, _ = secured
    monkeypatch.setenv("PUSHGATEWAY_USERNAME", "ctloop")
    monkeypatch.setenv("PUSHGATEWAY_PASSWORD", PASSWORD)
    code, line, out = run(cluster, capsys, "--pushgateway-url", url)
    assert code == 1 and line.startswith(f"FAIL Pushgateway: cannot reach {url}: "), line
    assert "CERTIFICATE_VERIFY_FAILED" in line and "fix: set PUSHGATEWAY_CA_FILE" in line
    assert PASSWORD not in out


def test_a_pushgateway_that_is_not_listening_is_one_line(cluster, capsys):  # noqa: F811
    url = f"http://127.0.0.1:{dead_port()}"
    code, line, out = run(cluster, capsys, "--pushgateway-url", url)
    assert code == 1
    assert line.startswith(f"FAIL Pushgateway: cannot reach {url}: [Errno 111] Connection refused — fix: "), line
    assert "Traceback" not in out


def test_a_url_with_a_password_is_refused_without_showing_it(cluster, capsys):  # noqa: F811
    code, line, out = run(cluster, capsys, "--pushgateway-url", "http://ctloop:hunter2@127.0.0.1:9091")
    assert code == 1 and "holds a user name or password" in line and "hunter2" not in out, line


class _Redirect(BaseHTTPRequestHandler):
    seen: list[str | None] = []

    def log_message(self, *args):
        return

    def do_GET(self):
        type(self).seen.append(self.headers.get("Authorization"))
        self.send_response(302)
        self.send_header("Location", f"http://127.0.0.1:{self.server.target_port}/login?next=/api/v1/status")
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_a_redirect_is_not_followed_with_the_credentials(cluster, plain_gateway, capsys, monkeypatch):  # noqa: F811
    target_port = int(plain_gateway.rsplit(":", 1)[1])
    server = QuietServer(("127.0.0.1", 0), _Redirect)
    server.target_port = target_port
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("PUSHGATEWAY_TOKEN", "gateway-token")
        monkeypatch.setenv("PROMETHEUS_TOKEN", "prometheus-token")
        _Redirect.seen = []
        url = f"http://127.0.0.1:{server.server_address[1]}"
        code, line, out = run(cluster, capsys, "--pushgateway-url", url)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1
    assert line.startswith(f"FAIL Pushgateway: {url} answered HTTP 302 to http://127.0.0.1: not followed"), line
    assert _Redirect.seen == ["Bearer gateway-token"]  # once, PUSHGATEWAY_TOKEN only
    assert "gateway-token" not in out and "prometheus-token" not in out


def test_the_spec_names_the_pushgateway_of_its_monitoring_section(cluster, plain_gateway, capsys, tmp_path):  # noqa: F811
    import yaml

    from ctloop.cli import main
    from tests.helpers import REPO

    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["kfp"].update(host=cluster.kfp.url)
    data["models"][0]["monitoring"]["pushgateway_url"] = plain_gateway
    spec = tmp_path / "ctloop.yaml"
    spec.write_text(yaml.safe_dump(data))
    main(["doctor", "-f", str(spec), "--kubeconfig", str(cluster.kubeconfig)])
    assert _line(capsys.readouterr().out).startswith(f"ok   Pushgateway 1.5.1 at {plain_gateway} ")
