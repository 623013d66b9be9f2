"""Canary analysis against Prometheus: per-revision error rate and latency, decided by rules.

The series come from a *metric source* (:mod:`ctloop.serving.metric_sources`, chosen by
``rollout.rules.metric_source`` or ``make_check(source=...)``; default ``ctloop``): the ctloop runtime's
own counters, Knative's queue-proxy (OpenTelemetry names from 1.19, OpenCensus up to 1.18) or
Istio's gateway. The queries are written out here rather than read from the recording rules of
``manifests/components/monitoring`` (built from the same source definition), so the analysis
works whether or not those rules are installed.

Default rules (each a failed check when broken; **no data, too few requests or a count that is
not a finite number is a failed check, never a pass**):

* canary error rate (5xx / all) > 1 %, of requests (a 5xx is a whole failed request; the
  ``ctloop`` source reads ``ctloop_requests_total`` where a revision's runtime has it, else its
  instances); and, where a revision counts both, its failed requests' share of the *instances*
  above 1 % at the 99 % lower bound of their effective count (:func:`failed_share_lower_bound` of
  :func:`effective_failed_requests`: a canary failing every large batch, a few requests holding most
  predictions, fails; one failed batch among many requests is one failure, and a few failures of
  mixed sizes count as fewer);
* canary 4xx share above the stable revision's by more than 1 point, on the 99 % lower
  confidence bound of the difference, of requests (:func:`client_error_rule`; a stable on an
  older runtime image at the upper bound of its share; skipped, with a note saying why, when the
  source cannot tell a 4xx, a revision has no count of requests, or the stable revision had
  fewer than ``min_requests`` and the bound does not fail the canary);
* canary p99 latency > 500 ms;
* canary p99 > 2 × stable p99 (latency +100 %).
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from typing import Any

from ctloop.config import CanaryRules, QualityRules
from ctloop.errors import ServingError
from ctloop.serving.metric_sources import (
    DEFAULT_SOURCE,
    DOC,
    PODMONITOR,
    PODMONITOR_INTERVAL,
    MetricSource,
    Prometheus,
    RevisionStats,
    format_range,
    get_source,
    range_ms,
)

# Seconds between this process' clock and Prometheus' past which a check's windows end at
# Prometheus' now (:func:`prometheus_now`) instead: the samples are stamped with its clock
CLOCK_SKEW_TOLERANCE_S = 5.0
SCRAPES_PER_WINDOW = 4  # samples a window should hold: increase() needs two, a missed scrape is common
SUGGESTED_WINDOW = format_range(SCRAPES_PER_WINDOW * range_ms(PODMONITOR_INTERVAL))  # 2m
# the one-sided confidence of the 4xx rule's bound: at the default threshold, a canary whose true
# 4xx share equals the stable's fails fewer than 1 % of checks (0.86 % at worst over 50-300 canary
# and 50-1000 stable requests, shares 0.5-90 %: tests/serving/test_r56_canary_client_errors.py)
CLIENT_ERROR_CONFIDENCE = 0.99
# the one-sided confidence of the 5xx rule's large-batch bound (:func:`failed_share_lower_bound`);
# manifests/components/monitoring/prometheusrule.yaml writes the same bound, its z generated from this (`make golden`)
FAILED_SHARE_CONFIDENCE = 0.99


def revision_stats(prom: Prometheus, revision: str, namespace: str, window: str, at: float | None,
                   source: MetricSource | str = DEFAULT_SOURCE) -> RevisionStats:
    """Requests, 5xx share and p99 of one revision from ``source``'s series."""
    return get_source(source).stats(prom, revision, namespace, window, at)


def no_data_reason(prom: Prometheus, source: MetricSource | str, *, canary: str, stable: str,
                   namespace: str, at: float | None, lookback: str = "1h", window: str = "") -> str:
    """Why the canary has no requests: its series are missing, or every source series is, or
    the ``window`` (``rollout.rules.window``) holds fewer than two samples of them. A window
    shorter than two scrape intervals (of the PodMonitor, or of the source's
    :attr:`~MetricSource.scraped_by`) is too short (``increase()`` has nothing to count whatever
    the traffic); in a longer one, fewer than two samples is fewer scrapes than the interval
    makes (:func:`_few_scrapes`), which no window fixes."""
    source = get_source(source)
    if not str(canary or "").strip():
        return (f"no canary revision to judge: canary_revision is {canary!r} (deploy_canary's "
                "latest_revision); nothing is measured for a blank name")
    names = source.found_names(prom, canary, namespace, at=at, lookback=lookback)
    if names is not None:
        samples = int(source.samples_in(prom, canary, namespace, window, at) or 0) if window else 2
        if samples >= 2:
            return f"no data for canary revision {canary} (no requests recorded in the window)"
        # the interval its series were scraped at (Istio's monitor, a changed PodMonitor), not 30 s
        try:
            interval = names.scrape_interval_ms(prom, canary, namespace, lookback, at)
        except ServingError:  # advice only: a failed measure is the PodMonitor's interval assumed,
            interval = None  # never a check failed (and the canary rolled back) for it
        if range_ms(window) >= 2 * (interval or range_ms(PODMONITOR_INTERVAL)):
            return (f"no data for canary revision {canary}: its series have {samples} sample(s) in the "
                    f"{window} window and increase() needs two (they have more in the last "
                    f"{lookback}): {_few_scrapes(source, samples)}")
        return (f"no data for canary revision {canary}: its series have {samples} sample(s) in the "
                f"{window} window and increase() needs two; the window is shorter than two scrape "
                f"intervals: set rollout.rules.window to at least {_scrapes(source, interval)}, see {DOC}")
    if not stable or not source.series_exist(prom, stable, namespace, at=at, lookback=lookback):
        return (f"no data: no {source.name} metrics for either revision ({canary}, "
                f"{stable or 'no stable'}) in namespace {namespace} over the last {lookback}: "
                f"{source.missing_hint} see {DOC}")
    return (f"no data for canary revision {canary}: no {source.name} series for it in the last "
            f"{lookback} (the stable {stable} has some): no traffic reached it yet, or its pods are "
            "not scraped")


def _few_scrapes(source: MetricSource, samples: int) -> str:
    """Why a window of two scrape intervals or more holds ``samples`` (0 or 1) of ``source``'s
    series. The ctloop and Knative series come from the revision's pods: no scrape in the
    window is pods scaled to zero (or no longer scraped), one is pods scaled to zero since or
    just started. The Istio series come from the gateways, which are still scraped when a
    canary scales to zero: too few is their monitor missing scrapes, or a gateway restarted
    (it writes a revision's series from the revision's first request on)."""
    if source.scraped_by:
        return (f"the Istio gateways' series of it were scraped {samples} time(s) in the window (the "
                f"gateways are scraped while a revision scales to zero): {source.scraped_by} missed "
                "scrapes, or a gateway restarted (its series of a revision start at the revision's "
                "first request)")
    why = "scaled to zero, or no longer scraped" if not samples else "scaled to zero since, or just started"
    return f"its pods were scraped {samples} time(s) in the window ({why})"


