"""Round 58: the ``knative-otel`` names, derived from the upstream instruments, not copied.

What a stock Knative Serving 1.21.1 queue-proxy (KServe v0.20.0's pin) serves on port
``http-usermetric`` with ``request-metrics-protocol: prometheus``, read at tag knative-v1.21.1:

* ``pkg/queue/sharedmain/handlers.go``: ``otelhttp.NewHandler`` outermost, on the request-metrics
  meter provider; otelhttp v0.64.0 ``internal/semconv/server.go`` records
  ``http.server.request.duration`` (semconv v1.37.0 ``httpconv``: unit ``s``) with
  ``http.response.status_code``. (``pkg/queue/request_metric.go``'s
  ``kn.serving.invocation.duration`` wraps the proxy only: the queue-proxy's own 503/504 are not
  in it, so it is not read.)
* ``pkg/queue/sharedmain/otel.go``: the revision, configuration and namespace are *resource*
  attributes ``kn.revision.name``, ``kn.configuration.name`` (``pkg/metrics/key.go``) and
  ``k8s.namespace.name``; OpenTelemetry Go ``exporters/prometheus`` v0.61.0 ``exporter.go``
  puts resource attributes on ``target_info`` only.
* knative/pkg ``observability/metrics/prometheus_enabled.go``:
  ``otlptranslator.UnderscoreEscapingWithSuffixes``; prometheus/otlptranslator v1.0.0
  ``metric_namer.go`` ``normalizeName`` (name split on every character outside [a-zA-Z0-9],
  joined by ``_``, the unit's suffix added: ``unit_namer.go`` ``s`` -> ``seconds``) and
  ``label_namer.go`` (each invalid character -> ``_``). A histogram is exposed as
  ``<name>_bucket``/``_count``/``_sum``.

The source's series, labels and recording rules must be these names (verified this round: they
are; no mismatch to fix).
"""

from __future__ import annotations

import re

from ctloop.serving.metric_sources import get_source
from tests.manifests.rules_support import SOURCES_DIR

INSTRUMENT = ("http.server.request.duration", "s")  # otelhttp v0.64.0, semconv v1.37.0
STATUS = "http.response.status_code"
RESOURCE = {
    "revision": "kn.revision.name",
    "configuration": "kn.configuration.name",
    "namespace": "k8s.namespace.name",
}
UNITS = {"s": "seconds", "ms": "milliseconds"}  # otlptranslator v1.0.0 unit_namer.go (the two used)


def metric_name(name: str, unit: str) -> str:
    tokens = [t for t in re.split(r"[^a-zA-Z0-9]", name) if t]
    suffix = UNITS[unit]
    return "_".join(tokens + ([suffix] if suffix not in tokens else []))


def label_name(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def test_the_source_reads_the_names_the_exporter_writes():
    source = get_source("knative-otel")
    histogram = metric_name(*INSTRUMENT)
    assert histogram == "http_server_request_duration_seconds"
    assert (source.requests, source.buckets) == (f"{histogram}_count", f"{histogram}_bucket")
    assert source.errors.startswith(f"{label_name(STATUS)}=~") and source.client_errors.startswith(
        f"{label_name(STATUS)}=~"
    )
    assert source.join.metric == "target_info"
    assert (
        source.join.revision_label,
        source.join.configuration_label,
        source.join.namespace_label,
    ) == (
        label_name(RESOURCE["revision"]),
        label_name(RESOURCE["configuration"]),
        label_name(RESOURCE["namespace"]),
    )


def test_the_shipped_rules_read_the_same_names():
    """sources/knative-otel/rules.yaml (the recording rules the dashboard and alerts read): every
    queue-proxy series it reads under the default strategy is the derived histogram's or
    ``target_info``, and it keys the revision on the derived resource labels."""
    text = (SOURCES_DIR / "knative-otel" / "rules.yaml").read_text()
    histogram = metric_name(*INSTRUMENT)
    read = set(re.findall(r"\b(http_server_request_duration\w*|target_info|kn_\w+|k8s_\w+)", text))
    default = {n for n in read if n.startswith(histogram)}
    assert default == {histogram, f"{histogram}_count", f"{histogram}_bucket"}, default
    assert {label_name(a) for a in RESOURCE.values()} | {"target_info"} <= read
    assert label_name(STATUS) in text
    assert "kn_serving_invocation_duration" not in text
