"""A failed canary's reason showed the limit (and the stable's p99) rounded while the value was
compared with the exact one: "p99 501.3 ms > 2× stable 251 ms" (2 × 251 = 502 > 501.3),
"error rate 0.1262% > 0.13%", "p99 latency 250.7 ms > 251 ms" — each reads as a pass. Now the
limit is shown exactly when it has few decimals, else with the decimals the value is shown with,
and the stable's p99 with as many as make the ratio visibly exceeded."""

import re

import pytest

from ctloop.config import CanaryRules
from ctloop.serving.analysis import judge
from ctloop.serving.metric_sources import RevisionStats

OK_STABLE = RevisionStats("c-00001", 1000.0, 0.0, 0.1)


@pytest.mark.parametrize("canary, stable, rules, expected", [
    (RevisionStats("c", 1000, 0.0, 0.5013), RevisionStats("s", 1000, 0.0, 0.2506), CanaryRules(max_p99_seconds=5),
     "p99 501.3 ms > 2× stable 250.6 ms"),
    (RevisionStats("c", 1000, 0.0, 0.5006), RevisionStats("s", 1000, 0.0, 0.3337),
     CanaryRules(max_p99_seconds=5, max_p99_ratio=1.5), "p99 500.6 ms > 1.5× stable 333.7 ms"),
    (RevisionStats("c", 100000, 0.001262, 0.1), OK_STABLE, CanaryRules(max_error_rate=0.00126),
     "error rate 0.1262% > 0.126%"),
    (RevisionStats("c", 1000, 0.0, 0.2507), RevisionStats("s", 1000, 0.0, None), CanaryRules(max_p99_seconds=0.2506),
     "p99 latency 250.7 ms > 250.6 ms"),
    (RevisionStats("c", 100000, 0.0013, 0.1), OK_STABLE, CanaryRules(max_error_rate=0.0012345),
     "error rate 0.13% > 0.12%"),
])
def test_the_reason_shows_the_limit_the_value_was_compared_with(canary, stable, rules, expected):
    passed, reason, _ = judge(canary, stable, rules)
    assert not passed and reason == expected, reason


@pytest.mark.parametrize("stable_ms", [250.6, 250.63, 250.645, 333.333, 0.4449])
def test_the_shown_numbers_never_contradict_the_ratio(stable_ms):
    for excess in (0.001, 0.004, 0.01, 0.03, 0.1, 0.7):
        canary_ms = 2 * stable_ms + excess
        passed, reason, _ = judge(RevisionStats("c", 1000, 0.0, canary_ms / 1000),
                                  RevisionStats("s", 1000, 0.0, stable_ms / 1000), CanaryRules(max_p99_seconds=5))
        value, ratio, stable = map(float, re.fullmatch(r"p99 ([\d.]+) ms > ([\d.]+)× stable ([\d.]+) ms",
                                                       reason).groups())
        assert value > ratio * stable, reason