def _scrapes(source: MetricSource, interval_ms: int | None = None) -> str:
    """How many scrape intervals of what the window should hold, for ``source``'s series scraped
    every ``interval_ms`` (as measured, :meth:`MetricSource.scrape_interval_ms`; ``None``: not
    measured, the PodMonitor's :data:`PODMONITOR_INTERVAL` assumed)."""
    every = format_range(interval_ms) if interval_ms else PODMONITOR_INTERVAL
    window = format_range(SCRAPES_PER_WINDOW * interval_ms) if interval_ms else SUGGESTED_WINDOW
    if source.scraped_by:  # scraped by another monitor, at an interval ctloop does not set
        if interval_ms:
            return (f"{SCRAPES_PER_WINDOW} scrape intervals of {source.scraped_by}: {window} (its series "
                    f"were scraped every {every})")
        return (f"{SCRAPES_PER_WINDOW} scrape intervals of {source.scraped_by}: {window} "
                f"at a {every} interval")
    return (f"{SCRAPES_PER_WINDOW} scrape intervals (the PodMonitor {PODMONITOR} scrapes every "
            f"{every}: {window})")


def _past(value: float, limit: float, digits: int, unit: str = "") -> str:
    """``value`` (above ``limit``) with ``digits`` decimals, or as many more as tell it from the
    limit: 1.004 % shown as "1.00%" beside a 1.00 % limit contradicted the reason it fails."""
    for places in range(digits, digits + 7):
        if f"{value:.{places}f}" != f"{limit:.{places}f}":
            break
    return f"{value:.{places}f}{unit}"


def _places(value: float, digits: int, most: int) -> int:
    """The fewest decimals from ``digits`` to ``most`` that write ``value`` exactly, else ``most``."""
    for places in range(digits, most):
        if abs(float(f"{value:.{places}f}") - value) <= 1e-9 * max(1.0, abs(value)):
            return places
    return most


def _above(value: float, limit: float, digits: int, unit: str = "") -> str:
    """"``value`` > ``limit``" as a reason shows it: the value as :func:`_past` writes it, the
    limit exactly when it has no more decimals than that, else with as many (a limit of 0.126 %
    shown "0.13%" below an error rate of 0.1262 % read as a pass)."""
    shown = _past(value, limit, digits)
    places = len(shown.partition(".")[2])
    return f"{shown}{unit} > {limit:.{_places(limit, digits, places)}f}{unit}"


def _above_ratio(value_ms: float, ratio: float, stable_ms: float) -> str:
    """"p99 … ms > 2× stable … ms" with as many decimals as make ``ratio`` × the stable's p99
    *as shown* below the canary's as shown: 501.3 ms against a stable of 250.6 ms, shown 251 ms,
    read 501.3 > 502."""
    for places in range(0, 7):
        stable = f"{stable_ms:.{_places(stable_ms, 0, places)}f}"
        value = f"{value_ms:.{places}f}"
        if float(value) > ratio * float(stable):
            break
    return f"p99 {value} ms > {ratio:g}× stable {stable} ms"


def _wilson(share: float, n: float, z: float) -> tuple[float, float]:
    """The Wilson score interval of a share ``share`` of ``n`` trials at ``z``."""
    centre = share + z * z / (2 * n)
    spread = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


def excess_lower_bound(canary_share: float, canary_n: float, stable_share: float, stable_n: float,
                       confidence: float = CLIENT_ERROR_CONFIDENCE) -> float:
    """A lower confidence bound of ``canary_share - stable_share``: Newcombe's hybrid score
    interval (Newcombe 1998, *Statistics in Medicine* 17:873, method 10) from each side's Wilson
    interval, one-sided at ``confidence``. Sound at 0 % and 100 % and at a few dozen requests,
    where the normal approximation is not; ``increase()``'s fractional counts are taken as
    they are."""
    z = statistics.NormalDist().inv_cdf(confidence)
    c_low, _ = _wilson(canary_share, canary_n, z)
    _, s_high = _wilson(stable_share, stable_n, z)
    return canary_share - stable_share - math.hypot(canary_share - c_low, s_high - stable_share)


def failed_share_lower_bound(failed_requests: float, instance_share: float,
                             confidence: float = FAILED_SHARE_CONFIDENCE) -> float:
    """A lower confidence bound of the share of instances that failed requests carry, with the
    *requests* as the independent events: the count of failed requests at its one-sided lower
    ``confidence`` bound (a Poisson count, the Wilson-Hilferty cube-root form of its chi-square
    quantile: within 0.03 of the exact bound from 2 failures on, below it, so on the safe side of
    a pass), each carrying the failed requests' mean instances. One failed request is one event
    whatever its rows (its bound is 0.15 % of its share); five failed 500-row batches among 600
    one-row requests (80.8 % of the instances) are at least 20 %. The recording rule
    ``ctloop:failed_instance_share_bound:5m`` computes the same. Given the count of failed requests
    the mean instances are taken as measured, so with mixed batch sizes ``failed_requests`` should
    be :func:`effective_failed_requests` (a healthy canary whose few failures include one large
    batch: failed at 1.4-3 % of steps with the count, under 0.07 % with the effective count;
    docs/serving.md, tests/serving/test_r57_failed_share_bound.py)."""
    if not failed_requests > 0 or not instance_share > 0:
        return 0.0
    z = statistics.NormalDist().inv_cdf(confidence)
    root = max(1 - 1 / (9 * failed_requests) - z / (3 * math.sqrt(failed_requests)), 0.0)
    return root**3 * instance_share


def effective_failed_requests(stats: RevisionStats) -> float | None:
    """The count of failed requests the large-batch bound takes: ``k_eff = min(k, S²/Σr²)``, the
    failed instances' sum squared over the failed requests' sum of squared instances (the runtime's
    ``ctloop_request_instances_squared_total``; :attr:`RevisionStats.failed_effective_requests`),
    the count of equal batches carrying the same instances with the same spread (a compound Poisson's
    mean² over its variance): ``k`` for equal batches, about 1 when one large batch holds nearly
    all. A revision whose runtime does not count the squares (an image before round 57), or whose
    sum is no finite positive number, has ``k``; ``None``: no count of failed requests."""
    k = stats.failed_requests
    if k is None:
        return None
    effective = stats.failed_effective_requests
    return min(k, effective) if effective is not None and math.isfinite(effective) and effective > 0 else k


