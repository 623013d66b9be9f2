"""A canary that refuses (4xx) the requests its stable revision answers was promoted.

The canary rules judged the 5xx share only: a bad client must not roll back a good model
(docs/serving.md, the serving runtime answers a payload it cannot take with 400, counted
``outcome="invalid"``). But a new model that needs a feature the clients do not send refuses what
the stable serves: with ``knative-otel`` every answer is in the latency histogram
(otelhttp v0.64.0 around the whole queue-proxy, knative/serving knative-v1.21.1
``pkg/queue/sharedmain/handlers.go``; the status as ``http.response.status_code``, a 4xx too), so a
canary answering 60 % of its requests 400 passed at "error rate 0.00%"; with ``ctloop`` the same
canary passed on the latency of its 40 % ok answers (``ctloop_predict_seconds`` observes only them,
``src/ctloop/serving/runtime.py``), and one refusing everything failed for "no latency data".
Traffic is split at random between the revisions, so a bad client's 4xx share is the same on
both: the canary now fails when its 4xx share is more than ``max_error_rate`` above the stable's.
Real Prometheus 2.42, series backfilled with promtool.
"""

from __future__ import annotations

import pytest

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from ctloop.serving.metric_sources import Prometheus, get_source
from tests.fixtures.prometheus import prometheus_with

pytestmark = pytest.mark.slow

T0, STEP, N = 1_700_000_000, 30, 21
AT = T0 + (N - 1) * STEP
NS = "ml"
# counts per scrape: requests for the queue-proxy and Istio series, instances (one per request
# here) for the ctloop runtime's
STABLE = "credit-predictor-00001"  # 100 per scrape: 95 ok, 5 refused (a bad client)
REFUSING = "credit-predictor-00002"  # 100 per scrape: 40 ok, 60 refused
ALL_REFUSED = "credit-predictor-00003"  # 100 per scrape, every one refused
BAD_CLIENT = "credit-predictor-00004"  # 100 per scrape: 94 ok, 6 refused (stable + 1 %)
RATE_LIMITED = "credit-predictor-00005"  # 100 per scrape: 40 ok, 60 answered 429 by a gateway
# the same stable and refusing canary under OTLP's UnderscoreEscapingWithoutSuffixes names
# (http_server_request_duration_{count,bucket}, test_r41_metrics_otlp_names.py)
OTLP_STABLE, OTLP_REFUSING = "credit-predictor-00011", "credit-predictor-00012"
SOURCES = ["ctloop", "knative-otel", "knative-legacy", "istio"]


def _series(name: str, labels: dict[str, str], per_step: float, first: float = 0.0) -> list[str]:
    body = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return [f"{name}{{{body}}} {first + i * per_step!r} {T0 + i * STEP}" for i in range(N)]


def _histogram(count: str, labels: dict[str, str], n: float, les: tuple[str, ...]) -> list[str]:
    lines = _series(count, labels, n)
    for le in les:
        lines += _series(count.removesuffix("_count") + "_bucket", {**labels, "le": le}, n)
    return lines


