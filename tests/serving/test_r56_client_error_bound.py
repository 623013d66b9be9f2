"""The 4xx rule of the canary analysis on given measurements (no server: ``make test-fast`` runs
these): its bound, what it skips with a note and what it fails. Against a real Prometheus, for
every metric source: tests/serving/test_r56_canary_client_errors.py."""

import math
from math import comb

import pytest

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from ctloop.serving.metric_sources import RevisionStats


def stats(requests, share, revision="c"):
    """One revision's measurements; the 4xx share is of ``requests`` (one a request)."""
    return RevisionStats(
        revision, requests, 0.0, 0.1, client_error_rate=share, client_requests=requests
    )


@pytest.mark.parametrize(
    "canary_4xx, canary_n, passed",
    [
        # 6 % of 50 vs 1 %: chance at these counts (bound 0.7 points), not the canary's
        (3, 50, True),
        (2, 60, True),
        (50, 50, False),  # every request refused (a changed schema)
        (30, 600, False),  # 5 % of 600 vs 1 %: bound 2.2 points
        (12, 600, True),  # 2 % of 600 vs 1 %: bound below 1 point
    ],
)
def test_few_4xx_over_few_requests_do_not_roll_back(canary_4xx, canary_n, passed):
    ok, reason, _ = analysis.judge(
        stats(canary_n, canary_4xx / canary_n), stats(3000, 0.01, "s"), CanaryRules()
    )
    assert ok is passed, reason


@pytest.mark.parametrize("canary_n, stable_n, share", [(50, 1000, 0.1), (100, 300, 0.02)])
def test_equal_shares_fail_fewer_than_one_check_in_a_hundred(canary_n, stable_n, share):
    """The exact false-rollback rate at the default threshold, summed over every outcome of both
    binomials, when the canary's true 4xx share equals the stable's. (50, 1000, 10 %) is the worst
    of 72 cases of 50-300 canary and 50-1000 stable requests at shares 0.5-90 %: 0.86 %. At a
    threshold of 0 the bound is looser than its 99 %: 1-3 % of such checks fail."""

    def pmf(n, p):
        return [comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]

    canary, stable = pmf(canary_n, share), pmf(stable_n, share)
    false = sum(
        pc * ps
        for kc, pc in enumerate(canary)
        if pc > 1e-12
        for ks, ps in enumerate(stable)
        if ps > 1e-12
        and analysis.client_error_rule(
            stats(canary_n, kc / canary_n), stats(stable_n, ks / stable_n, "s"), CanaryRules()
        )[0]
    )
    assert false < 0.01, false


@pytest.mark.parametrize(
    "value, said", [(1.5, "must be in [0, 1], got 1.5"), ("x", "expected a number, got 'x'")]
)
def test_a_bad_threshold_is_refused_in_one_line_naming_it(value, said):
    from ctloop.config import RolloutConfig
    from ctloop.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        RolloutConfig.from_dict({"rules": {"max_client_error_excess": value}})
    assert str(info.value).startswith(f"rollout.rules.max_client_error_excess: {said}"), info.value
    assert "\n" not in str(info.value)


def test_the_bound_is_of_requests_not_of_the_instances_they_carried():
    """The ctloop runtime counts instances: 2 refused 20-row batches among 150 requests are 40 of
    188 instances (21 %), but 2 of 150 trials of the bound (1.3 %), which the rule judges."""
    canary = RevisionStats(
        "c", 188, 0.0, 0.1, client_error_rate=2 / 150, client_requests=150, counts_instances=True
    )
    passed, reason, measured = analysis.judge(canary, stats(2850, 0.01, "s"), CanaryRules())
    assert passed, reason
    # failed on main: "over 188 requests" (the 188 are instances)
    assert reason.endswith(" over 188 instances (150 requests); 4xx share 1.33% vs stable 1.00%"), (
        reason
    )
    assert (measured["canary_client_requests"], measured["stable_client_requests"]) == (150, 2850)


def test_a_stable_with_three_requests_is_a_stated_skip_not_a_pass_that_judged_nothing():
    """Failed on main: recorded "passed" (0 of 3 bounds the stable's share at 64 %, so even a canary
    refusing 60 % is inside it)."""
    passed, reason, measured = analysis.judge(stats(600, 0.6), stats(3, 0.0, "s"), CanaryRules())
    assert passed, reason  # the other rules hold
    assert measured["client_error_rule"] == "skipped"
    assert reason.endswith(
        "; 4xx not judged: the stable revision s had 3 requests in the window, fewer than "
        "min_requests 50: too few for a 4xx share to compare with"
    ), reason


@pytest.mark.parametrize(
    "requests, share, said",
    [
        (math.inf, 0.0, "4xx requests inf"),  # the request count is no count of the rule
        (3000, math.nan, "4xx share nan"),
        (3000, math.inf, "4xx share inf"),
    ],
)
def test_a_stable_count_that_is_no_number_fails_the_check_naming_it(requests, share, said):
    """Failed on main: the rule was skipped and the canary (refusing 60 %) passed."""
    passed, reason, measured = analysis.judge(
        stats(600, 0.6), stats(requests, share, "s"), CanaryRules()
    )
    assert not passed, reason
    assert measured["client_error_rule"] == "failed"
    assert reason.startswith(f"stable revision s: {said} is not a finite number"), reason
    assert "the 4xx rule cannot compare the canary with it" in reason