def _not_finite(stats: RevisionStats, *, ceiling: bool = False) -> list[str]:
    """``stats``' counts of the 4xx rule that are no finite number, named, e.g. ``["4xx share nan"]``
    (``ceiling``: of its upper bound, :attr:`RevisionStats.client_error_ceiling`); none is ``[]``.
    ``requests`` is no count of the rule (the ctloop runtime's are instances)."""
    named = ([("4xx requests", stats.client_requests), ("4xx share", stats.client_error_rate)] if not ceiling
             else [("predict calls", stats.client_ceiling_requests), ("4xx share bound", stats.client_error_ceiling)])
    return [f"{name} {value}" for name, value in named if value is not None and not math.isfinite(value)]


def _shown(count: float, limit: int) -> str:
    """A request count compared with ``limit``: increase() extrapolates, and 49.6 shown as
    "50 < 50" contradicted itself."""
    return f"{count:.0f}" if round(count) < limit else f"{math.floor(count * 10) / 10:.1f}"


def client_error_rule(canary: RevisionStats, stable: RevisionStats, rules: CanaryRules) -> tuple[bool, str]:
    """The 4xx rule: ``(failed, text)``. Clients' bad requests reach both revisions alike (the
    traffic is split at random), so only the canary's 4xx share *above* the stable's in the same
    window is the canary's: a changed feature schema the ctloop runtime refuses (400,
    ``outcome="invalid"``), or a request KServe's server refuses for it. Fails when the lower
    :data:`CLIENT_ERROR_CONFIDENCE` bound of the difference (:func:`excess_lower_bound`, of
    ``client_requests``: requests, which the bound takes as independent trials, not the instances
    a batch carries) is above ``rules.max_client_error_excess``; the text names both shares. A
    stable revision whose runtime does not count requests (an older serving image) is taken at
    the upper bound of its share (:attr:`RevisionStats.client_error_ceiling`: refused instances
    over KServe's predict calls, which count every request in every image), and the text says so:
    the canary is judged against a stable share at least the true one. Fails too, naming it, when
    a count of the rule is no finite number (a corrupt counter: never a pass). Not judged (the
    text says why, never a silent pass) when the source cannot tell a 4xx, a revision has no
    request count at all (:attr:`RevisionStats.client_missing`, without a ceiling for the
    stable), or the stable revision had fewer than ``rules.min_requests`` requests in the window
    (none: the 100 % step, blue-green; a few: a share that bounds little) and the bound does not
    already fail the canary (every request refused against a stable's 0 of 40 does)."""
    if canary.client_unseen or (canary.client_error_rate is None and not canary.client_missing):
        return False, f"4xx not judged: {canary.client_unseen or 'the canary 4xx share was not measured'}"
    if canary.client_missing:
        return False, f"4xx not judged: the canary revision {canary.revision or '(none)'} {canary.client_missing}"
    ceiling = bool(stable.client_missing) and stable.client_ceiling_requests is not None
    if stable.client_missing and not ceiling:
        return False, f"4xx not judged: the stable revision {stable.revision or '(none)'} {stable.client_missing}"
    for role, side, bad in (("canary", canary, _not_finite(canary)), ("stable", stable, _not_finite(stable, ceiling=ceiling))):
        if bad:  # judge() names the canary's first; here for a caller of this rule alone
            return True, (f"{role} revision {side.revision}: {' / '.join(bad)} is not a finite number (a corrupt "
                          "counter series): the 4xx rule cannot compare the canary with it")
    n_stable, s_share = ((stable.client_ceiling_requests, stable.client_error_ceiling) if ceiling
                         else (stable.client_requests, stable.client_error_rate))
    if not n_stable or s_share is None:
        return False, (f"4xx not judged: the stable revision {stable.revision or '(none)'} had no requests in the "
                       "window, so no 4xx share to compare with (judged at the steps where it serves)")
    if not canary.client_requests:
        return False, "4xx not judged: the canary 4xx share was not measured"
    c_share = min(max(canary.client_error_rate, 0.0), 1.0)
    s_share = min(max(s_share, 0.0), 1.0)
    shares = f"4xx share {c_share:.2%} vs stable {'at most ' if ceiling else ''}{s_share:.2%}"
    if ceiling:
        shares += (f" (the stable revision {stable.revision} {stable.client_missing}: its share bounded above by "
                   "its refused instances over its predict calls, KServe's request_predict_seconds_count)")
    bound = excess_lower_bound(c_share, canary.client_requests, s_share, n_stable)
    limit = rules.max_client_error_excess
    if bound > limit:
        return True, (f"{shares}: the excess is at least {_above(bound * 100, limit * 100, 2, ' points')} "
                      f"({CLIENT_ERROR_CONFIDENCE:.0%} confidence; does the canary refuse requests the stable takes?)")
    if excess_lower_bound(1.0, canary.client_requests, s_share, n_stable) <= limit:  # a ceiling that bounds nothing
        return False, (f"4xx not judged: no canary share could exceed the stable's by more than "
                       f"{limit * 100:.2f} points ({shares})")
    if n_stable < rules.min_requests:
        return False, (f"4xx not judged: the stable revision {stable.revision} had {_shown(n_stable, rules.min_requests)} "
                       f"requests in the window, fewer than min_requests {rules.min_requests}: too few for a 4xx "
                       "share to compare with")
    return False, shares


# measurements' key marking a check that failed for too little evidence alone (:func:`quiet_window`,
# ``quality_check``'s too little logged traffic): walk_plan holds the canary at its share instead of counting
# it as a failed check (a quiet night is no evidence against the canary, nor for it)
EVIDENCE = "evidence"
INSUFFICIENT = "insufficient"
QUIET_WINDOW = "(no requests recorded in the window)"  # no_data_reason's quiet case: series there, no traffic


# the canary's share of the traffic is a binomial draw: of N = canary + stable requests (or logged rows) each goes
# to the canary with probability p = its share. Under the minimum, a canary count in the lower tail
# P(X <= count | N, p) < SHARE_ALPHA is evidence of a routing failure, a crash-looping canary or a broken logger
# (a failed check); a count at least that likely is a quiet night, held (round 61 second review H1-H3). For a
# count of 0 the tail is (1 - p)^N: the old silent floor (5 %: 58.4 stable requests) is this rule's zero case.
# alpha is per window judged: a caller judging k windows of one step passes windows=k (Bonferroni).
SHARE_ALPHA = 0.05


def share_tail(count: float, others: float, percent: int) -> float:
    """P(X <= ``count``) for X ~ Binomial(N = ``count`` + ``others``, p = ``percent`` / 100) (scipy.stats.binom;
    counts from increase() may be fractional: N rounded, ``count`` floored by the cdf)."""
    from scipy.stats import binom

    total = max(0, round(count + others))
    return float(binom.cdf(math.floor(count + 1e-9), total, int(percent) / 100))


