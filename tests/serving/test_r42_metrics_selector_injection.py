"""Revision and namespace names written into PromQL selectors, put to a real Prometheus 2.42.

A revision name arrives from the InferenceService's status (or a flag), so it can hold anything:
a quote and ``} or vector(1)`` would turn the selector into a query of its own, a backslash or a
newline would break the string. Each must be one literal label value: no data (never a count of
1, never a parse error), while the real revision name (Knative's ``<configuration>-<5 digits>``,
e.g. ``credit-default-predictor-00003``) keeps its traffic. Escapes as PromQL's lexer reads a
double-quoted string (prometheus/prometheus v2.42.0 ``promql/parser/lex.go`` lexString: a raw
newline ends it; ``strconv.Unquote`` for the escapes).
"""

from __future__ import annotations

import pytest

from ctloop.serving.metric_sources import SOURCES, Prometheus, get_source
from tests.fixtures import serving_metrics as sm
from tests.fixtures.prometheus import prometheus_with

pytestmark = pytest.mark.slow

HOSTILE = [
    '"} or vector(1) or up{a="',
    '\\"} or vector(1) or up{a=\\"',
    "x\\",
    "x\nor vector(1)",
    "x\r\t",
    ".*",
    "{{ $labels.revision }}",
]


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    with prometheus_with(sm.history_openmetrics(), tmp_path_factory.mktemp("prom")) as url:
        yield Prometheus(url)


@pytest.mark.parametrize("source", list(SOURCES))
def test_a_hostile_revision_or_namespace_is_one_literal_value(prom, source):
    src = get_source(source)
    for name in HOSTILE:
        for revision, namespace in (
            (name, sm.NS),
            (sm.STABLE, name),
            (f"{sm.STABLE}{name}", sm.NS),
        ):
            stats = src.stats(prom, revision, namespace, "5m", at=sm.AT)
            assert stats.requests is None and stats.p99_seconds is None, (
                revision,
                namespace,
                stats,
            )
            assert not src.series_exist(prom, revision, namespace, at=sm.AT), (revision, namespace)


@pytest.mark.parametrize("source", list(SOURCES))
def test_the_real_revision_name_keeps_its_traffic(prom, source):
    assert get_source(source).stats(prom, sm.STABLE, sm.NS, "5m", at=sm.AT).requests > 0
