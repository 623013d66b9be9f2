"""A queue-proxy scraped both ways (classic text and native protobuf of one target:
``always_scrape_classic_histograms``, modelled as two jobs with the same target labels as
tests/serving/test_r43_metrics_histogram_switch.py does) whose classic scrape is turned off
within the **first tenth** of the analysis window, in one real Prometheus 2.42
(``--enable-feature=native-histograms``) scraping it live every 100 ms.

knative-otel's request count (``MetricSource._kinds``) takes the live kind alone where the two
kinds were live at once in the window, and both where they never were (a switch). "At once" was
asked only at the subquery's steps, every tenth of the window aligned to multiples of the step
(Prometheus ``promql/engine.go`` subquery evaluation), and at the window's end: turned off before
the first step, the classic series was never seen live beside the native one, the target was
taken for a switch and its classic answers of that first tenth were counted twice (here about
1.1x the requests). Now "at once" is also asked at the window's start (``offset``).

The window and its step are chosen from the classic series' last sample so that no subquery
step falls between the window's start and the stale marker: the case the step alone misses.
"""

from __future__ import annotations

import math
import time

import pytest

from ctloop.serving.metric_sources import Prometheus, PrometheusAuth, get_source
from tests.fixtures.prometheus import native_scraping, query, wait_for
from tests.serving.test_r43_metrics_histogram_switch import (
    BOTH_POD,
    BOTH_REVISION,
    NS,
    OTEL,
    BothWaysPod,
    _labels,
)

pytestmark = pytest.mark.slow

SCRAPE_MS = 100


@pytest.fixture(scope="module")
def scraped(tmp_path_factory):
    """``(prometheus, last classic sample's ms)`` once the classic scrape was turned off."""
    tmp_path = tmp_path_factory.mktemp("kind-off-early")
    with BothWaysPod() as pod:
        jobs = [
            {
                "job_name": kind,
                "scrape_interval": f"{SCRAPE_MS}ms",
                "scrape_timeout": f"{SCRAPE_MS}ms",
                "metrics_path": f"/{kind}",
                "static_configs": [
                    {"targets": [pod.address], "labels": _labels(BOTH_POD, "10.0.0.2:9091")}
                ],
            }
            for kind in ("classic", "native")
        ]
        with native_scraping(tmp_path, jobs) as url:
            wait_for(
                url,
                f'count_over_time({OTEL}_count{{pod="{BOTH_POD}"}}[1m])',
                timeout=60,
                predicate=lambda r: bool(r) and int(r[0]["value"][1]) >= 15,
            )
            pod.classic = False
            wait_for(
                url,
                f'count({OTEL}_count{{pod="{BOTH_POD}"}}) or vector(0)',
                timeout=30,
                predicate=lambda r: bool(r) and r[0]["value"][1] == "0",
            )
            raw = query(url, f'{OTEL}_count{{pod="{BOTH_POD}"}}[1m]')
            last_ms = max(round(float(ts) * 1000) for series in raw for ts, _ in series["values"])
            yield Prometheus(url, auth=PrometheusAuth()), last_ms


def _window(last_ms: int) -> tuple[int, int]:
    """``(step, start)`` ms: a step with no multiple between ``start`` (at least two classic
    samples before the last one) and the stale marker one scrape after it."""
    stale = last_ms + SCRAPE_MS + 50
    for step in range(600, 3000):
        first = math.ceil(stale / step) * step  # the subquery's first step after the stale marker
        start = first - step + 1  # the window starts just after the step before it
        if last_ms - start >= 2 * SCRAPE_MS:
            return step, start
    raise AssertionError("no step fits")  # pragma: no cover


def test_a_kind_turned_off_in_the_first_tenth_is_counted_once(scraped):
    prom, last_ms = scraped
    step, start = _window(last_ms)
    window = f"{10 * step}ms"
    at = (start + 10 * step) / 1000
    time.sleep(max(at - time.time() + 0.5, 0))
    classic = prom.scalar(f'sum(increase({OTEL}_count{{pod="{BOTH_POD}"}}[{window}]))', at)
    native = prom.scalar(
        f'sum(histogram_count(increase({OTEL}{{pod="{BOTH_POD}"}}[{window}])))', at
    )
    # the premise: the stale classic series holds answers of the window's first tenth, at least twice
    # the 1 % the count below is held to, so counting them twice fails it (a tenth is ~0.1 x native;
    # scrapes a loaded machine delays leave less: 0.039 x in one clean-clone run, refused at 0.04 x)
    assert classic > 2 * 0.01 * native > 0
    stats = get_source("knative-otel").stats(prom, BOTH_REVISION, NS, window, at)
    assert stats.requests == pytest.approx(native, rel=0.01), (stats.requests, native, classic)
    assert stats.error_rate == pytest.approx(0.05, abs=0.02)