@pytest.mark.parametrize(
    "client_requests, share, said",
    [(600, math.nan, "4xx share nan"), (math.inf, 0.0, "4xx requests inf")],
)
def test_a_canary_4xx_count_that_is_no_number_is_named_in_the_failure(client_requests, share, said):
    """Failed on main: the reason named the request count and the 5xx rate (600 / 0.0), not the
    4xx share that was no number."""
    canary = RevisionStats(
        "c", 600, 0.0, 0.1, client_error_rate=share, client_requests=client_requests
    )
    passed, reason, _ = analysis.judge(canary, stats(3000, 0.01, "s"), CanaryRules())
    assert not passed
    assert reason.startswith(
        f"canary revision c: request count 600 / error rate 0.0 / {said} is not a finite"
    ), reason


def test_the_min_requests_gate_counts_requests_not_the_instances_they_carried():
    """Failed on main: 30 requests of 20 rows (600 instances) were judged ("over 600 requests")."""
    canary = RevisionStats(
        "c", 600, 0.0, 0.1, client_error_rate=0.0, client_requests=30, counts_instances=True
    )
    passed, reason, _ = analysis.judge(canary, stats(3000, 0.01, "s"), CanaryRules())
    assert (passed, reason) == (False, "too few requests to judge: 30 < 50")


def test_a_stable_with_few_requests_fails_a_canary_the_bound_already_proves_bad():
    """Every one of 400 requests refused against a stable's 0 of 40: the excess is at least 88
    points whatever the stable's true share. Failed on main: skipped (40 < min_requests 50)."""
    passed, reason, measured = analysis.judge(stats(400, 1.0), stats(40, 0.0, "s"), CanaryRules())
    assert not passed and measured["client_error_rule"] == "failed"
    # Wilson at z 2.326: canary 400/(400 + z²) = 98.67 %, stable z²/(40 + z²) = 11.92 %;
    # 1 - hypot(1.33 %, 11.92 %) = 88.01 %
    assert reason.startswith(
        "4xx share 100.00% vs stable 0.00%: the excess is at least 88.01 points > 1.00 points"
    ), reason


@pytest.mark.parametrize("requests", [math.nan, math.inf])
def test_the_stable_instance_count_is_no_count_of_the_4xx_rule(requests):
    """The rule reads the stable's requests and 4xx share only. Failed on main: a stable whose
    instance count was no number failed the check ("request count nan is not a finite number"),
    even one whose runtime counts no requests (a stated skip)."""
    stable = RevisionStats("s", requests, 0.0, 0.1, client_error_rate=0.01, client_requests=3000)
    passed, reason, measured = analysis.judge(stats(600, 0.01), stable, CanaryRules())
    assert passed and measured["client_error_rule"] == "passed", reason
    old = RevisionStats(
        "s", requests, 0.0, 0.1, client_missing="has no ctloop_requests_total series"
    )
    passed, reason, measured = analysis.judge(stats(600, 0.6), old, CanaryRules())
    assert passed and measured["client_error_rule"] == "skipped", reason
    assert reason.endswith(
        "; 4xx not judged: the stable revision s has no ctloop_requests_total series"
    ), reason


@pytest.mark.parametrize("canary_share, passed", [(0.6, False), (0.03, True)])
def test_a_stable_without_the_request_counter_is_judged_at_the_ceiling_of_its_share(
    canary_share, passed
):
    """An older serving image counts instances only; KServe's predict calls count its requests:
    refused instances over them bound its 4xx share above (a refused request is at least one
    refused instance). Failed on main: skipped for the whole rollout from an older image."""
    old = RevisionStats(
        "s",
        3100,
        0.0,
        0.1,
        client_missing="has no ctloop_requests_total series (an older serving image, "
        "or a scrape that drops it)",
        client_error_ceiling=0.02,
        client_ceiling_requests=3000,
        counts_instances=True,
    )
    ok, reason, measured = analysis.judge(stats(600, canary_share), old, CanaryRules())
    assert ok is passed, reason
    assert measured["client_error_rule"] == ("passed" if passed else "failed")
    assert (
        f"4xx share {canary_share:.2%} vs stable at most 2.00% (the stable revision s has no "
        "ctloop_requests_total series (an older serving image, or a scrape that drops it): its share bounded "
        "above by its refused instances over its predict calls, KServe's request_predict_seconds_count)"
    ) in reason


def test_a_ceiling_that_no_canary_share_could_exceed_is_a_stated_skip_not_a_pass():
    """One refused 3000-row batch on an older stable bounds its share at 100 %: no canary share can exceed
    it, so a canary refusing 60 % was recorded "passed" (review r16); the numbers judged on are recorded."""
    old = RevisionStats("s", 3100, 0.0, 0.1,
                        client_missing="has no ctloop_requests_total series (an older serving image, or a scrape "
                        "that drops it)", client_error_ceiling=1.0, client_ceiling_requests=100,
                        counts_instances=True)  # fmt: skip
    ok, reason, measured = analysis.judge(stats(600, 0.6), old, CanaryRules())
    assert measured["client_error_rule"] == "skipped", reason
    assert "4xx not judged: " in reason and "no canary share could exceed" in reason, reason
    assert measured["stable_client_error_ceiling"] == 1.0 and measured["stable_client_ceiling_requests"] == 100