def share_consistent(count: float, others: float, percent: int, windows: int = 1) -> bool:
    """Whether a canary's ``count`` beside the stable's ``others`` is consistent with its share ``percent``:
    :func:`share_tail` at least ``SHARE_ALPHA / windows``."""
    return share_tail(count, others, percent) >= SHARE_ALPHA / max(1, int(windows))


def quiet_window(canary: RevisionStats, stable: RevisionStats, rules: CanaryRules, percent: int | None,
                 no_data: str | None = None, windows: int = 1) -> str:
    """Why this window holds too little traffic to judge the canary, ``""`` when it holds enough or when the
    canary's count is itself suspicious. The canary's requests (finite) are fewer than ``rules.min_requests``
    and consistent with its share (:func:`share_consistent`: the binomial lower tail of its count among all
    the service's requests at ``percent`` is at least ``SHARE_ALPHA / windows``); a lower tail under that is a
    routing failure or a crash-looping canary, a failed check. Never at 100 % or more (no stable to compare
    with) nor with ``percent`` None (not known). A canary with no requests counts only when its series are
    there and counted none (:data:`QUIET_WINDOW`); missing series stay "no data", a failed check. The caller
    (:func:`judge`) asks only once the canary's requests showed no error or latency failure."""
    asked = _requests(canary)
    if percent is None or int(percent) >= 100 or int(percent) <= 0 \
            or not (isinstance(asked, (int, float)) and math.isfinite(asked)) or asked >= rules.min_requests:
        return ""
    others = _requests(stable) if stable.requests is not None else 0.0
    if not (isinstance(others, (int, float)) and math.isfinite(others)):
        return ""
    share = int(percent)
    if not asked and not (no_data or "").endswith(QUIET_WINDOW):
        return ""
    tail = share_tail(asked, others, share)
    if tail < SHARE_ALPHA / max(1, int(windows)):
        return ""
    expected = (asked + others) * share / 100
    return (f"too little traffic to judge: the canary had {_shown(asked, rules.min_requests)} requests in the "
            f"{rules.window} window and the stable {_shown(others, rules.min_requests)}; at {share} % a healthy "
            f"canary would have had {expected:.0f}, and one with {_shown(asked, rules.min_requests)} or fewer has "
            f"probability {tail:.2g} (not under {SHARE_ALPHA / max(1, int(windows)):.2g}): no evidence either way")


def routing_failure(count: float, others: float, percent: int, what: str, windows: int = 1) -> str:
    """The failed check's reason for a count too low for the share (:func:`share_tail` under alpha)."""
    expected = (count + others) * int(percent) / 100
    return (f"the canary's {count:.0f} {what} beside the stable's {others:.0f} at {int(percent)} % (a healthy "
            f"canary: {expected:.0f}) has probability {share_tail(count, others, percent):.2g}, under "
            f"{SHARE_ALPHA / max(1, int(windows)):.2g}: a routing failure, a crash-looping canary or a broken logger")


def judge(canary: RevisionStats, stable: RevisionStats, rules: CanaryRules,
          no_data: str | None = None, percent: int | None = None) -> tuple[bool, str, dict[str, Any]]:
    """Apply the rules to one step's measurements: ``(passed, reason, measurements)``. A check that fails
    only for too little traffic on the whole service (:func:`quiet_window`, at the canary's ``percent``)
    says so and carries ``measurements[EVIDENCE] = INSUFFICIENT``: the walk holds instead of rolling back.

    ``no_data`` replaces the generic reason given when the canary has no requests.
    """
    measured = {"canary_requests": canary.requests, "canary_error_rate": canary.error_rate,
                "canary_p99_seconds": canary.p99_seconds, "stable_p99_seconds": stable.p99_seconds,
                "stable_error_rate": stable.error_rate, "stable_requests": stable.requests,
                "canary_client_error_rate": canary.client_error_rate,
                "stable_client_error_rate": stable.client_error_rate,
                "canary_client_requests": canary.client_requests, "stable_client_requests": stable.client_requests,
                "stable_client_error_ceiling": stable.client_error_ceiling,
                "stable_client_ceiling_requests": stable.client_ceiling_requests,
                "canary_failed_requests": canary.failed_requests,
                "canary_failed_instance_share": canary.failed_instance_share}
    client = ""  # what the 4xx rule said, when it was judged or skipped
    failures = []
    ruled = False  # the error and latency rules judged the canary's requests
    warned = [*canary.warnings, *stable.warnings]
    if warned:  # e.g. Thanos' partial response: an error series on a store that did not answer
        failures.append(f"Prometheus warned that its answer may be partial: {warned[0][:200]}")
    if not canary.requests:
        failures.append(no_data
                        or f"no data for canary revision {canary.revision} (no requests recorded)")
    elif not math.isfinite(canary.requests) or any(v is not None and not math.isfinite(v) for v in (
            canary.error_rate, canary.failed_instance_share)) or _not_finite(canary):
        # increase() of a counter that reached +Inf is +Inf: "0 % errors over inf requests" (or
        # inf/inf = NaN, and NaN > max_error_rate is false) would pass a canary nothing measured
        failures.append(" / ".join([f"canary revision {canary.revision}: request count {canary.requests}",
                                    f"error rate {canary.error_rate}", *_not_finite(canary)])
                        + " is not a finite number (a corrupt counter series)")
    else:
        # the error and latency rules judge whatever requests the canary answered, however few: 5 of 5 failing
        # is evidence of harm, a failed check; the count rule only bars passing (round 61 review H1)
        ruled = True
        bound = None  # the large-batch bound, recorded whenever the runtime counted failed requests
        if canary.failed_requests is not None and canary.failed_instance_share is not None:
            effective = effective_failed_requests(canary)
            bound = failed_share_lower_bound(effective, canary.failed_instance_share)
            measured["canary_failed_effective_requests"] = effective
            measured["canary_failed_instance_share_bound"] = bound
        if canary.error_rate is not None and canary.error_rate > rules.max_error_rate:
            failures.append(f"error rate {_above(canary.error_rate * 100, rules.max_error_rate * 100, 2, '%')}")
        elif bound is not None and bound > rules.max_error_rate:
            mixed = "" if effective >= canary.failed_requests - 0.05 else f" (as {effective:.1f} of equal size)"
            failures.append(
                f"5xx: {canary.failed_requests:.0f} failed requests{mixed} of {canary.client_requests:.0f} "
                f"({canary.error_rate:.2%}) hold {canary.failed_instance_share:.2%} of the "
                f"{canary.requests:.0f} instances: at least "
                f"{_above(bound * 100, rules.max_error_rate * 100, 2, '%')} ({FAILED_SHARE_CONFIDENCE:.0%} "
                "confidence in their count; does the canary fail large batches?)")
        failed, client = client_error_rule(canary, stable, rules)
        measured["client_error_rule"] = "failed" if failed else "passed" if not client.startswith("4xx not") else "skipped"
        measured["client_error_note"] = client
        if failed:
            failures.append(client)
        if canary.p99_seconds is None:
            failures.append("no latency data for the canary")
        else:
            if canary.p99_seconds > rules.max_p99_seconds:
                failures.append(f"p99 latency {_above(canary.p99_seconds * 1000, rules.max_p99_seconds * 1000, 0, ' ms')}")
            if stable.p99_seconds and canary.p99_seconds > rules.max_p99_ratio * stable.p99_seconds:
                failures.append(_above_ratio(canary.p99_seconds * 1000, rules.max_p99_ratio, stable.p99_seconds * 1000))
    few = ruled and _requests(canary) < rules.min_requests
    if few and not failures:
        # no rule failed on the few requests there were: too few to pass — held when the whole service is quiet
        asked = _requests(canary)
        count = f"too few requests to judge: {_shown(asked, rules.min_requests)} < {rules.min_requests}"
        if quiet := quiet_window(canary, stable, rules, percent, no_data):
            measured[EVIDENCE] = INSUFFICIENT
            return False, f"{quiet} ({count})", measured
        if percent is not None and 0 < int(percent) < 100 and math.isfinite(_requests(stable) or 0.0):
            count += "; " + routing_failure(asked, _requests(stable) or 0.0, int(percent), "requests")
        return False, count, measured
    if few:  # a rule failed on them: evidence of harm, the count said beside it
        failures.append(f"on {_shown(_requests(canary), rules.min_requests)} requests, fewer than min_requests "
                        f"{rules.min_requests}")
    if not canary.requests and len(failures) == 1 and not warned and (
            quiet := quiet_window(canary, stable, rules, percent, no_data)):
        # no requests on either side: no evidence against the canary, nor for it
        measured[EVIDENCE] = INSUFFICIENT
        return False, f"{quiet} ({failures[0]})", measured
    if not canary.requests and percent is not None and 0 < int(percent) < 100 and stable.requests \
            and (no_data or "").endswith(QUIET_WINDOW) and not share_consistent(0, _requests(stable), int(percent)):
        failures.append(routing_failure(0, _requests(stable), int(percent), "requests"))
    if failures:  # a skipped 4xx rule is in the record (client_error_note), not beside the failures
        return False, "; ".join(failures), measured
    return True, (f"error rate {canary.error_rate:.2%}, p99 {canary.p99_seconds * 1000:.0f} ms "
                  f"(stable {'n/a' if stable.p99_seconds is None else f'{stable.p99_seconds * 1000:.0f} ms'}) "
                  f"over {_over(canary)}; {client}"), measured