def _pod(
    revision: str, ok: float, refused: float, code: str = "400", otel: str = "_seconds"
) -> list[str]:
    """The pod's series as each source has them: its ctloop runtime's (every outcome from load on,
    latency of ok answers only; a gateway's 429 never reaches it), its queue-proxy's Knative 1.21
    (OpenTelemetry, the revision on target_info; ``otel`` the histogram's unit suffix) and 1.18
    (OpenCensus, milliseconds) series, and the Istio gateway's (reporter=source, milliseconds)."""
    pod = f"{revision}-deployment-a"
    runtime = {
        "job": f"{NS}/ctloop-inferenceservices",
        "instance": f"{pod}:8080",
        "namespace": NS,
        "pod": pod,
        "revision": revision,
    }
    model_refused = refused if code != "429" else 0.0
    lines = []
    for outcome, n in (("ok", ok), ("invalid", model_refused), ("error", 0.0)):
        lines += _series("ctloop_predictions_total", {**runtime, "outcome": outcome}, n)
    for le in ("0.05", "0.1", "+Inf"):
        lines += _series("ctloop_predict_seconds_bucket", {**runtime, "le": le}, ok)
    target = {"job": f"{NS}/ctloop-inferenceservices", "instance": f"{pod}:9091", "pod": pod}
    legacy = {
        **target,
        "namespace_name": NS,
        "revision_name": revision,
        "configuration_name": "credit-predictor",
    }
    istio = {
        "job": "istio-system/istio-ingressgateway",
        "reporter": "source",
        "destination_service_name": revision,
        "destination_service_namespace": NS,
    }
    for status, n in (("200", ok), (code, refused)):
        if n:
            lines += _histogram(
                f"http_server_request_duration{otel}_count",
                {**target, "http_response_status_code": status},
                n,
                ("0.05", "0.1", "+Inf"),
            )
            lines += _histogram(
                "revision_request_latencies_count",
                {**legacy, "response_code": status, "response_code_class": f"{status[0]}xx"},
                n,
                ("50", "100", "+Inf"),
            )
            lines += _series(
                "revision_request_count",
                {**legacy, "response_code": status, "response_code_class": f"{status[0]}xx"},
                n,
            )
            lines += _histogram(
                "istio_request_duration_milliseconds_count",
                {**istio, "response_code": status},
                n,
                ("50", "100", "+Inf"),
            )
            lines += _series("istio_requests_total", {**istio, "response_code": status}, n)
    info = {
        **target,
        "kn_revision_name": revision,
        "k8s_namespace_name": NS,
        "kn_configuration_name": "credit-predictor",
    }
    return lines + _series("target_info", info, 0.0, first=1.0)


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    lines = [
        *_pod(STABLE, 95, 5),
        *_pod(REFUSING, 40, 60),
        *_pod(ALL_REFUSED, 0, 100),
        *_pod(BAD_CLIENT, 94, 6),
        *_pod(RATE_LIMITED, 40, 60, code="429"),
        *_pod(OTLP_STABLE, 95, 5, otel=""),
        *_pod(OTLP_REFUSING, 40, 60, otel=""),
    ]
    by_name: dict[str, list[str]] = {}
    for line in lines:
        by_name.setdefault(line.split("{")[0], []).append(line)
    text = "\n".join(
        [
            *(
                part
                for name, series in by_name.items()
                for part in (f"# TYPE {name} unknown", *series)
            ),
            "# EOF",
            "",
        ]
    )
    with prometheus_with(text, tmp_path_factory.mktemp("prom")) as url:
        yield Prometheus(url)


def _check(prom, canary: str, source: str, stable: str = STABLE):
    check = analysis.make_check(
        prom,
        canary_revision=lambda: canary,
        stable_revision=lambda: stable,
        namespace=NS,
        rules=CanaryRules(),
        source=source,
        clock=lambda: AT,
    )
    return check(5)


@pytest.mark.parametrize("source", SOURCES)
def test_a_canary_refusing_what_the_stable_serves_fails(prom, source):
    passed, reason, measured = _check(prom, REFUSING, source)
    assert not passed, reason
    assert "4xx share 60.00% > 5.00% of the stable + 1.00%" in reason, reason
    assert measured["canary_refused_rate"] == pytest.approx(0.6), measured
    assert measured["stable_refused_rate"] == pytest.approx(0.05), measured


@pytest.mark.parametrize("source", SOURCES)
def test_a_canary_refusing_everything_says_so(prom, source):
    passed, reason, _ = _check(prom, ALL_REFUSED, source)
    assert not passed, reason
    assert "4xx share 100.00% > 5.00% of the stable + 1.00%" in reason, reason


@pytest.mark.parametrize("source", SOURCES)
def test_a_bad_client_sending_to_both_does_not_fail_the_canary(prom, source):
    """6 % refused beside the stable's 5 %: within max_error_rate (1 %) of it, a pass."""
    passed, reason, measured = _check(prom, BAD_CLIENT, source)
    assert passed, reason
    assert measured["canary_refused_rate"] == pytest.approx(0.06), measured


@pytest.mark.parametrize("source", SOURCES)
def test_a_gateways_429_is_not_the_model_refusing(prom, source):
    """A rate limit in front of the revision (60 % answered 429: KServe 0.20's queue-proxy answers
    an overload 503, never 429) is not counted as the model refusing: 408 and 429 are left out."""
    passed, reason, measured = _check(prom, RATE_LIMITED, source)
    assert passed, reason
    assert measured["canary_refused_rate"] == 0.0, measured


def test_a_refusing_canary_fails_under_the_unsuffixed_otlp_names(prom):
    passed, reason, measured = _check(prom, OTLP_REFUSING, "knative-otel", stable=OTLP_STABLE)
    assert not passed, reason
    assert "4xx share 60.00% > 5.00% of the stable + 1.00%" in reason, reason
    assert measured["stable_refused_rate"] == pytest.approx(0.05), measured


def test_the_dotted_otlp_names_leave_out_408_and_429_too():
    """Prometheus 2.42 cannot parse a dotted label selector (test_r41_metrics_otlp_names.py): the
    Prometheus 3 names' refusal matchers are read off the query."""
    for names in get_source("knative-otel").alternates:
        if "." in names.requests:
            assert names.refused == (
                '"http.response.status_code"=~"4..","http.response.status_code"!~"408|429"'
            )
