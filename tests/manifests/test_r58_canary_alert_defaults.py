"""The canary alerts in manifests/components/monitoring/prometheusrule.yaml compare with the same
thresholds the canary analysis does by default (``ctloop.config.CanaryRules``: ``max_error_rate``,
``max_p99_seconds``), and the large-batch bound's z is the analysis' ``FAILED_SHARE_CONFIDENCE``:
each is written once and generated into the manifest by ``make golden`` (before round 58 the
manifest, its summaries and docs/manifests.md held the literals 0.01, 0.5 and 2.326348 by hand)."""

from __future__ import annotations

import re
import statistics
from types import SimpleNamespace

import ctloop.config
import ctloop.serving.analysis
from tests.manifests.rules_support import (
    CANARY_RULES,
    canary_alert_thresholds,
    expected_canary_rules,
)

REPO = CANARY_RULES.parents[3]


def _alerts(text: str) -> dict[str, str]:
    """alert name -> its expr and summary lines, from the rules text."""
    out, name = {}, None
    for line in text.splitlines():
        m = re.match(r"\s+- alert: (\S+)", line)
        if m:
            name = m.group(1)
            out[name] = ""
        elif name and re.match(r"\s+(expr|summary):", line):
            out[name] += line.strip() + "\n"
        elif re.match(r"\s+- (record|alert):", line):
            name = None
    return out


def test_alert_thresholds_follow_the_canary_defaults(monkeypatch):
    """Other defaults give other literals (expr and the summary's words): seen failing before
    the generation (the manifest's text came back unchanged)."""
    monkeypatch.setattr(
        ctloop.config,
        "CanaryRules",
        lambda: SimpleNamespace(max_error_rate=0.02, max_p99_seconds=1.5),
    )
    monkeypatch.setattr(ctloop.serving.analysis, "FAILED_SHARE_CONFIDENCE", 0.95)
    text = expected_canary_rules()
    alerts = _alerts(text)
    assert "ctloop:request_error_ratio:rate5m > 0.02\n" in alerts["CtloopRevisionErrorRateHigh"]
    assert "over 2 % for 5 minutes" in alerts["CtloopRevisionErrorRateHigh"]
    assert (
        "ctloop:failed_instance_share_bound:5m > 0.02\n"
        in alerts["CtloopRevisionFailsLargeBatches"]
    )
    assert "95 % confidence; over 2 % for 5 minutes" in alerts["CtloopRevisionFailsLargeBatches"]
    assert "ctloop:request_latency_p99_seconds:5m > 1.5\n" in alerts["CtloopRevisionLatencyP99High"]
    assert "over 1.5 s for 10 minutes" in alerts["CtloopRevisionLatencyP99High"]
    z = f"{statistics.NormalDist().inv_cdf(0.95):.6f}"
    assert f"- {z} / (3 * sqrt(ctloop:failed_requests_effective:5m))" in text
    assert "2.326348" not in text and "at the 95 % lower bound of a" in text
    assert "the 95 % lower bound of their" in text and "99 %" not in text.split("- alert:")[0]


def test_docs_table_says_the_generated_thresholds():
    """docs/manifests.md's alert table names each canary alert's expression as generated."""
    docs = (REPO / "docs" / "manifests.md").read_text()
    for name, expr in canary_alert_thresholds().items():
        (row,) = [line for line in docs.splitlines() if line.startswith(f"| `{name}` |")]
        assert f"`{expr}`" in row, (name, row)
    # the recording rule's row says the bound's confidence too
    (row,) = [
        line
        for line in docs.splitlines()
        if line.startswith("| `ctloop:failed_instance_share_bound:5m` |")
    ]
    confidence = ctloop.serving.analysis.FAILED_SHARE_CONFIDENCE
    assert f"the {confidence * 100:g} % lower bound of their" in row, row
