"""``knative-otel`` read through an OpenTelemetry Collector scraped without ``honor_labels``.

The queue-proxies push OTLP to a Collector whose ``prometheus`` exporter Prometheus scrapes
(opentelemetry-collector-contrib ``exporter/prometheusexporter/collector.go``, main at
0000b194c2e9: ``getMetricMetadata`` writes ``job`` = ``service.name`` and ``instance`` =
``service.instance.id`` on every series, ``createTargetInfoMetrics`` the same two on
``target_info`` in place of ``service.name``/``service.instance.id``; knative/serving
knative-v1.21.1 ``pkg/queue/sharedmain/otel.go``: ``service.instance.id`` is the pod name).
A ServiceMonitor/PodMonitor's ``honorLabels`` defaults to false, and Prometheus
(``scrape/scrape.go`` ``mutateSampleLabels``, 2.x and 3.x) then keeps its own ``job``/
``instance``/``pod`` (the Collector's) and renames the exposed ones ``exported_job``/
``exported_instance`` (``model.ExportedLabelPrefix``).

The join was ``on (job, instance, pod)``: one key for every queue-proxy behind the Collector,
so each revision was given the requests of all of them — a healthy canary failed on another
revision's latency, a 5xx canary's errors were diluted by the stable's traffic, and nothing
said so. The join now also keys on ``exported_job``/``exported_instance`` (absent on both
sides of a direct scrape and of Prometheus' OTLP receiver, where they match as before).
One real Prometheus 2.42 holds the Collector's series as that scrape stores them.
"""

import pytest

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from ctloop.serving.analysis import Prometheus
from ctloop.serving.metric_sources import get_source
from tests.fixtures import serving_metrics as sm
from tests.fixtures.prometheus import prometheus_with

pytestmark = pytest.mark.slow

STABLE, HEALTHY, APP_ERRORS, PROXY_503, SLOW, _TRICKLE = (p.revision for p in sm.SCENARIO)
COLLECTOR = {  # the Collector's pod, as a PodMonitor on its prometheus exporter port labels it
    "job": "monitoring/otel-collector",
    "instance": "10.2.0.5:8889",
    "namespace": "monitoring",
    "pod": "otel-collector-6f7d9c8b4-q2w3e",
    "container": "otel-collector",
    "endpoint": "prometheus",
}
RESOURCE_KEYS = ("service_name", "service_namespace", "service_instance_id")


def collector_families(t):
    """Every queue-proxy's families at ``t`` as the Collector's exporter exposes them."""
    merged: dict[str, sm.Family] = {}
    for pod in sm.SCENARIO:
        job_instance = {"job": sm.CONFIG, "instance": pod.pod}  # service.name, service.instance.id
        for fam in sm.knative_otel(pod, t):
            if fam.name == "target_info":
                samples = [
                    (
                        n,
                        {
                            **{k: v for k, v in labels.items() if k not in RESOURCE_KEYS},
                            **job_instance,
                        },
                        v,
                    )
                    for n, labels, v in fam.samples
                ]
            else:
                samples = [(n, {**labels, **job_instance}, v) for n, labels, v in fam.samples]
            merged.setdefault(fam.name, sm.Family(fam.name, fam.type, fam.help, [])).samples.extend(
                samples
            )
    return list(merged.values())


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    target = sm.Target("knative-otel", "/collector", COLLECTOR, collector_families)
    history = sm.history([target])
    info = history["target_info"]
    assert len(info) == len(sm.SCENARIO)  # one per queue-proxy, all of one job/instance/pod
    assert {(s["job"], s["instance"], s["pod"]) for s, _ in info} == {
        (COLLECTOR["job"], COLLECTOR["instance"], COLLECTOR["pod"])
    }
    assert {s["exported_instance"] for s, _ in info} == {p.pod for p in sm.SCENARIO}
    with prometheus_with(sm.openmetrics(history), tmp_path_factory.mktemp("collector")) as url:
        yield Prometheus(url)


def decide(prom, canary):
    check = analysis.make_check(
        prom,
        source="knative-otel",
        canary_revision=lambda: canary,
        stable_revision=lambda: STABLE,
        namespace=sm.NS,
        rules=CanaryRules(),
        clock=lambda: sm.AT,
    )
    return check(5)


def test_each_revision_counts_only_its_own_requests(prom):
    otel = get_source("knative-otel")
    for pod in sm.SCENARIO[:5]:
        stats = otel.stats(prom, pod.revision, sm.NS, "5m", sm.AT)
        assert stats.requests == pytest.approx(pod.rps * 300, rel=0.05), pod.revision


def test_a_healthy_canary_passes_behind_the_collector(prom):
    passed, reason, measured = decide(prom, HEALTHY)
    assert passed, reason
    assert measured["canary_p99_seconds"] < 0.1  # not the slow revision's 720 ms


@pytest.mark.parametrize(
    "canary, reason",
    [
        (APP_ERRORS, "error rate 5.00% > 1.00%"),
        (PROXY_503, "error rate 5.00% > 1.00%"),
        (SLOW, "p99 latency"),
    ],
)
def test_a_bad_canary_fails_on_its_own_numbers_behind_the_collector(prom, canary, reason):
    passed, why, _ = decide(prom, canary)
    assert not passed and reason in why, why
