"""``ctloop doctor``'s "Prometheus rules and targets" line: is what manifests/components/monitoring
ships loaded by Prometheus?

prometheus-operator ignores, without a word, a PrometheusRule or PodMonitor its Prometheus does
not select (``spec.ruleSelector``/``podMonitorSelector``; kube-prometheus-stack selects only its
own ``release`` label). Every doctor line was ok while no ctloop alert could ever fire, and
nothing said so. Now doctor asks Prometheus itself: ``GET /api/v1/rules`` (Prometheus v2.42
``web/api/v1/api.go``: ``data.groups[].name``, ``rules[].health``/``lastError``/``query``) for
the shipped groups, a failing rule and the metric source group ``ctloop-source`` reads, and
``GET /api/v1/targets`` for the PodMonitor's targets (prometheus-operator
``pkg/prometheus/promcfg.go`` generatePodMonitorConfig, main branch of 2025: the scrape pool,
``job_name``, is ``podMonitor/<namespace>/<name>/<endpoint index>``, but a relabeling sets the
``job`` label to ``<namespace>/<name>``: the line matches the scrape pool, never the job label).

One real Prometheus 2.42: the ``ctloop-canary`` and ``ctloop-inference-log`` PrometheusRules of
the manifests loaded (``ctloop-model-quality`` not: as if its Prometheus did not select it), one
rule that fails each evaluation added to ``ctloop-inference-log``, and a PodMonitor scrape pool
with one target up and one down, relabelled as prometheus-operator does.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml

from ctloop.ops.doctor import (
    SHIPPED_PODMONITOR,
    SHIPPED_RULE_GROUPS,
    SKIP,
    WARN,
    Doctor,
    DoctorOptions,
)
from ctloop.serving.metric_sources import SOURCES, get_source
from tests.fixtures.prometheus import prometheus_with, wait_for
from tests.fixtures.servers import InThreadServer, dead_port

MONITORING = Path(__file__).resolve().parents[2] / "manifests" / "components" / "monitoring"
# the scrape pool; its targets' job label is ml/<name>
JOB = f"podMonitor/ml/{SHIPPED_PODMONITOR}/0"
# evaluated every second, refused each time: two series of one label set after label_replace
FAILING = {
    "record": "ctloop:failing:test",
    "expr": 'label_replace({__name__=~"up|scrape_samples_scraped"}, "__name__", "x", "", "")',
}


def _shipped() -> dict[str, list[dict]]:
    """Each PrometheusRule of the monitoring component: its name and its groups."""
    rules = {}
    for path in sorted(MONITORING.glob("prometheusrule*.yaml")):
        obj = yaml.safe_load(path.read_text())
        rules[obj["metadata"]["name"]] = obj["spec"]["groups"]
    return rules


class Exporter(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        body = b"ctloop_predictions_total 1\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("r45-metrics-doctor")
    shipped = _shipped()
    groups = [*shipped["ctloop-canary"], *shipped["ctloop-inference-log"]]
    groups[-1] = {**groups[-1], "interval": "1s", "rules": [*groups[-1]["rules"], FAILING]}
    (workdir / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    with InThreadServer(Exporter) as exporter:
        scrape = [
            {
                "job_name": JOB,
                "scrape_interval": "1s",
                "static_configs": [{"targets": [exporter.address, f"127.0.0.1:{dead_port()}"]}],
                # prometheus-operator generatePodMonitorConfig's job relabeling (no spec.jobLabel)
                "relabel_configs": [
                    {"target_label": "job", "replacement": f"ml/{SHIPPED_PODMONITOR}"}
                ],
            }
        ]
        with prometheus_with(
            "",
            workdir,
            scrape_configs=scrape,
            rule_files=[str(workdir / "rules.yaml")],
            evaluation_interval="1s",
        ) as url:
            wait_for(url, "count(up)", predicate=lambda r: r and r[0]["value"][1] == "2")
            yield url


@pytest.fixture
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


def _line(url: str, source: str):
    import time

    doctor = Doctor(DoctorOptions(prometheus_url=url, metric_source=source))
    for _ in range(50):  # the failing rule's health is "unknown" until its first evaluation
        check = doctor.check_monitoring()
        if "fail to evaluate" in check.line():
            return check
        time.sleep(0.1)
    return check


def test_the_shipped_groups_are_those_of_the_manifests():
    assert {
        name: tuple(g["name"] for g in groups) for name, groups in _shipped().items()
    } == SHIPPED_RULE_GROUPS
    podmonitors = [o for o in yaml.safe_load_all((MONITORING / "podmonitor.yaml").read_text())]
    assert SHIPPED_PODMONITOR in [o["metadata"]["name"] for o in podmonitors]


def test_doctor_names_what_prometheus_did_not_load(prometheus, clean_env):
    check = _line(prometheus, "knative-otel")
    line = check.line()
    assert check.status == WARN, line
    assert (
        "PrometheusRule ctloop-model-quality not loaded (no rule group ctloop-model-quality)"
        in line
    )
    assert "ctloop-canary" not in line.split(" not loaded")[0]  # loaded: not named missing
    assert "spec.ruleSelector" in line
    assert (
        "1 rule(s) fail to evaluate, e.g. ctloop:failing:test of group ctloop-inference-log:"
        in line
    )
    assert "same labelset" in line  # Prometheus' lastError
    # the loaded ctloop-source group is the default source's, the analysis reads knative-otel
    assert (
        "rule group ctloop-source reads the ctloop metric source's series, the canary analysis knative-otel's"
        in line
    )
    assert "sources/knative-otel" in line
    assert f"1 of 2 targets of PodMonitor {SHIPPED_PODMONITOR} are down" in line and JOB in line


def test_the_source_the_rules_read_is_no_warning(prometheus, clean_env):
    line = _line(prometheus, "ctloop").line()
    assert "rule group ctloop-source reads" not in line
    assert "fail to evaluate" in line  # the rest still said


def test_no_prometheus_url_is_skipped(clean_env):
    doctor = Doctor(DoctorOptions(prometheus_url=""))
    doctor._set_backend(None)  # what the KFP checks' thread does when done (no KFP here)
    check = doctor.check_monitoring()
    assert check.status == SKIP and "no Prometheus URL" in check.line()


class QueryOnly(BaseHTTPRequestHandler):
    """A query API that does not list its rules: 404 (a proxy forwarding only queries), or 403
    on the rules path alone (an auth proxy letting these credentials query but not list rules).
    VictoriaMetrics' vmselect without ``-vmalert.proxyURL`` answers 200 with no groups instead
    (tests/ops/test_fix45a_monitoring_line.py)."""

    code = 404

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(self.code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "9")
        self.end_headers()
        self.wfile.write(b"not found")

    def log_message(self, *args):
        pass


class RulesForbidden(QueryOnly):
    code = 403


@pytest.mark.parametrize("handler", [QueryOnly, RulesForbidden], ids=["404", "403"])
def test_a_query_api_without_rules_is_a_warning_not_a_failure(handler, clean_env):
    with InThreadServer(handler) as server:
        check = Doctor(DoctorOptions(prometheus_url=server.root_url)).check_monitoring()
    line = check.line()
    assert check.status == WARN and "does not list its rules" in line, line
    assert f"HTTP {handler.code}" in line


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_each_source_group_is_told_apart(source):
    """The requests rule of every source's group (sources/<name>) names that source alone."""
    rule = get_source(source).rule_group()["rules"][0]
    group = {"rules": [{"name": rule["record"], "query": rule["expr"]}]}
    assert Doctor._source_group_reads(group) == [source]
