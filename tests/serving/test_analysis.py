"""Canary analysis against a real Prometheus on loopback, for every metric source.

The series are what each upstream emits (tests/fixtures/serving_metrics.py names the files and
tags): 20 minutes of one pod per revision, backfilled, judged at AT over the last 5 minutes.
"""

import pytest

from ctloop.config import CanaryRules as Rules
from ctloop.errors import ConfigError
from ctloop.serving import analysis
from ctloop.serving.analysis import Prometheus
from ctloop.serving.metric_sources import DEFAULT_SOURCE, SOURCES
from tests.fixtures import serving_metrics as sm
from tests.fixtures.prometheus import prometheus_with

pytestmark = pytest.mark.slow

HEALTHY, APP_ERRORS, PROXY_503, SLOW, TRICKLE = (p.revision for p in sm.SCENARIO[1:])


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    with prometheus_with(sm.history_openmetrics(), tmp_path_factory.mktemp("prom")) as url:
        yield Prometheus(url)


def decide(prom, canary, source, plan=(5, 25, 50, 100), stable=sm.STABLE, rules=None):
    check = analysis.make_check(
        prom,
        source=source,
        canary_revision=lambda: canary,
        stable_revision=lambda: stable,
        namespace=sm.NS,
        rules=rules or Rules(),
        clock=lambda: sm.AT,
    )
    results = [check(p) for p in plan]
    return all(r[0] for r in results), results


@pytest.mark.parametrize("source", SOURCES)
def test_healthy_canary_passes_every_step(prom, source):
    passed, results = decide(prom, HEALTHY, source)
    assert passed, results
    assert results[0][2]["metric_source"] == source


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    "canary, reason",
    [
        (APP_ERRORS, "error rate 5.00% > 1.00%"),
        (SLOW, "p99 latency"),
        (TRICKLE, "too few requests to judge: 6 < 50"),
        (sm.SILENT, f"no data for canary revision {sm.SILENT}: no "),
    ],
)
def test_bad_or_silent_canaries_fail(prom, source, canary, reason):
    passed, results = decide(prom, canary, source)
    assert not passed
    assert reason in results[0][1], results[0][1]


@pytest.mark.parametrize("source", ["knative-legacy", "knative-otel", "istio"])
def test_503s_of_the_queue_proxy_itself_fail_the_canary(prom, source):
    """5 % of the requests answered 503 by the queue-proxy (full queue) never reach the model:
    the sources that see the whole queue-proxy (or the gateway) count them."""
    passed, results = decide(prom, PROXY_503, source)
    assert not passed and "error rate 5.00% > 1.00%" in results[0][1], results[0][1]


def test_the_ctloop_source_does_not_see_the_queue_proxys_own_503s(prom):
    """The documented blind spot of the default source (docs/serving.md#metric-sources)."""
    passed, results = decide(prom, PROXY_503, "ctloop")
    assert passed, results
    assert results[0][2]["canary_error_rate"] == 0.0


def test_main_queried_series_that_knative_1_21_does_not_emit(prom):
    """Issue 12: the query of main (revision_app_request_count by revision_name) finds nothing in
    what Knative 1.21's queue-proxy emits, and on Knative <= 1.18 it misses the queue-proxy's
    503s."""
    old = (
        "sum(increase(revision_app_request_count"
        '{{revision_name="{r}", namespace_name="ml"{extra}}}[5m]))'
    )
    assert prom.query(
        'count({__name__=~"revision_app_request_count|revision_request_count", job=~".+"})', sm.AT
    )
    otel = '{__name__=~"(http_server_request|kn_serving_invocation)_duration_seconds_count"'
    assert prom.query(f"count({otel}}})", sm.AT)  # the 1.21 queue-proxies' series are there,
    assert not prom.query(f'count({otel}, revision_name!=""}})', sm.AT)  # none by revision_name
    for pod in sm.SCENARIO:  # every 1.21 pod has kn_revision_name only on target_info
        joined = f'count(target_info{{kn_revision_name="{pod.revision}"}})'
        assert prom.scalar(joined, sm.AT) == 1
    errors = prom.scalar(old.format(r=PROXY_503, extra=', response_code_class="5xx"'), sm.AT)
    assert errors is None  # the 503s are only in revision_request_count
    assert (
        analysis.revision_stats(prom, PROXY_503, sm.NS, "5m", sm.AT, "knative-legacy").error_rate
        == 0.05
    )


@pytest.mark.parametrize("source", SOURCES)
def test_no_series_for_either_revision_names_the_source_and_the_fix(prom, source):
    passed, results = decide(prom, f"{sm.CONFIG}-00042", source, stable=f"{sm.CONFIG}-00041")
    assert not passed
    reason = results[0][1]
    assert (
        f"no data: no {source} metrics for either revision ({sm.CONFIG}-00042, {sm.CONFIG}-00041)"
        in reason
    )
    assert SOURCES[source].missing_hint in reason and "docs/serving.md#metric-sources" in reason


def test_knative_otel_hint_names_request_metrics_protocol(prom):
    passed, results = decide(prom, "nothing-00002", "knative-otel", stable="nothing-00001")
    assert "request-metrics-protocol: prometheus" in results[0][1]


