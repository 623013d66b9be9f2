"""``knative-otel`` under the other OTLP translation strategies of Prometheus' OTLP receiver
(prometheus/otlptranslator ``strategy.go``, vendored by grafana at 71899e29116a):
``UnderscoreEscapingWithoutSuffixes`` drops the unit suffix (``http_server_request_duration_
{bucket,count}``), ``NoUTF8EscapingWithSuffixes`` keeps the dots
(``http.server.request.duration_seconds_bucket``, ``target_info{kn.revision.name}``; also what
Knative 1.19 gives a Prometheus 3 scrape, docs/serving.md) and ``NoTranslation`` both
(``http.server.request.duration_bucket``). ``knative-otel`` asked only for the default names:
every canary was "no data".

Now the source tries its names in turn. A real Prometheus 2.42 holds the unsuffixed names (the
queue-proxy series of tests/fixtures/serving_metrics.py renamed as that strategy names them) and
cannot parse the Prometheus 3 selector of a dotted label name (``{"kn.revision.name"="…"}``,
prometheus.io/docs/guides/utf8): that candidate's HTTP 400 is no data, never a failed analysis.
"""

import pytest

from ctloop.config import CanaryRules
from ctloop.errors import ServingError
from ctloop.serving import analysis
from ctloop.serving.analysis import Prometheus
from ctloop.serving.metric_sources import get_source
from tests.fixtures import serving_metrics as sm
from tests.fixtures.prometheus import prometheus_with

pytestmark = pytest.mark.slow

HEALTHY, APP_ERRORS, PROXY_503, SLOW, TRICKLE = (p.revision for p in sm.SCENARIO[1:])
DEFAULT, UNSUFFIXED = "http_server_request_duration_seconds_", "http_server_request_duration_"


def _unsuffixed(history):
    return {(UNSUFFIXED + name[len(DEFAULT):] if name.startswith(DEFAULT) else name): series
            for name, series in history.items()}


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    history = _unsuffixed(sm.history())
    assert not any(name.startswith(DEFAULT) for name in history)
    with prometheus_with(sm.openmetrics(history), tmp_path_factory.mktemp("prom")) as url:
        yield Prometheus(url)


def decide(prom, canary):
    check = analysis.make_check(prom, source="knative-otel", canary_revision=lambda: canary,
                                stable_revision=lambda: sm.STABLE, namespace=sm.NS, rules=CanaryRules(),
                                clock=lambda: sm.AT)
    return check(5)


def test_a_healthy_canary_passes_under_unsuffixed_names(prom):
    passed, reason, measured = decide(prom, HEALTHY)
    assert passed, reason
    assert measured["canary_requests"] > 500 and measured["canary_p99_seconds"] < 0.1


@pytest.mark.parametrize("canary, reason", [(APP_ERRORS, "error rate 5.00% > 1.00%"),
                                            (PROXY_503, "error rate 5.00% > 1.00%"),
                                            (SLOW, "p99 latency"),
                                            (TRICKLE, "too few requests to judge")])
def test_bad_canaries_fail_under_unsuffixed_names(prom, canary, reason):
    passed, why, _ = decide(prom, canary)
    assert not passed and reason in why, why


def test_a_silent_canary_is_no_data_although_the_dotted_candidates_do_not_parse(prom):
    """Every candidate is asked; Prometheus 2.42 answers the dotted ones HTTP 400."""
    passed, why, _ = decide(prom, sm.SILENT)
    assert not passed
    assert f"no data for canary revision {sm.SILENT}: no knative-otel series for it" in why, why
    assert get_source("knative-otel").series_exist(prom, sm.STABLE, sm.NS, at=sm.AT)


def test_the_dotted_candidates_are_prometheus_3_selectors_that_2_42_refuses(prom):
    otel = get_source("knative-otel")
    dotted = [s for s in otel.alternates if "." in s.requests]
    assert {s.requests for s in dotted} == {"http.server.request.duration_seconds_count",
                                            "http.server.request.duration_count"}
    for source in dotted:
        expr = source.requests_expr(HEALTHY, sm.NS, "5m")
        assert f'{{__name__="{source.requests}"}}' in expr
        assert f'"kn.revision.name"="{HEALTHY}", "k8s.namespace.name"="{sm.NS}"' in expr
        assert '"http.response.status_code"=~"5.."' in source.errors_expr(HEALTHY, sm.NS, "5m")
        assert "group_left" not in expr  # no quoted label in a grouping: and on (job, instance, pod)
        with pytest.raises(ServingError, match=r"HTTP 400.*parse error") as err:
            prom.query(expr, sm.AT)
        assert err.value.status == 400

