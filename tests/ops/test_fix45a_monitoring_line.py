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
    OK,
    SHIPPED_PODMONITOR,
    SHIPPED_RULE_GROUPS,
    SKIP,
    WARN,
    Doctor,
    DoctorOptions,
)
from ctloop.serving.metric_sources import Prometheus, PrometheusAuth
from tests.fixtures.servers import InThreadServer

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


def test_an_in_cluster_url_is_skipped_as_the_pushgateway_is():
    """manifests/base ctloop-settings' PROMETHEUS_URL, from a laptop: skipped, not failed."""
    check = _line("http://prometheus-operated.monitoring.svc.cluster.local:9090")
    assert check.status == SKIP, check.line()
    assert "in-cluster address, not resolvable here" in check.line()
    assert "port-forward" in check.line()


@pytest.mark.parametrize(
    "answer, said",
    [
        (
            (500, "text/plain", b"internal error"),
            "(HTTP 500): Internal Server Error: internal error",
        ),
        ((503, "text/plain", b"no healthy upstream"), "(HTTP 503)"),
        (
            (200, "text/html", b"<html>login</html>"),
            "no Prometheus API response ('<html>login</html>')",
        ),
    ],
    ids=["500", "503", "html-200"],
)
def test_a_failing_rules_api_is_a_warning(answer, said):
    with InThreadServer(_api({"/api/v1/rules": answer, "/api/v1/query": VECTOR})) as server:
        check = _line(server.root_url, timeout=1.0)
    assert check.status == WARN, check.line()
    assert "cannot tell what Prometheus loaded" in check.line() and said in check.line()


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


def test_a_certificate_not_verified_names_the_ca_file(private_ca):
    """The rules request says what to set, as the queries do."""
    _, cert, key = private_ca
    with InThreadServer(_api({"/api/v1/rules": _ok({"groups": []})})) as server:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.server.socket = context.wrap_socket(server.server.socket, server_side=True)
        prom = Prometheus(f"https://{server.address}", timeout_s=3, auth=PrometheusAuth())
        with pytest.raises(ServingError) as raised:
            prom.api("/api/v1/rules")
    assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value)
    assert "set PROMETHEUS_CA_FILE" in str(raised.value)


def test_vmselect_without_vmalert_lists_no_groups():
    """vmselect answers /api/v1/rules 200 with no groups without -vmalert.proxyURL: no
    PrometheusRule is "not loaded" there, the API lists nothing at all."""
    answers = {
        "/api/v1/rules": _ok({"groups": []}),
        "/api/v1/targets": _ok({"activeTargets": [_target(POOL)]}),
    }
    with InThreadServer(_api(answers)) as server:
        check = _line(server.root_url)
    line = check.line()
    assert check.status == WARN, line
    assert "this API lists no rule groups at all" in line
    assert "vmselect without vmalert" in line and "check in the Prometheus (or vmalert)" in line
    assert "not loaded" not in line
    assert "no target of PodMonitor" not in line and "are down" not in line  # its one target: up


def test_the_targets_are_those_of_the_scrape_pools():
    """The job label is ml/<name> (prometheus-operator's relabeling); the scrape pool is what
    tells the PodMonitor's targets apart. Another PodMonitor's pool is not counted."""
    targets = [
        _target(POOL),
        _target(f"podMonitor/ml/{SHIPPED_PODMONITOR}/1", "down", "connection refused"),
        _target("podMonitor/ml/other-inferenceservices/0", "down"),
    ]
    answers = {
        "/api/v1/rules": _ok({"groups": ALL_GROUPS}),
        "/api/v1/targets": _ok({"activeTargets": targets}),
    }
    with InThreadServer(_api(answers)) as server:
        line = _line(server.root_url).line()
    assert (
        f"1 of 2 targets of PodMonitor {SHIPPED_PODMONITOR} are down, e.g. ml/iris-predictor-1 "
        f"(podMonitor/ml/{SHIPPED_PODMONITOR}/1: connection refused)" in line
    ), line


@pytest.mark.parametrize(
    "targets",
    [(404, "text/plain", b"404 page not found"), (200, "text/html", b"<html>login</html>")],
    ids=["404", "html"],
)
def test_without_a_targets_api_the_job_label_is_asked(targets):
    seen: list[str] = []
    up = _ok(
        {
            "resultType": "vector",
            "result": [
                {
                    "metric": {
                        "__name__": "up",
                        "job": f"ml/{SHIPPED_PODMONITOR}",
                        "namespace": "ml",
                        "pod": "p",
                    },
                    "value": [1, "1"],
                }
            ],
        }
    )
    with InThreadServer(
        _api(
            {
                "/api/v1/rules": _ok({"groups": ALL_GROUPS}),
                "/api/v1/targets": targets,
                "/api/v1/query": up,
            },
            seen,
        )
    ) as server:
        check = _line(server.root_url)
    assert check.status == OK, check.line()
    assert f"1 targets of PodMonitor {SHIPPED_PODMONITOR} up" in check.line()
    assert any("job%3D~%22.%2B%2Fctloop-inferenceservices%22" in p for p in seen), seen


def test_a_group_loaded_twice_and_a_partial_answer_are_said():
    """Two rule files with group ctloop-alerts (the component applied in two namespaces) fire
    each alert twice; a Thanos Querier's warnings mean what it listed may lack the rest."""
    groups = [
        *ALL_GROUPS,
        _group(
            "ctloop-alerts", "/etc/prometheus/rules/prometheus-k8s-rulefiles-0/team-b-ctloop.yaml"
        ),
    ]
    answers = {
        "/api/v1/rules": _ok({"groups": groups}, warnings=["store 10.0.0.9:10901 unavailable"]),
        "/api/v1/targets": _ok({"activeTargets": [_target(POOL)]}),
    }
    with InThreadServer(_api(answers)) as server:
        check = _line(server.root_url)
    line = check.line()
    assert check.status == WARN, line
    assert (
        "rule group ctloop-alerts is loaded 2 times (files ml-ctloop.yaml, team-b-ctloop.yaml)"
        in line
    )
    assert "the answer is partial (store 10.0.0.9:10901 unavailable)" in line