def _requests(stats: RevisionStats) -> float:
    """``stats``' requests: its request counter's where the source counts instances beside it
    (:attr:`RevisionStats.counts_instances`), else ``requests``."""
    return stats.client_requests if stats.counts_instances and stats.client_requests is not None else stats.requests


def _over(stats: RevisionStats) -> str:
    """What a pass was judged over: "188 instances (150 requests)" where ``requests`` counts
    instances (the ctloop runtime; "188 instances" from an image without the request counter),
    else "150 requests"."""
    if not stats.counts_instances:
        return f"{stats.requests:.0f} requests"
    if stats.client_requests is None:
        return f"{stats.requests:.0f} instances"
    return f"{stats.requests:.0f} instances ({stats.client_requests:.0f} requests)"


def prometheus_now(prom: Prometheus) -> float | None:
    """Prometheus' own clock: ``time()`` asked with no evaluation time, which Prometheus v2.42
    (``web/api/v1/api.go`` ``query``: ``time`` defaults to its now) answers as a ``scalar``
    ``[t, "t"]``. ``None`` when it does not answer so (the queries that follow say why)."""
    def parse(_expr: str, payload: Any) -> list[float]:
        data = payload.get("data") if isinstance(payload, dict) else None
        if (not isinstance(data, dict) or payload.get("status") != "success"
                or data.get("resultType") != "scalar"):
            raise ValueError("no scalar")
        value = float(data["result"][1])
        if not math.isfinite(value):
            raise ValueError("not a time")
        return [value]

    try:
        return prom.query("time()", parse=parse)[0]
    except (ServingError, ValueError, TypeError, KeyError, IndexError):
        return None


STEP_WINDOW_DOC = "docs/serving.md#step-interval-and-windows"


def step_window_lag(interval_s: float, window: str, strategy: str | None = None) -> str | None:
    """Why a canary step of ``interval_s`` seconds is judged partly on the traffic before it: the
    check at its end reads the last ``window`` (``rollout.rules.window``), which reaches back past
    the step's start when longer. None when each step fills its window, or the check does not
    wait (``interval_s`` 0). A warning, not a refusal: the check still reads the canary's own
    requests only; it lags the plan (docs/serving.md#step-interval-and-windows). ``strategy``
    (``rollout.strategy``; None: a canary plan) blue-green judges 100 % at every step: the time
    before a step is the same 100 %, judged again."""
    window_s = range_ms(window) / 1000
    if not interval_s or interval_s >= window_s:
        return None
    before = ("blue-green: the same 100 % the step before was judged on" if strategy == "blue-green"
              else "the previous step's traffic share")
    return (f"rollout.interval_seconds {interval_s:g} is shorter than rollout.rules.window {window}: the check "
            f"at the end of each step also judges the {window_s - interval_s:g} s before the step began ({before}; "
            "before the first step, no canary traffic); set interval_seconds to "
            f"at least {window_s:g} to judge each step on its own traffic ({STEP_WINDOW_DOC})")


def window_below_scrapes(window: str, source: MetricSource) -> str | None:
    """Why ``window`` (``rollout.rules.window``) fails checks whatever the traffic: shorter than two
    scrape intervals of the PodMonitor, it holds fewer than the two samples of a series
    ``increase()`` needs at some checks (below one interval, at every check), each then "no data",
    a failed check. The interval is the shipped PodMonitor's (a patched one is measured only once
    the canary has series: :func:`no_data_reason`). None from two intervals up, and for a source
    scraped by another monitor (:attr:`~MetricSource.scraped_by`, Istio's)."""
    interval_ms, window_ms = range_ms(PODMONITOR_INTERVAL), range_ms(window)
    if source.scraped_by or window_ms >= 2 * interval_ms:
        return None
    at = "every check" if window_ms < interval_ms else "some checks"
    return (f"rollout.rules.window {window} is shorter than two scrape intervals of the PodMonitor {PODMONITOR} "
            f"({PODMONITOR_INTERVAL} as shipped): increase() needs two samples of a series in the window and at that "
            f'interval it holds fewer at {at}, which is then "no data", a failed check that rolls the canary back; '
            f"set rollout.rules.window to at least {SUGGESTED_WINDOW}, unless your PodMonitor scrapes faster ({DOC})")


