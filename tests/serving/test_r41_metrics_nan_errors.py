"""A counter that holds NaN (client_golang's ``Counter.Add(math.NaN())`` passes its "counter
cannot decrease" check, ``v < 0``, and stores NaN) makes ``increase()`` NaN. The canary's count
of requests was read as "no data ... (no requests recorded in the window)" — the check failed, but
said the canary had no traffic, sending the reader to the scrape configuration. judge() has a
reason for it: a count that is not a finite number (a corrupt counter series). Real Prometheus
2.42, series backfilled with promtool."""

import pytest

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from ctloop.serving.analysis import Prometheus
from tests.fixtures import serving_metrics as sm
from tests.fixtures.prometheus import prometheus_with

pytestmark = pytest.mark.slow

CANARY, STABLE = "credit-predictor-00002", "credit-predictor-00001"
STEPS = 21  # every 30 s for 10 minutes


def _openmetrics() -> str:
    """10 % errors on both revisions; the canary's error counter NaN at its last sample."""
    families: dict[str, list[str]] = {"ctloop_predictions_total": [], "ctloop_predict_seconds_bucket": []}
    for revision in (CANARY, STABLE):
        labels = f'namespace="ml",revision="{revision}",isvc="credit"'
        for outcome, per_step in (("ok", 90), ("error", 10)):
            nan = revision == CANARY and outcome == "error"
            families["ctloop_predictions_total"] += [
                f'ctloop_predictions_total{{{labels},outcome="{outcome}"}} '
                f'{"NaN" if nan and i == STEPS - 1 else float(i * per_step)} {sm.T0 + 30 * i}' for i in range(STEPS)]
        for le in ("0.1", "+Inf"):
            families["ctloop_predict_seconds_bucket"] += [
                f'ctloop_predict_seconds_bucket{{{labels},le="{le}"}} {float(i * 90)} {sm.T0 + 30 * i}'
                for i in range(STEPS)]
    lines = [line for name, samples in families.items() for line in (f"# TYPE {name} unknown", *samples)]
    return "\n".join([*lines, "# EOF", ""])


def test_a_nan_error_count_fails_the_check(tmp_path):
    with prometheus_with(_openmetrics(), tmp_path) as url:
        prom = Prometheus(url)
        at = sm.T0 + 30 * (STEPS - 1)
        check = analysis.make_check(prom, source="ctloop", canary_revision=lambda: CANARY,
                                    stable_revision=lambda: STABLE, namespace="ml", rules=CanaryRules(),
                                    clock=lambda: at)
        passed, reason, measured = check(5)
        assert not passed, reason
        assert "not a finite number" in reason, reason
        # the stable's errors are a number: 10 %
        stable_rate = analysis.revision_stats(prom, STABLE, "ml", "5m", at).error_rate
        assert stable_rate == pytest.approx(0.1)
