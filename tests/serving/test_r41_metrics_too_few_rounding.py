"""``increase()`` extrapolates, so a canary's request count is rarely whole: 49.6 requests against
``min_requests: 50`` failed with "too few requests to judge: 50 < 50" — a reason that contradicts
itself. Now a count that is not whole is shown with its decimals."""

from ctloop.config import CanaryRules
from ctloop.serving.analysis import judge
from ctloop.serving.metric_sources import RevisionStats


def test_a_count_just_below_the_minimum_is_not_shown_as_the_minimum():
    canary = RevisionStats("c-00002", 49.6, 0.0, 0.1)
    stable = RevisionStats("c-00001", 3000.0, 0.0, 0.1)
    passed, reason, _ = judge(canary, stable, CanaryRules(min_requests=50))
    assert not passed and reason == "too few requests to judge: 49.6 < 50", reason
    passed, reason, _ = judge(RevisionStats("c-00002", 49.97, 0.0, 0.1), stable, CanaryRules(min_requests=50))
    assert reason == "too few requests to judge: 49.9 < 50", reason


def test_a_whole_count_stays_whole():
    canary = RevisionStats("c-00002", 6.0, 0.0, 0.1)
    passed, reason, _ = judge(canary, RevisionStats("c-00001", None, None, None), CanaryRules(min_requests=50))
    assert reason == "too few requests to judge: 6 < 50", reason