def test_latency_ratio_to_the_stable_revision(prom):
    """The ratio rule alone (absolute bound raised to 2 s): a 720 ms canary beside an 80 ms
    stable fails (p99 > 2 × stable), the other way round passes."""
    rules = Rules(max_p99_seconds=2.0)  # only the ratio can fail
    passed, results = decide(prom, SLOW, DEFAULT_SOURCE, stable=HEALTHY, rules=rules)
    assert not passed and "2× stable" in results[0][1], results[0][1]
    passed, _ = decide(prom, HEALTHY, DEFAULT_SOURCE, stable=SLOW, rules=rules)
    assert passed


def test_the_source_comes_from_the_rules_when_not_given(prom):
    rules = Rules.from_dict({"metric_source": "istio"})
    check = analysis.make_check(
        prom,
        canary_revision=lambda: PROXY_503,
        stable_revision=lambda: sm.STABLE,
        namespace=sm.NS,
        rules=rules,
        clock=lambda: sm.AT,
    )
    passed, reason, measured = check(5)
    assert (passed, measured["metric_source"]) == (False, "istio"), reason


def test_unknown_metric_source_is_a_config_error_naming_value_and_choices():
    with pytest.raises(
        ConfigError, match=r"rules.metric_source: must be one of 'ctloop', 'knative-otel'.*did you mean"
    ):
        Rules.from_dict({"metric_source": "knative"})
    with pytest.raises(ConfigError, match="unknown metric source 'prom'"):
        analysis.make_check(
            Prometheus("http://127.0.0.1:1"),
            source="prom",
            canary_revision=str,
            stable_revision=str,
            namespace="ml",
            rules=Rules(),
        )


def test_no_prometheus_url_is_a_config_error():
    with pytest.raises(ConfigError, match="PROMETHEUS_URL"):
        Prometheus("")
    with pytest.raises(ConfigError, match="must start with http"):
        Prometheus("prometheus:9090")


def test_a_rejected_query_names_prometheus_reason(prom):
    from ctloop.errors import ServingError

    with pytest.raises(ServingError, match=r"HTTP 400.*parse error"):
        prom.query("sum(")


def test_unreachable_prometheus_is_a_serving_error():
    from ctloop.errors import ServingError
    from tests.fixtures.servers import free_port

    with pytest.raises(ServingError, match="Prometheus query failed"):
        Prometheus(f"http://127.0.0.1:{free_port()}", timeout_s=2).query("up")


@pytest.mark.parametrize(
    "revision, decision",
    [
        (HEALTHY, "promoted"),
        (APP_ERRORS, "rolled_back"),
        (SLOW, "rolled_back"),
        (sm.SILENT, "rolled_back"),
    ],
)
def test_canary_rollout_decided_by_prometheus(prom, revision, decision):
    """The whole loop: deploy through the Kubernetes API double, judge with real Prometheus data."""
    from ctloop.serving import rollout
    from ctloop.serving.kube import InferenceServices
    from tests.doubles.kube_api import KubeApiDouble

    v1, v2 = "gs://m/run1/artifacts/model-joblib", "gs://m/run2/artifacts/model-joblib"
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(sm.NS, api_client=kube.api_client())
        rollout.deploy(
            isvcs, name="credit", model_name="credit", version="1", storage_uri=v1, timeout_s=5
        )
        # the canary revision's metrics are the series of `revision` in this Prometheus
        check = analysis.make_check(
            prom,
            canary_revision=lambda: revision,
            stable_revision=lambda: sm.STABLE,
            namespace=sm.NS,
            rules=Rules(),
            clock=lambda: sm.AT,
        )
        rollout.deploy(isvcs, name="credit", model_name="credit", version="2", storage_uri=v2, percent=5,
                       timeout_s=5)
        # the walk ctloop.serving.release.analyze runs (the full canary with a registry:
        # tests/serving/test_rollout_components.py)
        passed, reason, steps = rollout.walk_plan(isvcs, "credit", plan=[5, 25, 50, 100], check=check,
                                                  timeout_s=5)
        assert ("promoted" if passed else "rolled_back") == decision, reason
        if decision == "rolled_back":
            assert len(steps) == 1  # the first failed check (max_failed_checks=1) stops the canary
        else:
            assert [s["percent"] for s in steps] == [5, 25, 50, 100]


def test_ctloop_yaml_chooses_the_source_and_refuses_an_unknown_one():
    """``rollout.rules.metric_source`` reaches the analysis unchanged (analysis_rules), and a
    wrong name fails the spec naming the field, the value and the choices."""
    import copy

    import yaml

    from ctloop.ops.spec import parse_spec, pipeline_parameters
    from tests.helpers import REPO

    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    model = next(m for m in data["models"] if m.get("rollout"))
    model["rollout"]["rules"] = {
        **(model["rollout"].get("rules") or {}),
        "metric_source": "knative-otel",
    }
    spec = parse_spec(copy.deepcopy(data))
    (chosen,) = [m for m in spec.models if m.name == model["name"]]
    rules = pipeline_parameters(chosen)["rollout"]["rules"]
    assert Rules.from_dict(rules).metric_source == "knative-otel"
    model["rollout"]["rules"]["metric_source"] = "otel"
    with pytest.raises(ConfigError, match=r"rollout.rules.metric_source: must be one of 'ctloop', .*got 'otel'"):
        parse_spec(data)
