"""The scrape interval behind the window advice (``MetricSource.scrape_interval_ms``, read by
``analysis.no_data_reason``) costs two small answers, whatever the number of series, and a
failure to measure it never fails the check.

Round 44 read every raw sample of every series of the revision over the lookback: 2600 Istio
series (one per client workload and pod) scraped every 10 s over 1 h is an answer over the
16 MiB ``ANSWER_LIMIT``: a ServingError, the canary rolled back where it used to get the
no-data reason. Reproduced here at a smaller scale (40 series, 1200 s, the limit cut to 16 KiB:
the raw matrix is ~100 KiB, one series' samples ~3 KiB) in a real Prometheus 2.42 holding
backfilled series of Istio 1.27.1's ``istio_requests_total`` (labels of
tests/serving/test_r44_metrics_real_interval.py).
"""

import pytest

from ctloop.config import CanaryRules
from ctloop.errors import ServingError
from ctloop.serving import analysis, metric_sources
from ctloop.serving.analysis import Prometheus
from ctloop.serving.metric_sources import MetricSource, get_source
from tests.fixtures.prometheus import prometheus_with

pytestmark = pytest.mark.slow  # a real Prometheus (~3 s to start)

T0 = 1_700_000_000
AT = T0 + 1200
NS = "ml"
STABLE = "credit-predictor-00001"
CANARY = "credit-predictor-00002"
CLIENTS = 40
LIMIT = 16 * 1024


def _lines() -> list[str]:
    lines = ["# TYPE istio_requests_total unknown"]
    for client in range(CLIENTS):
        labels = (
            f'job="istio-gateways",instance="10.0.1.{client}:15020",reporter="source",'
            f'source_workload="client-{client}",source_workload_namespace="apps",'
            f'destination_service_name="{CANARY}",destination_service_namespace="{NS}",'
            'response_code="200"'
        )
        lines += [f"istio_requests_total{{{labels}}} {i} {T0 + i * 10}" for i in range(121)]
    return [*lines, "# EOF", ""]


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    with prometheus_with("\n".join(_lines()), tmp_path_factory.mktemp("fix44a-cost")) as url:
        yield Prometheus(url)


@pytest.fixture
def small_answers(monkeypatch):
    """Every answer limited to :data:`LIMIT` bytes, as ``ANSWER_LIMIT`` limits it."""
    read = metric_sources.read_answer
    monkeypatch.setattr(
        metric_sources,
        "read_answer",
        lambda resp, timeout_s, limit=LIMIT, **kw: read(resp, timeout_s, min(limit, LIMIT), **kw),
    )


def test_many_series_are_measured_from_one(prom, small_answers):
    assert get_source("istio").scrape_interval_ms(prom, CANARY, NS, "1h", AT) == 10_000


def test_many_series_still_get_the_window_advice(prom, small_answers):
    check = analysis.make_check(
        prom,
        source="istio",
        canary_revision=lambda: CANARY,
        stable_revision=lambda: STABLE,
        namespace=NS,
        rules=CanaryRules(window="15s"),
        clock=lambda: AT + 20,
    )
    passed, why, _ = check(5)
    assert not passed
    assert (
        "shorter than two scrape intervals" in why
        and "40s (its series were scraped every 10s)" in why
    ), why


def test_an_interval_not_measured_is_the_podmonitors(prom, monkeypatch):
    def refused(self, *args, **kwargs):
        raise ServingError(
            "Prometheus query failed (http://prometheus:9090): an answer of more than 16 MiB"
        )

    monkeypatch.setattr(MetricSource, "scrape_interval_ms", refused)
    why = analysis.no_data_reason(
        prom, "istio", canary=CANARY, stable=STABLE, namespace=NS, at=AT + 20, window="15s"
    )
    assert "shorter than two scrape intervals" in why, why
    assert "2m at a 30s interval" in why, why
