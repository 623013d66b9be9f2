"""The recording rules (alerts, dashboard) over native histograms, in a real Prometheus 2.42.

A revision whose latency histogram is scraped as a native histogram (``--enable-feature=
native-histograms`` with protobuf, Prometheus 3's ``convert_classic_histograms_to_nhcb``) has no
``<name>_bucket`` nor ``<name>_count`` series: the recording rules read only those, so its
``ctloop:request_*`` series were absent — no error-rate or latency alert, a blank dashboard —
while the canary analysis judged it (``MetricSource.stats`` asks the native series). The rules
now take the native histogram's count and p99 where a target has no classic series.

Set-up: the pods of tests/serving/test_fix41f_mixed_histograms.py (protobuf encoding of
prometheus/client_model v0.3.0 ``metrics.proto``, pinned by Prometheus v2.42.0's go.mod) and the
monitoring component's rules rendered for each source, evaluated at every scrape (250 ms).
"""

from __future__ import annotations

import contextlib

import pytest

from ctloop.serving.metric_sources import Prometheus, PrometheusAuth
from tests.fixtures.prometheus import native_scraping, wait_for
from tests.manifests.rules_support import render_monitoring, rule_groups, write_rules
from tests.serving import test_fix41f_mixed_histograms as mixed

pytestmark = pytest.mark.slow

NS, CONFIG = mixed.NS, mixed.CONFIG
STABLE, CANARY = f"{CONFIG}-00001", f"{CONFIG}-00002"
# (revision, pod, format, 5xx share, latency s): the canary is native on both its pods
# scraped, and the rules evaluated, every SCRAPE: only shares and latencies are asserted, which
# hold after two scrapes at any interval
SCRAPE = "250ms"
PODS = [
    (STABLE, "a", "classic", 0.0, 0.08),
    (CANARY, "a", "native", 0.5, 0.9),
    (CANARY, "b", "native", 0.5, 0.9),
]


def _jobs(address: str) -> list[dict]:
    jobs = []
    for i, (revision, pod, _, _, _) in enumerate(PODS):
        for kind, port in (("ctloop", 8080), ("otel", 9091)):
            labels = {
                "job": "ml/ctloop-inferenceservices",
                "instance": f"10.0.0.{i}:{port}",
                "pod": f"{revision}-deployment-{pod}",
                "namespace": NS,
            }
            if kind == "ctloop":
                labels |= {"revision": revision, "isvc": CONFIG.removesuffix("-predictor")}
            jobs.append(
                {
                    "job_name": f"{kind}-{i}",
                    "scrape_interval": SCRAPE,
                    "metrics_path": f"/{kind}/{i}",
                    "static_configs": [{"targets": [address], "labels": labels}],
                }
            )
    return jobs


SOURCES = ("ctloop", "knative-otel")


@pytest.fixture(scope="module")
def prometheus_per_source(tmp_path_factory):
    """One real Prometheus per source (its own rules), both scraping the pods and both started
    before either is waited for: each scrapes nothing for its first ~5 s (Prometheus 2.42's scrape
    manager applies discovered targets on a 5 s ticker), so the two wait once."""
    with mixed.Pods(PODS) as server, contextlib.ExitStack() as stack:
        urls = {}
        for source in SOURCES:
            tmp_path = tmp_path_factory.mktemp(f"native-rules-{source}")
            groups = [
                {**g, "interval": SCRAPE}
                for g in rule_groups(render_monitoring(tmp_path / "render", source))
            ]
            rules = write_rules(tmp_path, groups)
            urls[source] = stack.enter_context(
                native_scraping(tmp_path, _jobs(server.address), rule_files=[str(rules)])
            )
        for url in urls.values():
            wait_for(url, f'ctloop:request_rate:rate5m{{revision="{STABLE}"}}', timeout=60)
            wait_for(
                url, f'ctloop:request_latency_p99_seconds:5m{{revision="{STABLE}"}}', timeout=30
            )
        yield {source: Prometheus(url, auth=PrometheusAuth()) for source, url in urls.items()}


@pytest.fixture(scope="module", params=SOURCES)
def prom(request, prometheus_per_source):
    return prometheus_per_source[request.param]


def test_the_premise_the_canary_has_only_native_series(prom):
    assert prom.scalar(f'count(ctloop_predict_seconds_count{{revision="{CANARY}"}})') is None
    assert prom.scalar("count(histogram_count(http_server_request_duration_seconds))") >= 2


def test_a_native_canary_has_its_contract_series(prom):
    wait_for(prom.url, f'ctloop:request_latency_p99_seconds:5m{{revision="{CANARY}"}}', timeout=20)
    # the 5xx share over a window of several scrapes: over the first two (10 answers a pod, the errors
    # rounded per scrape) it read 0.4 (0.39999999999999997, outside 0.5 ± 0.1: a clean clone in round 50)
    wait_for(prom.url, f'count_over_time(ctloop:request_error_ratio:rate5m{{revision="{CANARY}"}}[1m]) >= 8',
             timeout=20)
    contract = f'{{namespace="{NS}", isvc="credit", revision="{CANARY}"}}'
    assert prom.scalar(f"ctloop:request_rate:rate5m{contract}") > 0
    assert prom.scalar(f"ctloop:request_error_ratio:rate5m{contract}") == pytest.approx(
        0.5, abs=0.1
    )
    assert prom.scalar(f"ctloop:request_latency_p99_seconds:5m{contract}") > 0.5  # 0.9 s answers
    stable = f'{{namespace="{NS}", isvc="credit", revision="{STABLE}"}}'
    assert prom.scalar(f"ctloop:request_error_ratio:rate5m{stable}") == 0
    assert prom.scalar(f"ctloop:request_latency_p99_seconds:5m{stable}") <= 0.1
    # one series per revision: the stable's classic p99 and nothing else
    assert prom.scalar("count(ctloop:request_latency_p99_seconds:5m)") == 2
