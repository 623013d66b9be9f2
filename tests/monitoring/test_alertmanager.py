"""The Alertmanager example routes ctloop's alerts: validated by amtool, routing tested by amtool,
and delivered for real by Alertmanager (Debian prometheus-alertmanager 0.25) to a Slack-compatible
and a webhook receiver on loopback."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from tests.fixtures.prometheus import need
from tests.fixtures.servers import SHUTDOWN_POLL_S, daemon, free_port
from tests.manifests.support import MANIFESTS

EXAMPLE = MANIFESTS / "components" / "monitoring" / "alertmanager.example.yaml"


def amtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([need("amtool"), *args], capture_output=True, text=True, timeout=60)


def test_the_example_passes_amtool_check_config():
    out = amtool("check-config", str(EXAMPLE))
    assert out.returncode == 0 and "SUCCESS" in out.stdout, out.stdout + out.stderr


def test_amtool_refuses_a_route_to_an_unknown_receiver(tmp_path):
    """Control: check-config does fail on a broken routing tree."""
    config = yaml.safe_load(EXAMPLE.read_text())
    config["route"]["routes"][1]["receiver"] = "pager"
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(config))
    out = amtool("check-config", str(tmp_path / "broken.yaml"))
    assert out.returncode != 0 and 'undefined receiver "pager"' in out.stdout + out.stderr


@pytest.mark.parametrize(
    "labels, receivers",
    [
        (
            {"alertname": "CtloopRevisionErrorRateHigh", "severity": "critical"},
            "ctloop-slack,ctloop-oncall",
        ),
        (
            {"alertname": "CtloopRealizedBelowFloor", "severity": "critical"},
            "ctloop-slack,ctloop-oncall",
        ),
        ({"alertname": "CtloopRevisionLatencyP99High", "severity": "warning"}, "ctloop-slack"),
        ({"alertname": "CtloopModelDrift", "severity": "warning"}, "ctloop-slack"),
        ({"alertname": "CtloopMonitoringRunMissing", "severity": "warning"}, "ctloop-slack"),
        ({"alertname": "KubePodCrashLooping", "severity": "critical"}, "null"),
    ],
)
def test_routes(labels, receivers):
    args = [f"{k}={v}" for k, v in labels.items()]
    out = amtool(
        "config",
        "routes",
        "test",
        f"--config.file={EXAMPLE}",
        f"--verify.receivers={receivers}",
        *args,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == receivers


class Receiver:
    """Records the JSON bodies POSTed to it (Slack's incoming webhook and a plain webhook alike)."""

    def __init__(self):
        self.bodies: dict[str, list] = {}
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.setdefault(self.path, []).append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_critical_alert_reaches_slack_and_the_oncall_webhook(tmp_path):
    """The example config, with its URLs pointed at loopback and its waits shortened, in a real
    Alertmanager: the alert posted like Prometheus does reaches both receivers with its summary."""
    receiver = Receiver()
    try:
        config = yaml.safe_load(EXAMPLE.read_text())
        config["route"].update(group_wait="1s", group_interval="1s")
        (tmp_path / "slack-url").write_text(f"{receiver.url}/slack\n")
        slack, oncall = (
            r for r in config["receivers"] if r["name"] in ("ctloop-slack", "ctloop-oncall")
        )
        slack["slack_configs"][0]["api_url_file"] = str(tmp_path / "slack-url")
        oncall["webhook_configs"][0]["url"] = f"{receiver.url}/oncall"
        (tmp_path / "alertmanager.yaml").write_text(yaml.safe_dump(config))
        port = free_port()
        argv = [need("prometheus-alertmanager"), f"--config.file={tmp_path / 'alertmanager.yaml'}",
                f"--storage.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address="]
        with daemon(argv, tmp_path, port) as url:
            summary = "credit v3: realized roc_auc is 0.0500 worse than its floor"
            alert = [
                {
                    "labels": {
                        "alertname": "CtloopRealizedBelowFloor",
                        "severity": "critical",
                        "job": "ctloop-monitoring",
                        "model": "credit",
                        "version": "3",
                        "metric": "roc_auc",
                    },
                    "annotations": {
                        "summary": summary,
                        "runbook": "ctloop labels report --model-name credit",
                    },
                }
            ]
            request = urllib.request.Request(
                f"{url}/api/v2/alerts",
                data=json.dumps(alert).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            urllib.request.urlopen(request, timeout=10).read()
            deadline = time.monotonic() + 30
            while not ({"/slack", "/oncall"} <= set(receiver.bodies)):
                assert time.monotonic() < deadline, (
                    f"delivered only to {sorted(receiver.bodies)}; "
                    f"{(tmp_path / 'prometheus-alertmanager.log').read_text()}"
                )
                time.sleep(0.2)
        (message,) = receiver.bodies["/slack"][:1]
        assert message["channel"] == "#ml-alerts"
        attachment = message["attachments"][0]
        assert attachment["title"] == "[FIRING] CtloopRealizedBelowFloor"
        assert summary in attachment["text"] and "ctloop labels report" in attachment["text"]
        (hook,) = receiver.bodies["/oncall"][:1]
        assert hook["status"] == "firing" and hook["alerts"][0]["labels"]["model"] == "credit"
    finally:
        receiver.close()
