"""The window advice of a canary with series but fewer than two samples of them in the window
(``analysis.no_data_reason``) follows the interval its series were really scraped at.

"Shorter than two scrape intervals" was judged against the PodMonitor's 30 s for every source,
but the ``istio`` source's series come from the Istio gateways, scraped by Istio's own monitor
at an interval ctloop does not set (and a user may change the PodMonitor's):

* gateways scraped every 10 s, a ``25s`` window holding one sample (the gateway's monitor missed
  scrapes): told the window was shorter than two scrape intervals and to set ``2m``, which
  changes nothing;
* gateways scraped every 60 s, a ``1m`` window holding one sample: told the monitor missed
  scrapes or a gateway restarted, though the window is shorter than two of its intervals; the
  ctloop source with its PodMonitor changed to 60 s likewise.

Now the interval is measured (the median spacing of the revision's samples in the lookback,
``MetricSource.scrape_interval_ms``) and the suggested window is four of it. A real Prometheus
2.42 holds backfilled series (``promtool tsdb create-blocks-from openmetrics``) of Istio 1.27.1's
``istio_requests_total`` (labels of tests/fixtures/serving_metrics.py) and ctloop's
``ctloop_predictions_total`` at those intervals; none after ``AT``.
"""

import pytest

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from ctloop.serving.analysis import Prometheus
from ctloop.serving.metric_sources import get_source
from tests.fixtures.prometheus import prometheus_with

pytestmark = pytest.mark.slow

T0 = 1_700_000_000
AT = T0 + 1200  # the last sample of every series
NS = "ml"
STABLE = "credit-predictor-00001"
FAST = "credit-predictor-00002"  # gateways scraped every 10 s
SLOW = "credit-predictor-00003"  # gateways (and its pods) scraped every 60 s
QUICK = "credit-predictor-00004"  # gateways scraped every 2.5 s


def _series(name: str, labels: dict[str, str], every: float) -> list[str]:
    text = ",".join(f'{k}="{v}"' for k, v in labels.items())
    times = [T0 + i * every for i in range(int((AT - T0) / every) + 1)]
    return [f"{name}{{{text}}} {2 * (t - T0):g} {t:.3f}" for t in times]


def _istio(revision: str, every: int) -> list[str]:
    # istio 1.27.1 standard metric labels (a subset), reporter="source" on the gateway
    labels = {
        "job": "istio-gateways",
        "instance": "10.0.0.9:15020",
        "reporter": "source",
        "source_workload": "istio-ingressgateway",
        "destination_service_name": revision,
        "destination_service_namespace": NS,
        "response_code": "200",
    }
    return _series("istio_requests_total", labels, every)


def _ctloop(revision: str, every: int) -> list[str]:
    labels = {
        "job": "ml/ctloop-inferenceservices",
        "instance": "10.0.0.3:8080",
        "namespace": NS,
        "isvc": "credit",
        "revision": revision,
        "outcome": "ok",
    }
    return _series("ctloop_predictions_total", labels, every)


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    lines = [
        "# TYPE istio_requests_total unknown",
        *_istio(STABLE, 30),
        *_istio(FAST, 10),
        *_istio(SLOW, 60),
        *_istio(QUICK, 2.5),
        "# TYPE ctloop_predictions_total unknown",
        *_ctloop(STABLE, 30),
        *_ctloop(SLOW, 60),
        "# EOF",
        "",
    ]
    with prometheus_with("\n".join(lines), tmp_path_factory.mktemp("interval")) as url:
        yield Prometheus(url)


def reason(prom, source, canary, window, at):
    check = analysis.make_check(
        prom,
        source=source,
        canary_revision=lambda: canary,
        stable_revision=lambda: STABLE,
        namespace=NS,
        rules=CanaryRules(window=window),
        clock=lambda: at,
    )
    passed, why, _ = check(5)
    assert not passed
    return why


@pytest.mark.parametrize(
    ("source", "canary", "every"),
    [
        ("istio", FAST, 10_000),
        ("istio", SLOW, 60_000),
        ("ctloop", SLOW, 60_000),
        ("istio", QUICK, 2500),
    ],
)
def test_the_interval_is_measured(prom, source, canary, every):
    assert get_source(source).scrape_interval_ms(prom, canary, NS, "1h", AT) == every


def test_a_window_of_several_gateway_scrapes_is_not_called_short(prom):
    why = reason(prom, "istio", FAST, "25s", AT + 20)  # 2.5 scrapes of 10 s, one sample in it
    assert "1 sample(s) in the 25s window" in why, why
    assert "shorter than two scrape intervals" not in why and "rollout.rules.window" not in why, why
    assert "Istio gateways' series of it were scraped 1 time(s)" in why


@pytest.mark.parametrize(
    ("source", "advice"),
    [
        (
            "istio",
            "4 scrape intervals of the monitor scraping the Istio gateways (Istio's own, not ctloop's "
            "PodMonitor): 4m (its series were scraped every 1m)",
        ),
        (
            "ctloop",
            "4 scrape intervals (the PodMonitor ctloop-inferenceservices scrapes every 1m: 4m)",
        ),
    ],
    ids=["istio", "ctloop"],
)
def test_a_window_under_two_real_intervals_is_called_short(prom, source, advice):
    why = reason(prom, source, SLOW, "1m", AT + 30)  # one scrape of 60 s in it
    assert "1 sample(s) in the 1m window" in why, why
    assert (
        f"shorter than two scrape intervals: set rollout.rules.window to at least {advice}" in why
    ), why