def make_check(prom: Prometheus, *, canary_revision, stable_revision, namespace: str, rules: CanaryRules,
               source: MetricSource | str | None = None, interval_s: float = 0.0, clock=None,
               strategy: str | None = None):
    """A ``check(percent)`` for :func:`ctloop.serving.rollout.walk_plan`: wait ``interval_s``
    at each step, then judge the last ``rules.window`` of both revisions from ``source``'s series
    (default ``rules.metric_source``). A step shorter than the window (:func:`step_window_lag`, in
    the words of ``strategy``) and a window shorter than two scrape intervals
    (:func:`window_below_scrapes`) are warned about once, on stderr, before the first step.

    ``canary_revision``/``stable_revision`` are callables returning the current names (they are
    only known once the canary revision exists).

    Without ``clock`` the windows end at Prometheus' now whenever this process' clock is more
    than :data:`CLOCK_SKEW_TOLERANCE_S` off it (:func:`prometheus_now`; a warning names the skew,
    and the step records it as ``clock_skew_seconds``): the samples carry Prometheus' timestamps,
    and a pod clock minutes ahead judged a window Prometheus had no samples in yet — "no data",
    the canary rolled back — or, behind, a window from before the canary had traffic.
    """
    source = get_source(source if source is not None else rules.metric_source)
    now = clock or time.time
    warned: list[float] = []
    for warning in (step_window_lag(interval_s, rules.window, strategy), window_below_scrapes(rules.window, source)):
        if warning is not None:
            print(f"ctloop: WARNING: {warning}", file=sys.stderr)

    def check(percent: int):
        if interval_s:
            time.sleep(interval_s)
        at = now()
        skew = None
        if clock is None:
            asked = time.time()
            server = prometheus_now(prom)
            if server is not None:
                skew = server - (asked + time.time()) / 2
                if abs(skew) > CLOCK_SKEW_TOLERANCE_S:
                    at = server
                    if not warned or abs(skew - warned[-1]) > CLOCK_SKEW_TOLERANCE_S:
                        warned.append(skew)
                        print(f"ctloop: WARNING: this clock is {abs(skew):.0f} s {'behind' if skew > 0 else 'ahead of'} "
                              f"Prometheus' ({prom.url}): the analysis windows end at Prometheus' now; fix the "
                              "node's time sync (NTP)", file=sys.stderr)
                else:
                    skew = None
        canary_name, stable_name = canary_revision(), stable_revision()
        canary = source.stats(prom, canary_name, namespace, rules.window, at)
        stable = source.stats(prom, stable_name, namespace, rules.window, at)
        why = None if canary.requests else no_data_reason(
            prom, source, canary=canary_name, stable=stable_name, namespace=namespace, at=at,
            window=rules.window)
        passed, reason, measured = judge(canary, stable, rules, no_data=why, percent=percent)
        skewed = {"clock_skew_seconds": round(skew, 1)} if skew is not None else {}
        return passed, reason, {"at": at, "metric_source": source.name, **skewed, **measured}

    return check


