"""Canary analysis while a histogram migrates from classic to native series: some pods (or the
later part of the window) scraped as native histograms, the rest still classic — Prometheus 3's
``convert_classic_histograms_to_nhcb`` switched on, or a rolling restart onto a client that
exposes native histograms. A real Prometheus 2.42 (``--enable-feature=native-histograms``)
scrapes one canary pod as classic text (fast, no errors) and another as native protobuf (half
its answers 5xx, 0.9 s each). The classic series were used whenever they had a value, so the
native pod's traffic was dropped: knative-otel passed "error rate 0.00%, p99 99 ms".

Now both kinds are counted per scrape target (``job``/``instance``/``pod``: a target exposing
both is counted once, classic first), and the p99 is the larger of the two kinds' p99s — never
below the p99 of their union. The protobuf encoding is that of
tests/serving/test_r41_metrics_native_histograms.py (prometheus/client_model v0.3.0
``metrics.proto``, pinned by Prometheus v2.42.0's go.mod)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from ctloop.serving.metric_sources import Prometheus, PrometheusAuth
from tests.fixtures.prometheus import native_scraping, wait_for
from tests.fixtures.servers import InThreadServer
from tests.serving import test_r41_metrics_native_histograms as pb

pytestmark = pytest.mark.slow

NS, CONFIG = "ml", "credit-predictor"
STABLE, BAD, GOOD = (f"{CONFIG}-0000{i}" for i in (1, 2, 3))
RPS = 40
RULES = CanaryRules(window="1m", min_requests=20)
# (revision, pod, format, 5xx share, latency s) of every pod
PODS = [(STABLE, "a", "classic", 0.0, 0.08),
        (BAD, "a", "classic", 0.0, 0.08), (BAD, "b", "native", 0.5, 0.9),
        (GOOD, "a", "classic", 0.0, 0.08), (GOOD, "b", "native", 0.0, 0.08)]


def _classic(revision: str, n: int, err: int, seconds: float, kind: str) -> bytes:
    le = "1" if seconds > 0.1 else "0.1"
    if kind == "ctloop":
        text = ("# TYPE ctloop_predictions_total counter\n"
                f'ctloop_predictions_total{{outcome="ok"}} {n - err}\n'
                f'ctloop_predictions_total{{outcome="error"}} {err}\n'
                "# TYPE ctloop_predict_seconds histogram\n"
                f'ctloop_predict_seconds_bucket{{le="{le}"}} {n}\nctloop_predict_seconds_bucket{{le="+Inf"}} {n}\n'
                f"ctloop_predict_seconds_sum {n * seconds}\nctloop_predict_seconds_count {n}\n")
    else:
        name = "http_server_request_duration_seconds"
        text = f"# TYPE {name} histogram\n"
        for code, count in (("200", n - err), ("503", err)):
            text += (f'{name}_bucket{{http_response_status_code="{code}",le="{le}"}} {count}\n'
                     f'{name}_bucket{{http_response_status_code="{code}",le="+Inf"}} {count}\n'
                     f'{name}_sum{{http_response_status_code="{code}"}} {count * seconds}\n'
                     f'{name}_count{{http_response_status_code="{code}"}} {count}\n')
        text += ("# TYPE target_info gauge\n"
                 f'target_info{{kn_revision_name="{revision}",kn_configuration_name="{CONFIG}",'
                 f'k8s_namespace_name="{NS}"}} 1\n')
    return text.encode()


def _native(revision: str, n: int, err: int, seconds: float, kind: str) -> bytes:
    if kind == "ctloop":
        return (pb._family("ctloop_predictions_total", 0, [pb._counter({"outcome": "ok"}, n - err),
                                                           pb._counter({"outcome": "error"}, err)])
                + pb._family("ctloop_predict_seconds", 4, [pb._native({}, n, seconds)]))
    info = {"kn_revision_name": revision, "kn_configuration_name": CONFIG, "k8s_namespace_name": NS}
    series = [pb._native({"http_response_status_code": "200"}, n - err, seconds)]
    if err:
        series.append(pb._native({"http_response_status_code": "503"}, err, seconds))
    return (pb._family("http_server_request_duration_seconds", 4, series)
            + pb._family("target_info", 1, [pb._gauge(info, 1.0)]))


class Pods(InThreadServer):
    """Pod i of ``pods`` ((revision, pod, format, 5xx share, latency s)) at /<ctloop|otel>/<i>; its
    counts grow at ``rates[i]`` answers a second (default RPS)."""

    def __init__(self, pods: list[tuple], rates: list[float] | None = None):
        started = time.time() - 10

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                kind, index = self.path.strip("/").split("/")
                revision, _, fmt, share, seconds = pods[int(index)]
                n = int((rates[int(index)] if rates else RPS) * (time.time() - started))
                err = round(n * share)
                page = _classic if fmt == "classic" else _native
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4" if fmt == "classic" else pb.PROTOBUF)
                self.end_headers()
                self.wfile.write(page(revision, n, err, seconds, kind))

            def log_message(self, *args):
                pass

        super().__init__(Handler)


@contextlib.contextmanager
def scraped(workdir, pods: list[tuple], rates: list[float] | None = None, *, samples: int = 4,
            timeout: float = 60, interval: str = "1s") -> Iterator[Prometheus]:
    """A real Prometheus (native histograms on) scraping every pod of ``pods`` every ``interval``,
    once each pod has ``samples`` scrapes."""
    with Pods(pods, rates) as server:
        jobs = []
        for i, (revision, pod, _, _, _) in enumerate(pods):
            for kind, port in (("ctloop", 8080), ("otel", 9091)):
                # the PodMonitor's target labels (manifests/components/monitoring/podmonitor.yaml)
                labels = {"job": "ml/ctloop-inferenceservices", "instance": f"10.0.0.{i}:{port}",
                          "pod": f"{revision}-deployment-{pod}", "namespace": NS}
                if kind == "ctloop":
                    labels["revision"] = revision
                jobs.append({"job_name": f"{kind}-{i}", "scrape_interval": interval, "metrics_path": f"/{kind}/{i}",
                             "static_configs": [{"targets": [server.address], "labels": labels}]})
        with native_scraping(workdir, jobs) as url:
            wait_for(url, f"count(count_over_time(target_info[1m]) >= {samples})",
                     predicate=lambda r: bool(r) and int(r[0]["value"][1]) == len(pods), timeout=timeout)
            yield Prometheus(url, auth=PrometheusAuth())


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    with scraped(tmp_path_factory.mktemp("mixed"), PODS) as prometheus:
        yield prometheus


def test_the_premise_one_canary_pod_is_native_the_other_classic(prom):
    assert prom.scalar("count(histogram_count(http_server_request_duration_seconds))") == 3  # BAD b: 200, 503; GOOD b
    assert prom.scalar("count(histogram_count(ctloop_predict_seconds))") == 2
    assert prom.scalar("count(ctloop_predict_seconds_count)") == 3


def _decide(prom, source: str, canary: str):
    check = analysis.make_check(prom, source=source, canary_revision=lambda: canary, stable_revision=lambda: STABLE,
                                namespace=NS, rules=RULES)
    return check(5)


@pytest.mark.parametrize("source", ["ctloop", "knative-otel"])
def test_the_native_pods_bad_traffic_fails_the_canary(prom, source):
    passed, why, measured = _decide(prom, source, BAD)
    assert not passed, why
    assert "p99 latency" in why and "error rate" in why, why
    # both pods serve RPS: half of pod b's answers are 5xx, a quarter of the revision's
    assert measured["canary_error_rate"] == pytest.approx(0.25, abs=0.03)
    assert measured["canary_p99_seconds"] > 0.5


@pytest.mark.parametrize("source", ["ctloop", "knative-otel"])
def test_a_healthy_canary_half_migrated_passes_with_all_its_requests(prom, source):
    passed, why, measured = _decide(prom, source, GOOD)
    assert passed, why
    stable = analysis.revision_stats(prom, STABLE, NS, RULES.window, measured["at"], source)
    # two pods at RPS each against the stable's one: both kinds counted (one kind alone is 1x). Not
    # tighter than 30 %: each revision's increase() is extrapolated from its own few scrapes, which a
    # loaded machine spaces unevenly (2x measured as 2.3x in a clean-clone run on 2 busy cores)
    assert measured["canary_requests"] == pytest.approx(2 * stable.requests, rel=0.3)
    assert measured["canary_p99_seconds"] <= 0.125
