"""The canary check's windows ended at this process' clock (``make_check``: ``at = time.time()``)
while the samples carry Prometheus' timestamps. A pod clock minutes ahead of Prometheus' (a node
whose time sync broke) judged a window Prometheus had no samples in yet: "no data", and a healthy
canary was rolled back. Now the check asks Prometheus' own now (``time()`` with no evaluation
time: a ``scalar``, Prometheus v2.42 ``web/api/v1/api.go``) and, past
``analysis.CLOCK_SKEW_TOLERANCE_S``, ends its windows there, with a warning and the skew recorded.

A real Prometheus on loopback (2.42) holding tests/fixtures/serving_metrics.py's 20 minutes of
series moved to end now; the process' clock is moved 10 minutes ahead."""

from __future__ import annotations

import re
import time
import types

import pytest

from ctloop.config import CanaryRules as Rules
from ctloop.serving import analysis
from ctloop.serving.analysis import Prometheus
from tests.fixtures import serving_metrics as sm
from tests.fixtures.prometheus import prometheus_with

pytestmark = pytest.mark.slow

HEALTHY = sm.SCENARIO[1].revision


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    end = int(time.time()) // sm.STEP * sm.STEP - sm.STEP  # the last sample half a minute ago
    shift = end - sm.AT
    text = re.sub(
        r" (\d+)$",
        lambda m: f" {int(m.group(1)) + shift}",
        sm.openmetrics(
            sm.history([t for t in sm.targets(sm.SCENARIO[:2]) if t.source == "ctloop"])
        ),
        flags=re.M,
    )
    with prometheus_with(text, tmp_path_factory.mktemp("prom")) as url:
        yield Prometheus(url)


def _check(prom):
    return analysis.make_check(
        prom,
        source="ctloop",
        canary_revision=lambda: HEALTHY,
        stable_revision=lambda: sm.STABLE,
        namespace=sm.NS,
        rules=Rules(),
    )


def test_prometheus_now_is_its_clock(prom):
    assert abs(analysis.prometheus_now(prom) - time.time()) < 5


def test_a_clock_ahead_of_prometheus_still_judges_the_canary(prom, monkeypatch, capsys):
    ahead = types.SimpleNamespace(time=lambda: time.time() + 600, sleep=time.sleep)
    monkeypatch.setattr(analysis, "time", ahead)
    passed, reason, measured = _check(prom)(5)
    assert passed, reason
    assert measured["clock_skew_seconds"] == pytest.approx(-600, abs=5), measured
    assert abs(measured["at"] - time.time()) < 5
    assert "this clock is 600 s ahead of Prometheus'" in capsys.readouterr().err


def test_a_clock_in_time_keeps_its_own_now(prom):
    before = time.time()
    passed, reason, measured = _check(prom)(5)
    assert passed, reason
    assert "clock_skew_seconds" not in measured
    assert before <= measured["at"] <= time.time()
