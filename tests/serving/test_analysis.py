"""Canary analysis against a real Prometheus on loopback, fed with known series."""

import math

import pytest

from ctloop.serving import analysis
from ctloop.serving.analysis import Prometheus, Rules
from tests.fixtures.prometheus import prometheus_with

pytestmark = pytest.mark.slow

T0 = 1_700_000_000  # series start (2023-11-14); evaluation happens 20 minutes later
AT = T0 + 20 * 60
NS = "ml"
BUCKETS = ("100", "250", "500", "1000", "+Inf")


def series(revision: str, *, rps: float, error_share: float, latency_ms: float) -> list[str]:
    """20 minutes of 15-second samples of a revision's counters and latency histogram."""
    out = []
    for i in range(0, 20 * 60 + 1, 15):
        total = rps * i
        labels = f'namespace_name="{NS}",revision_name="{revision}"'
        out.append(f'revision_app_request_count{{{labels},response_code_class="2xx"}} {total * (1 - error_share):.3f} {T0 + i}')
        if error_share:
            out.append(f'revision_app_request_count{{{labels},response_code_class="5xx"}} {total * error_share:.3f} {T0 + i}')
        for le in BUCKETS:
            inside = le == "+Inf" or float(le) >= latency_ms
            out.append(f'revision_app_request_latencies_bucket{{{labels},le="{le}"}} {total if inside else 0:.3f} {T0 + i}')
    return out


def openmetrics() -> str:
    lines = ["# TYPE revision_app_request_count unknown", "# TYPE revision_app_request_latencies_bucket unknown"]
    body = []
    body += series("stable-00001", rps=20, error_share=0.001, latency_ms=90)
    body += series("healthy-00002", rps=2, error_share=0.002, latency_ms=80)
    body += series("errors-00003", rps=2, error_share=0.05, latency_ms=90)
    body += series("slow-00004", rps=2, error_share=0.0, latency_ms=700)
    body += series("sluggish-00005", rps=2, error_share=0.0, latency_ms=240)  # < 500 ms but > 2x stable
    body += series("trickle-00006", rps=0.02, error_share=0.0, latency_ms=90)  # too few requests
    # group samples by metric family name (OpenMetrics wants each family contiguous)
    counts = [x for x in body if x.startswith("revision_app_request_count")]
    lat = [x for x in body if x.startswith("revision_app_request_latencies_bucket")]
    return "\n".join([lines[0], *sorted(counts, key=lambda s: (s.split(" ")[0], int(s.split(" ")[-1]))),
                      lines[1], *sorted(lat, key=lambda s: (s.split(" ")[0], int(s.split(" ")[-1]))), "# EOF", ""])


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    with prometheus_with(openmetrics(), tmp_path_factory.mktemp("prom")) as url:
        yield Prometheus(url)


def decide(prom, canary, plan=(5, 25, 50, 100)):
    check = analysis.make_check(prom, canary_revision=lambda: canary, stable_revision=lambda: "stable-00001",
                                namespace=NS, rules=Rules(), clock=lambda: AT)
    results = [check(p) for p in plan]
    return all(r[0] for r in results), results


def test_measurements_match_the_series(prom):
    stats = analysis.revision_stats(prom, "errors-00003", NS, "5m", AT)
    assert stats.requests == pytest.approx(2 * 300, rel=0.05)
    assert stats.error_rate == pytest.approx(0.05, rel=0.02)
    assert stats.p99_seconds == pytest.approx(0.099)  # all requests in the <=100 ms bucket
    slow = analysis.revision_stats(prom, "slow-00004", NS, "5m", AT)
    assert slow.p99_seconds == pytest.approx(0.995)  # 500-1000 ms bucket, interpolated at 99 %
    assert math.isclose(analysis.revision_stats(prom, "stable-00001", NS, "5m", AT).p99_seconds, 0.099, rel_tol=0.01)


def test_healthy_canary_passes_every_step(prom):
    passed, results = decide(prom, "healthy-00002")
    assert passed, results


@pytest.mark.parametrize("canary, reason", [
    ("errors-00003", "error rate 5.00% > 1.00%"),
    ("slow-00004", "p99 latency"),
    ("sluggish-00005", "2× stable"),
    ("trickle-00006", "too few requests"),
    ("silent-00007", "no data"),
])
def test_bad_or_silent_canaries_fail(prom, canary, reason):
    passed, results = decide(prom, canary)
    assert not passed
    assert reason in results[0][1], results[0][1]


def test_no_prometheus_url_is_a_config_error():
    from ctloop.errors import ConfigError

    with pytest.raises(ConfigError, match="PROMETHEUS_URL"):
        Prometheus("")


@pytest.mark.parametrize("series_name, decision", [
    ("healthy-00002", "promoted"),
    ("errors-00003", "rolled_back"),
    ("slow-00004", "rolled_back"),
    ("silent-00007", "rolled_back"),
])
def test_canary_rollout_decided_by_prometheus(prom, series_name, decision):
    """The whole loop: deploy through the Kubernetes API double, judge with real Prometheus data."""
    from ctloop.serving import rollout
    from ctloop.serving.kube import InferenceServices
    from tests.doubles.kube_api import KubeApiDouble

    v1, v2 = "gs://m/run1/artifacts/model-joblib", "gs://m/run2/artifacts/model-joblib"
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        rollout.deploy(isvcs, name="credit", model_name="credit", version="1", storage_uri=v1, timeout_s=5)
        # the canary revision's metrics are the series named `series_name` in this Prometheus
        check = analysis.make_check(prom, canary_revision=lambda: series_name,
                                    stable_revision=lambda: "stable-00001", namespace=NS, rules=Rules(),
                                    clock=lambda: AT)
        rollout.deploy(isvcs, name="credit", model_name="credit", version="2", storage_uri=v2, percent=5, timeout_s=5)
        # the walk ctloop.serving.release.analyze runs (the full canary with a registry:
        # tests/serving/test_rollout_components.py)
        passed, reason, steps = rollout.walk_plan(isvcs, "credit", plan=[5, 25, 50, 100], check=check, timeout_s=5)
        assert ("promoted" if passed else "rolled_back") == decision, reason
        if decision == "rolled_back":
            assert len(steps) == 1  # the first failed check (max_failed_checks=1) stops the canary
        else:
            assert [s["percent"] for s in steps] == [5, 25, 50, 100]
