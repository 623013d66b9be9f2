"""``ctloop doctor``'s "Prometheus rules and targets" line only ever warns, and says what it saw.

It failed doctor from a laptop with ctloop-settings' in-cluster ``PROMETHEUS_URL`` (the Pushgateway
and MLflow lines skip such an address), and on a 500, a 503 or an HTML login page answering
``/api/v1/rules`` (the docs say the line only warns); VictoriaMetrics' vmselect without vmalert
(200 ``{"groups": []}``, ``app/vmselect/main.go``'s "dumb placeholder") was told to fix its
``ruleSelector``. ``Prometheus.api`` mapped its failures apart from the queries': no retry of a
502/503/504, no ``PROMETHEUS_CA_FILE`` hint on an unverified certificate.

The doubles answer as Prometheus v2.42 ``web/api/v1/api.go`` does: ``/api/v1/rules``
``data.groups[]`` (``name``, ``file``, ``rules``), ``/api/v1/targets`` ``data.activeTargets[]``
(``scrapePool``, ``labels``, ``health``, ``lastError``), ``warnings`` beside ``data`` (Thanos
Querier's partial answers).
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.errors import ServingError
from ctloop.ops.doctor import (
    SHIPPED_PODMONITOR,
    SHIPPED_RULE_GROUPS,
    Doctor,
    DoctorOptions,
)
from ctloop.serving.metric_sources import Prometheus, PrometheusAuth
from tests.fixtures.servers import InThreadServer
from tests.serving.test_prometheus_auth import _certificates

POOL = f"podMonitor/ml/{SHIPPED_PODMONITOR}/0"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var in (
        "PROMETHEUS_URL",
        "PROMETHEUS_TOKEN",
        "PROMETHEUS_TOKEN_FILE",
        "PROMETHEUS_USERNAME",
        "PROMETHEUS_PASSWORD",
        "PROMETHEUS_CA_FILE",
    ):
        monkeypatch.delenv(var, raising=False)


def _group(
    name: str, file: str = "/etc/prometheus/rules/prometheus-k8s-rulefiles-0/ml-ctloop.yaml"
) -> dict:
    return {"name": name, "file": file, "rules": [], "interval": 30, "evaluationTime": 0.001}


def _target(pool: str, health: str = "up", error: str = "") -> dict:
    return {
        "discoveredLabels": {},
        "labels": {
            "job": "ml/ctloop-inferenceservices",
            "namespace": "ml",
            "pod": "iris-predictor-1",
            "instance": "10.0.0.7:8080",
        },
        "scrapePool": pool,
        "scrapeUrl": "http://10.0.0.7:8080/metrics",
        "globalUrl": "",
        "lastError": error,
        "lastScrape": "2026-01-01T00:00:00Z",
        "lastScrapeDuration": 0.01,
        "health": health,
        "scrapeInterval": "30s",
        "scrapeTimeout": "10s",
    }


def _api(
    answers: dict[str, tuple[int, str, bytes]], seen: list[str] | None = None
) -> type[BaseHTTPRequestHandler]:
    """A handler answering each path prefix with (status, content type, body); any other: 404."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            if seen is not None:
                seen.append(self.path)
            code, ctype, body = next(
                (a for p, a in answers.items() if self.path.startswith(p)),
                (404, "text/plain", b"404 page not found\n"),
            )
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


def _ok(data: dict, **extra) -> tuple[int, str, bytes]:
    return (
        200,
        "application/json",
        json.dumps({"status": "success", "data": data, **extra}).encode(),
    )


VECTOR = _ok({"resultType": "vector", "result": []})
ALL_GROUPS = [_group(n) for names in SHIPPED_RULE_GROUPS.values() for n in names]


def _line(url: str, timeout: float = 3.0):
    return Doctor(DoctorOptions(prometheus_url=url, timeout=timeout)).check_monitoring()


def test_an_unavailable_rules_api_is_asked_again():
    """A 503 (Thanos Querier whose Prometheus restarts) is retried as a query is."""
    seen: list[str] = []
    answers = {"/api/v1/rules": (503, "text/plain", b"no healthy upstream")}
    with InThreadServer(_api(answers, seen)) as server:
        prom = Prometheus(server.root_url, timeout_s=5)

        def recover():
            time.sleep(0.2)
            answers["/api/v1/rules"] = _ok({"groups": []})

        threading.Thread(target=recover, daemon=True).start()
        assert prom.api("/api/v1/rules") == {"groups": []}
    assert len(seen) >= 2


def test_a_certificate_not_verified_names_the_ca_file(tmp_path):
    """The rules request says what to set, as the queries do."""
    _, cert, key = _certificates(tmp_path)
    with InThreadServer(_api({"/api/v1/rules": _ok({"groups": []})})) as server:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.server.socket = context.wrap_socket(server.server.socket, server_side=True)
        prom = Prometheus(f"https://{server.address}", timeout_s=3, auth=PrometheusAuth())
        with pytest.raises(ServingError) as raised:
            prom.api("/api/v1/rules")
    assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value)
    assert "set PROMETHEUS_CA_FILE" in str(raised.value)
