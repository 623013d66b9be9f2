"""Second review of round 61's hold (H1-H3): under the minimum the canary's count is judged against its share
by the binomial lower tail P(X <= count | N = canary + stable, p = share) (scipy.stats.binom, scipy 1.17.1):
at least SHARE_ALPHA a quiet night (held), under it a routing/crash/logger failure (a failed check)."""
import random

import pandas as pd
import pytest

from ctloop.config import CanaryRules, QualityRules
from ctloop.serving import analysis
from ctloop.serving.metric_sources import RevisionStats

RULES = CanaryRules()


def _ok(name, n):
    return RevisionStats(name, n, 0.0 if n else None, 0.05 if n else None)


def test_healthy_canaries_sampled_at_5_percent_of_1000_are_rarely_failed():
    # H1: was 49 % failed (stable scaled to the share reaching 50 while the canary's own count was normal)
    rng = random.Random(7)
    failed = 0
    for _ in range(400):
        canary = sum(rng.random() < 0.05 for _ in range(1000))
        passed, why, measured = analysis.judge(_ok("c", canary), _ok("s", 1000 - canary), RULES, percent=5)
        failed += not passed and measured.get(analysis.EVIDENCE) != analysis.INSUFFICIENT
    assert failed / 400 <= 0.06, failed


def test_one_request_beside_940_at_5_percent_is_a_failed_check():
    passed, why, measured = analysis.judge(_ok("c", 1), _ok("s", 940), RULES, percent=5)
    assert passed is False and analysis.EVIDENCE not in measured and "routing failure" in why, why
    assert analysis.share_tail(1, 940, 5) < 1e-15


@pytest.mark.parametrize(("count", "others", "percent"), [(0, 58, 5), (3, 40, 5), (35, 964, 5), (8, 70, 25)])
def test_boundary_follows_the_lower_tail(count, others, percent):
    tail = analysis.share_tail(count, others, percent)
    passed, why, measured = analysis.judge(_ok("c", count), _ok("s", others), RULES, percent=percent,
                                           no_data="x " + analysis.QUIET_WINDOW)
    assert (measured.get(analysis.EVIDENCE) == analysis.INSUFFICIENT) is (tail >= analysis.SHARE_ALPHA), (tail, why)


def test_windows_divide_alpha():
    tail = analysis.share_tail(35, 964, 5)
    assert 0.01 < tail < analysis.SHARE_ALPHA  # failed alone
    assert analysis.share_consistent(35, 964, 5, windows=5) is (tail >= 0.01)


def _logs(revision, n):
    return pd.DataFrame({"request_id": [f"{revision}-{i}" for i in range(n)], "revision": revision, "model": "m",
                         "prediction_1": [0.5] * n, "time": "2026-01-01T00:00:00+00:00"})


@pytest.mark.parametrize(("canary", "held"), [(199, True), (20, False)])
def test_quality_rows_are_judged_against_the_share(canary, held):
    # H3: 199 canary rows beside 3800 at 5 % (200 expected) were "logger broken?"; 20 of 3820 still is
    rules = QualityRules.from_dict({"min_rows": 400}) if hasattr(QualityRules, "from_dict") else QualityRules(min_rows=400)
    ok, why, measured = analysis.quality_check(pd.concat([_logs("s", 3800), _logs("c", canary)]), None,
                                               canary_revision="c", stable_revision="s", rules=rules, percent=5)
    assert not ok
    assert (measured.get(analysis.EVIDENCE) == analysis.INSUFFICIENT) is held, why
