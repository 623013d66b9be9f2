"""Metric sources against a real Prometheus that scrapes what each upstream emits.

The fixture serves every simulated target's exposition text (tests/fixtures/serving_metrics.py
names the upstream files and tags) on loopback; Prometheus scrapes them live and also holds
their 20-minute history, backfilled with the labels a scrape adds. The tests check that the
history is what a scrape stores, measure each source against it, and prove the recording rules
rendered for each source (kustomize, promtool) compute what the Python queries compute.
"""

from __future__ import annotations

import pytest

from ctloop.serving import metric_sources
from ctloop.serving.metric_sources import SOURCES, Prometheus, get_source, probe
from tests.fixtures import serving_metrics as sm
from tests.fixtures.prometheus import prometheus_with, wait_for
from tests.manifests.rules_support import promtool, render_monitoring, rule_groups, write_rules

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    with (
        sm.ExpositionServer() as server,
        prometheus_with(
            sm.history_openmetrics(),
            tmp_path_factory.mktemp("prom"),
            scrape_configs=server.scrape_configs(),
        ) as url,
    ):
        wait_for(
            url,
            "count(up == 1)",
            predicate=lambda r: r and int(r[0]["value"][1]) == len(sm.targets()),
        )
        wait_for(
            url,
            "count(max_over_time(target_info[1m]))",
            predicate=lambda r: r and int(r[0]["value"][1]) == len(sm.SCENARIO),
        )
        yield Prometheus(url)


def source_targets(source: str) -> list[sm.Target]:
    return [t for t in sm.targets() if t.source == source]


@pytest.mark.parametrize("source", SOURCES)
def test_the_history_is_what_a_scrape_of_the_exposition_stores(prom, source):
    """Names and label sets Prometheus stored from scraping the exposition text equal those of
    the backfilled history (the exporters' text parses as intended, PodMonitor-style target
    labels included, the runtime's model_version renamed exported_model_version)."""
    history = sm.history(source_targets(source))
    live = set()
    for name in history:
        for series, _ in prom.query(f'last_over_time({name}{{job=~".+"}}[1m])'):
            live.add((name, tuple(sorted((k, v) for k, v in series.items() if k != "__name__"))))
    backfilled = {
        (name, tuple(sorted(labels.items())))
        for name, series in history.items()
        for labels, _ in series
    }
    assert live == backfilled, sorted(live ^ backfilled)[:5]


EXPECTED = {  # (requests in 5 minutes, error rate, p99 seconds) at AT, per scenario pod
    "ctloop": [
        (3000, 0.001, 0.0995),
        (600, 0.00167, 0.0995),
        (600, 0.05, 0.0995),
        (570, 0.0, 0.0995),
        (600, 0.0, 0.995),
        (6, 0.0, 0.0995),
    ],
    "knative-otel": [
        (3000, 0.0007, 0.09975),
        (600, 0.0018, 0.09975),
        (600, 0.05, 0.09975),
        (600, 0.05, 0.0997),
        (600, 0.0, 0.7475),
        (6, 0.0, 0.09975),
    ],
    "knative-legacy": [
        (3000, 0.0007, 0.0998),
        (600, 0.0018, 0.0798),
        (600, 0.05, 0.0998),
        (600, 0.05, 0.0998),
        (600, 0.0, 0.799),
        (6, 0.0, 0.0998),
    ],
    "istio": [
        (3000, 0.0007, 0.0995),
        (600, 0.0018, 0.0995),
        (600, 0.05, 0.0995),
        (600, 0.05, 0.0995),
        (600, 0.0, 0.995),
        (6, 0.0, 0.0995),
    ],
}


@pytest.mark.parametrize("source", SOURCES)
def test_measurements_match_the_traffic(prom, source):
    """Bucket interpolation by hand: legacy 80 < 90 ms <= 100 -> 80 + 0.99 * 20 = 99.8 ms; OTel
    0.075 < 0.09 s <= 0.1 -> 0.09975 s; Envoy 50 < 90 <= 100 -> 99.5 ms; runtime 0.05 < 0.09 <= 0.1
    -> 0.0995 s."""
    for pod, (requests, errors, p99) in zip(sm.SCENARIO, EXPECTED[source], strict=True):
        stats = get_source(source).stats(prom, pod.revision, sm.NS, "5m", sm.AT)
        assert stats.requests == pytest.approx(requests, rel=0.01), (pod.revision, stats)
        assert stats.error_rate == pytest.approx(errors, abs=0.0005), (pod.revision, stats)
        assert stats.p99_seconds == pytest.approx(p99, rel=0.001), (pod.revision, stats)
    silent = get_source(source).stats(prom, sm.SILENT, sm.NS, "5m", sm.AT)
    assert (silent.requests, silent.error_rate, silent.p99_seconds) == (None, None, None)


