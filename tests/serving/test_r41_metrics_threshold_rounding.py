"""A canary just above a limit failed with a reason that shows it at the limit: an error rate of
1.004 % against ``max_error_rate: 0.01`` read "error rate 1.00% > 1.00%", a p99 of 500.4 ms
"p99 latency 500 ms > 500 ms". Now such a value is shown with the decimals that tell it from
the limit."""

from ctloop.config import CanaryRules
from ctloop.serving.analysis import judge
from ctloop.serving.metric_sources import RevisionStats

STABLE = RevisionStats("c-00001", 3000.0, 0.0, 0.3)


def test_an_error_rate_just_above_the_limit():
    passed, reason, _ = judge(RevisionStats("c-00002", 1000.0, 0.01004, 0.1), STABLE, CanaryRules())
    assert not passed and reason == "error rate 1.004% > 1.00%", reason


def test_a_p99_just_above_the_limit():
    passed, reason, _ = judge(RevisionStats("c-00002", 1000.0, 0.0, 0.5004), STABLE, CanaryRules())
    assert not passed and reason == "p99 latency 500.4 ms > 500 ms", reason


def test_a_p99_just_above_the_ratio():
    passed, reason, _ = judge(RevisionStats("c-00002", 1000.0, 0.0, 0.30004),
                              RevisionStats("c-00001", 3000.0, 0.0, 0.15), CanaryRules())
    assert not passed and reason == "p99 300.04 ms > 2× stable 150 ms", reason


def test_values_far_from_the_limit_keep_their_short_form():
    passed, reason, _ = judge(RevisionStats("c-00002", 1000.0, 0.05, 0.72), STABLE, CanaryRules())
    assert reason == "error rate 5.00% > 1.00%; p99 latency 720 ms > 500 ms; p99 720 ms > 2× stable 300 ms", reason