def psi(expected, actual, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected`` (decile bins of expected).

    Missing values (NaN) are left out of both sides: one NaN would make every quantile edge NaN
    and the index meaninglessly ~0. NaN when a side has no values at all.
    """
    import numpy as np

    expected = np.asarray(expected, dtype=float)
    actual = np.asarray(actual, dtype=float)
    expected, actual = expected[np.isfinite(expected)], actual[np.isfinite(actual)]
    if not len(expected) or not len(actual):
        return float("nan")
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)))
    if len(edges) < 3:
        edges = np.array([-np.inf, np.median(expected), np.inf])
    edges[0], edges[-1] = -np.inf, np.inf
    e = np.histogram(expected, edges)[0] / len(expected)
    a = np.histogram(actual, edges)[0] / len(actual)
    e, a = np.clip(e, 1e-4, None), np.clip(a, 1e-4, None)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_categorical(expected, actual) -> float:
    """Population stability index of two samples of a discrete variable (e.g. the predicted
    class); NaN when a side is empty."""
    import numpy as np
    import pandas as pd

    e, a = pd.Series(expected).value_counts(normalize=True), pd.Series(actual).value_counts(normalize=True)
    if e.empty or a.empty:
        return float("nan")
    values = e.index.union(a.index)
    e = np.clip(e.reindex(values, fill_value=0).to_numpy(), 1e-4, None)
    a = np.clip(a.reindex(values, fill_value=0).to_numpy(), 1e-4, None)
    return float(np.sum((a - e) * np.log(a / e)))


def split_traffic(logs, *, canary_version: str = "", stable_version: str = "", canary_revision: str = "",
                  stable_revision: str = ""):
    """``(canary rows, stable rows, how)``: by ``model_version`` when the log carries it (the
    serving runtime's answer), else by revision (older logs)."""
    if not len(logs):
        return logs, logs, "revision"
    versions = logs["model_version"].fillna("").astype(str) if "model_version" in logs.columns else None
    revisions = logs["revision"].astype(str) if "revision" in logs.columns else None
    by_version = versions is not None and bool(canary_version) and (versions != "").any()
    if by_version:
        canary = logs[versions == str(canary_version)]
        stable = (logs[versions == str(stable_version)] if stable_version
                  else logs[revisions == stable_revision] if revisions is not None else logs.iloc[:0])
        return canary, stable, "model_version"
    if revisions is None:
        return logs.iloc[:0], logs.iloc[:0], "revision"
    return logs[revisions == canary_revision], logs[revisions == stable_revision], "revision"


def _no_score_column(logs, col: str, whose: str = "the inference log has") -> str:
    """Why the quality check read no score: the log (or one side's served rows, ``whose`` says; the
    other side has it) has no column ``col``; the logged columns that can be a binary model's score
    (:func:`ctloop.labels.realized.score_offers`) and each other one with why."""
    from ctloop.labels.realized import score_offers

    offered, refused = score_offers(logs)
    said = f"{whose} no score column {col!r} (rollout.quality_rules.score_column); "
    if not offered:
        return said + f"no logged column can be a score: {', '.join(refused) or 'none is logged'}: serve predict_proba"
    return (said + f"its score column{'s' if len(offered) > 1 else ''}: {', '.join(offered)}: set "
            f"rollout.quality_rules.score_column to {'one of them' if len(offered) > 1 else 'it'}"
            + (f"; not offered: {', '.join(refused)}" if refused else ""))


def quality_check(logs, labels, *, canary_revision: str, stable_revision: str, canary_version: str = "",
                  stable_version: str = "", rules: QualityRules | None = None,
                  classes: list | None = None, percent: int | None = None) -> tuple[bool, str, dict[str, Any]]:
    """Model quality of the canary vs the stable model over the same logged period.

    Too few rows with a prediction (``rules.min_rows``) is too little evidence (``measurements[EVIDENCE]``:
    the walk holds) only when the canary's rows are consistent with its share ``percent``
    (:func:`share_consistent`, the rule :func:`quiet_window` applies to requests); a canary with fewer rows than
    its share makes likely (a broken logger, a broken prediction column), a share not known (None) or 100 %
    (no stable to go by) is a failed check.

    Canary and stable rows are told apart by ``model_version`` (``canary_version`` is the version
    being rolled out, ``stable_version`` the champion) when the log has it, else by revision.
    Rows without a response (failed requests: no prediction) and rows whose score is missing (or
    not a finite number) are left out, with their counts in the reason. With enough labels on both sides: roll back when
    the canary's realized ROC AUC is more than ``max_auc_drop`` below the stable's. Without
    labels: compare the distributions of predicted scores (PSI); a shift above ``max_psi``
    fails. No canary traffic, or too little, fails the check (never a pass).

    ``labels``: a label frame, or the label store's index (:func:`ctloop.labels.join.index_store`,
    joined without the labels' text: the canary's check); ``None`` for no labels.

    ``classes`` (the model's classes, in order) match labels to classes by value; with more than
    two, every class probability ``prediction_0 …`` is scored (macro one-vs-rest AUC) and the
    label-free check compares the distributions of the *predicted class*.
    """
    import numpy as np
    import pandas as pd

    from ctloop import metrics as M
    from ctloop.inference_log.reader import served
    from ctloop.labels.join import LabelIndex, join_index, join_labels, reused_note
    from ctloop.labels.realized import (
        as_classes,
        metric_value,
        scorable,
        score_offers,
    )
    from ctloop.unseen import UnseenLabels, unseen_labels

    rules = rules or QualityRules()
    multiclass = bool(classes) and len(classes) > 2  # every class's probability; score_column is for binary
    cols = [f"prediction_{i}" for i in range(len(classes))] if multiclass else [rules.score_column]
    col = rules.score_column if not multiclass else "prediction_*"
    canary_all, stable_all, how = split_traffic(logs, canary_version=canary_version, stable_version=stable_version,
                                                canary_revision=canary_revision, stable_revision=stable_revision)
    canary_name = f"version {canary_version}" if how == "model_version" else f"revision {canary_revision}"
    stable_name = (f"version {stable_version}" if how == "model_version" and stable_version
                   else f"revision {stable_revision}")

    def clean(part):
        ok = served(part)
        scores = pd.DataFrame({c: pd.to_numeric(ok[c], errors="coerce") if c in ok.columns
                               else pd.Series(float("nan"), index=ok.index) for c in cols}, index=ok.index)
        # ±inf is no score either: kept, psi() dropped it and an all-inf canary had PSI NaN (a pass)
        present = pd.Series(np.isfinite(scores.to_numpy(dtype=float)).all(axis=1), index=scores.index)
        return ok[present].assign(**{c: scores.loc[present, c] for c in cols}), len(part) - len(ok), \
            int((~present).sum())

    def scores(side):
        return side[cols].to_numpy() if multiclass else side[cols[0]]

    canary, c_failed, c_nan = clean(canary_all)
    stable, s_failed, s_nan = clean(stable_all)
    measured: dict[str, Any] = {"canary_logged": int(len(canary_all)), "stable_logged": int(len(stable_all)),
                                "canary_rows": int(len(canary)), "stable_rows": int(len(stable)),
                                "canary_failed": c_failed, "stable_failed": s_failed,
                                "canary_nan_scores": c_nan, "stable_nan_scores": s_nan, "selected_by": how}
    excluded = [f"{name}: {failed} failed requests and {nan} missing {col!r} scores left out"
                for name, failed, nan in (("canary", c_failed, c_nan), ("stable", s_failed, s_nan)) if failed or nan]
    note = f" ({'; '.join(excluded)})" if excluded else ""
    if not len(canary_all):
        return False, (f"no logged canary traffic for {canary_name} "
                       f"({len(stable_all)} rows of the stable {stable_name}); is the InferenceService's logger "
                       f"on, and does the log carry the canary's {how}?"), measured
    for side, rows, name in (("canary", canary_all, canary_name), ("stable", stable_all, stable_name)):
        # per side: a canary moved to the v2 protocol logs prediction_<output>_<j>, its stable prediction_1
        # (a column logged for neither side, or answers logged in other prediction* columns: a side whose
        # scores are all missing is said below, 'missing scores left out')
        ok = served(rows)
        missing = [c for c in cols if c not in ok.columns or ok[c].isna().all()]
        answers = [c for c in ok.columns if str(c).startswith("prediction") and c not in cols and ok[c].notna().any()]
        if not len(ok) or not missing or not (answers or any(c not in logs.columns for c in missing)):
            continue
        logged = ok.drop(columns=[c for c in ok.columns if str(c).startswith("prediction") and ok[c].isna().all()])
        if multiclass:
            found = [str(c) for c in logged.columns if str(c).startswith("prediction")]
            return False, (f"the {side}'s logged rows ({name}) have no score column{'s' if len(missing) > 1 else ''} "
                           f"{', '.join(map(repr, missing))}: a model of {len(classes)} classes is scored on every "
                           f"class's probability, {cols[0]} .. {cols[-1]} in its class order; logged: "
                           f"{', '.join(found) or 'no prediction column'}"), measured
        whole = col not in logs.columns or served(logs)[col].isna().all()
        other = served(stable_all if side == "canary" else canary_all)  # its own rows: no third revision's
        in_other = {c for c in other.columns if other[c].notna().any()}
        offered = [c for c in score_offers(logged)[0] if c not in in_other] if col in in_other else []
        if offered:
            # the other side logs col, this one others the other does not: setting score_column to this
            # side's only moves the miss to the other side (was: said so, a fix that rolled every canary
            # back either way)
            logs_of = {side: " or ".join(offered), "canary" if side == "stable" else "stable": col}
            return False, (f"the canary ({canary_name}) and the stable ({stable_name}) log different score columns, "
                           f"the canary {logs_of['canary']}, the stable {logs_of['stable']}: one "
                           "rollout.quality_rules.score_column cannot score both; serve both models on one protocol "
                           "(v1 predict_proba, or the same v2 output)"), measured
        whose = "the inference log has" if whole else f"the {side}'s logged rows ({name}) have"
        return False, _no_score_column(logged, col, whose), measured
    if len(canary) < rules.min_rows or len(stable) < rules.min_rows:
        few = (f"too little logged traffic to judge quality: canary {len(canary)}, stable {len(stable)} "
               f"rows with a prediction (< {rules.min_rows}){note}")
        share = int(percent) if percent is not None else None
        if share is None or not 0 < share < 100:
            return False, few, measured  # no stable share to go by: a failed check
        if len(canary) < rules.min_rows and not share_consistent(len(canary), len(stable), share):
            # the canary's rows are too few for its share (binomial lower tail under alpha): its log is broken
            return False, f"{few}: {routing_failure(len(canary), len(stable), share, 'rows')}", measured
        # too little evidence, not evidence against the canary: walk_plan holds (measurements' EVIDENCE)
        return False, few, {**measured, EVIDENCE: INSUFFICIENT}
    if labels is not None and len(labels):
        both = pd.concat([canary.assign(_side="canary"), stable.assign(_side="stable")], ignore_index=True)
        joined = join_index(both, labels) if isinstance(labels, LabelIndex) else join_labels(both, labels)
        usable = scorable(joined.frame["label"], classes) if len(joined.frame) else []
        left_out = int(len(joined.frame) - sum(usable))
        # labels of a class the model never saw (only against the classes the model recorded: with none,
        # 'yes'/'no' are not unseen against [0, 1], they are left out): canary and stable are scored against the
        # same classes, so such a label costs both the same; the two are compared on the rows of known classes
        # (round 59's review: scored at their share, an unseen share differing between the sides moved the
        # comparison by its difference times (AUC - 0.5) and shrank a real difference by (1 - share)), each
        # side's unseen share said, min_labelled counted on known rows
        joined.frame = joined.frame[usable] if len(joined.frame) else joined.frame
        read = as_classes(joined.frame["label"], classes) if len(joined.frame) and classes else None
        known = (M.known_classes(read, list(classes)) if read is not None
                 else np.ones(len(joined.frame), dtype=bool))
        sides = joined.frame["_side"].to_numpy() if len(joined.frame) else np.array([], dtype=object)
        counts = joined.frame["_side"].value_counts()
        unseen = {k: unseen_labels(read[sides == k], list(classes)) if read is not None else UnseenLabels()
                  for k in ("canary", "stable")}
        measured.update({"canary_labelled": int(counts.get("canary", 0)), "stable_labelled": int(counts.get("stable", 0)),
                         "skipped_batched": joined.skipped_batched, "reused_ce_id_rows": joined.reused,
                         "labels_left_out": left_out})
        if classes:
            measured.update({"unseen_labels": unseen["canary"].rows + unseen["stable"].rows,
                             "canary_unseen_labels": unseen["canary"].rows,
                             "stable_unseen_labels": unseen["stable"].rows})
        if joined.reused:  # calls reusing a ce-id: their label joined neither (ctloop.labels.join)
            excluded.append(reused_note(joined.reused, joined.reused_keys))
            note = f" ({'; '.join(excluded)})"
        said = [f"{k}: " + unseen[k].said("the model", total=int(counts.get(k, 0)), whose="its",
                                            noun="labelled rows") for k in ("canary", "stable") if unseen[k].rows]
        if said:
            excluded.append("; ".join(said) + " (left out of the comparison: both are scored against the "
                                              "model's classes)")
            note = f" ({'; '.join(excluded)})"
        if left_out:
            excluded.append(f"{left_out} missing labels left out" if classes else
                            f"{left_out} labels that are not 0 or 1 left out (the model's classes are not known)")
            note = f" ({'; '.join(excluded)})"
        # the comparison on known rows is not moved by either side's unseen share: the labels decide whenever both
        # sides have min_labelled known rows (round 59's second review: a hold on the two sides' unseen shares let
        # one '???' among a skill-less canary's 300 labels pass it on PSI; a hold past 50 % unseen threw away
        # 1,800 known rows a side)
        n_known = {k: int(counts.get(k, 0)) - unseen[k].rows for k in ("canary", "stable")}
        if n_known["canary"] >= rules.min_labelled and n_known["stable"] >= rules.min_labelled:
            side = {k: joined.frame[(sides == k) & known] for k in ("canary", "stable")}
            c_auc = metric_value("roc_auc", side["canary"]["label"], scores(side["canary"]), classes or None)
            s_auc = metric_value("roc_auc", side["stable"]["label"], scores(side["stable"]), classes or None)
            measured.update({"canary_auc": c_auc, "stable_auc": s_auc})
            if not (c_auc == c_auc and s_auc == s_auc):
                return False, f"realized AUC undefined (canary {c_auc}, stable {s_auc}: one class only){note}", measured
            if s_auc - c_auc > rules.max_auc_drop:
                return False, (f"canary realized AUC {c_auc:.3f} is {s_auc - c_auc:.3f} below stable {s_auc:.3f}"
                               f"{note}"), measured
            return True, f"canary realized AUC {c_auc:.3f} vs stable {s_auc:.3f}{note}", measured
    if multiclass:
        value = psi_categorical(stable[cols].to_numpy().argmax(axis=1), canary[cols].to_numpy().argmax(axis=1))
        what = "predicted-class distribution"
    else:
        value, what = psi(stable[col], canary[col]), "prediction distribution"
    measured["score_psi"] = value
    if value != value:  # NaN: a side without a finite score (NaN > max_psi is false: a pass)
        return False, f"canary {what} undefined (PSI NaN: no finite scores on a side){note}", measured
    if value > rules.max_psi:
        return False, f"canary {what} shifted: PSI {_past(value, rules.max_psi, 3)} > {rules.max_psi:g}{note}", measured
    known = {k: measured.get(f"{k}_labelled", 0) - measured.get(f"{k}_unseen_labels", 0) for k in ("canary", "stable")}
    why = (f"too few labels of the model's classes: canary {known['canary']}, stable {known['stable']}, "
           f"min_labelled {rules.min_labelled}" if measured.get("canary_labelled") or measured.get("stable_labelled")
           else "no labels yet")
    return True, f"{what}s agree (PSI {value:.3f}, {why}){note}", measured


__all__ = ["Prometheus", "RevisionStats", "revision_stats", "EVIDENCE", "INSUFFICIENT", "quiet_window", "share_tail", "share_consistent",
           "no_data_reason", "judge", "client_error_rule", "excess_lower_bound", "failed_share_lower_bound",
           "effective_failed_requests",
           "make_check", "psi",
           "psi_categorical",
           "split_traffic", "quality_check"]