@pytest.mark.parametrize("source", SOURCES)
def test_series_exist_per_revision_and_namespace(prom, source):
    found = get_source(source)
    assert found.series_exist(prom, sm.STABLE, sm.NS, at=sm.AT)
    assert found.series_exist(prom, "", sm.NS, at=sm.AT)  # any revision of the namespace
    assert not found.series_exist(prom, sm.SILENT, sm.NS, at=sm.AT)
    assert not found.series_exist(prom, sm.STABLE, "elsewhere", at=sm.AT)
    assert not found.series_exist(
        prom, sm.STABLE, sm.NS, at=sm.AT + 2 * 3600
    )  # nothing in the last hour


def test_probe_reports_every_source(prom):
    assert probe(prom, sm.NS, sm.STABLE, at=sm.AT) == dict.fromkeys(SOURCES, True)
    assert probe(prom, "other", at=sm.AT) == dict.fromkeys(SOURCES, False)


def test_cli_prints_a_sources_rules_and_refuses_an_unknown_one(capsys):
    assert metric_sources.main(["rules", "knative-otel"]) == 0
    assert "ctloop:source_requests:rate5m" in capsys.readouterr().out
    assert metric_sources.main(["rules", "knative"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "ctloop: error: unknown metric source 'knative'; choose one of ctloop, knative-otel, "
        "knative-legacy, istio (see docs/serving.md#metric-sources)"
    )


def test_cli_probe(prom, capsys):
    assert (
        metric_sources.main(["probe", "--prometheus-url", prom.url, "--namespace", "nowhere"]) == 1
    )
    out = capsys.readouterr().out
    assert "no   knative-otel" in out and "request-metrics-protocol: prometheus" in out


def _series(name: str, labels: dict[str, str]) -> str:
    return name + "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


@pytest.mark.parametrize("source", SOURCES)
def test_recording_rules_compute_what_the_python_queries_compute(prom, source, tmp_path):
    """The rules rendered for ``source`` (monitoring + sources/<source>, through kustomize), run
    by promtool on the same series, give the requests, error ratio and p99 that the analysis's
    own queries give on the real Prometheus, revision by revision."""
    groups = rule_groups(render_monitoring(tmp_path / "render", source))
    write_rules(tmp_path, groups)
    history = sm.history(source_targets(source))
    inputs = [
        {"series": _series(name, labels), "values": " ".join(repr(v) for v in values)}
        for name, series in history.items()
        for labels, values in series
    ]
    checks = []
    at = f"{sm.DURATION}s"
    for pod in sm.SCENARIO:
        py = get_source(source).stats(prom, pod.revision, sm.NS, "5m", sm.AT)
        sel = f'{{namespace="{sm.NS}", isvc="{sm.ISVC}", revision="{pod.revision}"}}'
        one = [{"labels": sel, "value": 1}]
        close = {  # contract rule -> the Python value, and how close (relative for counts)
            f"ctloop:request_rate:rate5m{sel} * 300": (py.requests, 1e-9 * py.requests),
            f"ctloop:request_error_ratio:rate5m{sel}": (py.error_rate, 1e-12),
            f"ctloop:request_latency_p99_seconds:5m{sel}": (py.p99_seconds, 1e-12),
        }
        checks += [
            {"expr": f"abs({rule} - {value!r}) < bool {tol!r}", "eval_time": at, "exp_samples": one}
            for rule, (value, tol) in close.items()
        ]
    checks.append(
        {
            "expr": f'ctloop:request_rate:rate5m{{revision="{sm.SILENT}"}}',
            "eval_time": f"{sm.DURATION}s",
            "exp_samples": [],
        }
    )
    checks.append(
        {
            "expr": "count(ctloop:request_rate:rate5m)",
            "eval_time": f"{sm.DURATION}s",
            "exp_samples": [{"labels": "{}", "value": len(sm.SCENARIO)}],
        }
    )
    _promtool_test(tmp_path, groups, inputs, checks)


def _promtool_test(tmp_path, groups: list[dict], inputs: list[dict], checks: list[dict]) -> None:
    """``promtool test rules`` of ``checks`` over ``inputs`` (one sample per ``sm.STEP``) against
    the rules file ``tmp_path/rules.yaml`` of ``groups``."""
    import yaml

    (tmp_path / "t.yaml").write_text(
        yaml.safe_dump(
            {
                "rule_files": ["rules.yaml"],
                "evaluation_interval": "30s",
                # the source group first, as in the file: promtool orders groups by a Go map
                # otherwise, and a contract rule would read the source group's previous value
                "group_eval_order": [g["name"] for g in groups],
                "tests": [
                    {"interval": f"{sm.STEP}s", "input_series": inputs, "promql_expr_test": checks}
                ],
            },
            width=10**6,
        )
    )
    out = promtool("test", "rules", "t.yaml", cwd=tmp_path)
    assert out.returncode == 0, (out.stdout + out.stderr)[:3000]


def test_the_rules_of_one_source_ignore_another_sources_series(tmp_path):
    """Only KServe predictors count: a Knative service that is not an InferenceService (legacy
    configuration "hello", OTel kn_configuration_name "hello") is not in the contract series."""
    write_rules(tmp_path, rule_groups(render_monitoring(tmp_path / "render", "knative-legacy")))
    series = {
        "namespace_name": "ml",
        "configuration_name": "hello",
        "revision_name": "hello-00001",
        "response_code_class": "5xx",
        "response_code": "500",
    }
    import yaml

    (tmp_path / "t.yaml").write_text(
        yaml.safe_dump(
            {
                "rule_files": ["rules.yaml"],
                "evaluation_interval": "30s",
                "tests": [
                    {
                        "interval": "30s",
                        "input_series": [
                            {
                                "series": _series("revision_request_count", series),
                                "values": "0+100x20",
                            }
                        ],
                        "promql_expr_test": [
                            {
                                "expr": "ctloop:request_rate:rate5m",
                                "eval_time": "10m",
                                "exp_samples": [],
                            }
                        ],
                    }
                ],
            }
        )
    )
    out = promtool("test", "rules", "t.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def _lifetime_series(pod: sm.Pod, instance: str, start: int, end: int, steps: int) -> list[dict]:
    """promtool ``input_series`` of one queue-proxy pod (knative-v1.21.1, see
    :func:`sm.knative_otel`) scraped every STEP from step ``start`` to ``end`` at ``instance``:
    ``_`` (no sample) outside its life, a staleness marker right after it (the target is gone)."""
    target = {**sm._podmonitor(pod, 9091, "http-usermetric", "queue-proxy"), "instance": instance}
    values: dict[str, list[str]] = {}
    for i in range(start, end + 1):
        for fam in sm.knative_otel(pod, (i - start) * sm.STEP):
            for name, labels, value in fam.samples:
                key = _series(name, sm.scraped_labels(labels, target))
                values.setdefault(key, ["_"] * start)
                values[key] += ["_"] * (i - len(values[key])) + [repr(value)]
    out = []
    for key, vals in values.items():
        vals += ["stale"] if end + 1 < steps else []
        out.append({"series": key, "values": " ".join(vals + ["_"] * (steps - len(vals)))})
    return out


def test_knative_otel_join_survives_a_pod_ip_reused_by_another_revision(tmp_path):
    """A pod IP freed by a scaled-down revision is given to a new pod of another revision
    within the window (VPC CNIs reuse IPs after seconds), and both queue-proxies listen on 9091
    (knative-v1.21.1 pkg/networking/constants.go UserQueueMetricsPort): for the window, one
    ``job``/``instance`` has two ``target_info`` series (OpenTelemetry Go exporters/prometheus
    v0.61.0 ``exporter.go`` createInfoMetric: the resource only there, with k8s.pod.name and
    kn.revision.name from knative-v1.21.1 ``pkg/queue/sharedmain/otel.go``). Joined on
    ``(job, instance)`` alone the right side is not unique and Prometheus refuses the query: the
    recording rules and the namespace-wide probe had no result. The PodMonitor's ``pod`` target
    label (prometheus-operator) tells the two pods apart."""
    otel = get_source("knative-otel")
    groups = rule_groups(render_monitoring(tmp_path / "render", "knative-otel"))
    write_rules(tmp_path, groups)
    old = sm.Pod(sm.STABLE, rps=10, ip="10.0.0.21")
    new = sm.Pod(f"{sm.CONFIG}-00002", rps=2, ip="10.0.0.21")
    steps = 40  # 20 minutes: the old pod scraped until 8 min, the new one from 9 min
    inputs = _lifetime_series(old, "10.0.0.21:9091", 0, 16, steps) + _lifetime_series(
        new, "10.0.0.21:9091", 18, steps - 1, steps
    )
    presence = otel.presence_expr("", sm.NS, "1h")
    checks = [
        {
            "expr": f'count(ctloop:request_rate:rate5m{{revision="{pod.revision}"}})',
            "eval_time": "11m",
            "exp_samples": [{"labels": "{}", "value": 1}],
        }
        for pod in (old, new)
    ] + [{"expr": presence, "eval_time": "19m", "exp_samples": [{"labels": "{}", "value": 2}]}]
    _promtool_test(tmp_path, groups, inputs, checks)


def test_knative_otel_hint_names_where_kserve_0_20_sets_the_protocol():
    """KServe v0.20.0 installs Knative with the Knative Operator (hack/setup/infra/knative/
    templates/knative-serving-istio.yaml: a KnativeServing resource), which overwrites edits of
    the config-* ConfigMaps from the resource's spec.config; KServe's own e2e sets the protocol
    there (.github/workflows/e2e-test.yml at v0.20.0). The hint names both places."""
    hint = get_source("knative-otel").missing_hint
    assert "request-metrics-protocol: prometheus" in hint
    assert "KnativeServing spec.config.observability" in hint
    assert "config-observability" in hint
