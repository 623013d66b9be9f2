"""The 5xx rule's large-batch bound (:func:`ctloop.serving.analysis.failed_share_lower_bound`)
against the exact one-sided Poisson lower bound of a count.

Round 57's review: the bound's docstring says its Wilson-Hilferty form is below the exact bound
(the safe side of a pass) and within 0.03 of it from 2 failures on, and docs/serving.md that one
failed request never fails a canary alone at the default 1 %; no test held either. The exact 99 %
lower bound of a Poisson mean from ``k`` events is ``chi2.ppf(0.01, 2k) / 2`` (Garwood 1936;
``scipy.stats.chi2``, scipy 1.17.1), here as a share of the ``k`` failed requests' instances.
"""

from __future__ import annotations

import pytest
from scipy.stats import chi2

from ctloop.config import CanaryRules
from ctloop.serving.analysis import FAILED_SHARE_CONFIDENCE, failed_share_lower_bound


def exact(k: float) -> float:
    """The exact lower ``FAILED_SHARE_CONFIDENCE`` bound of a Poisson count ``k``, over ``k``."""
    return chi2.ppf(1 - FAILED_SHARE_CONFIDENCE, 2 * k) / 2 / k


@pytest.mark.parametrize("k", range(1, 51))
def test_the_bound_is_never_above_the_exact_poisson_bound(k):
    share = 0.8  # 80 % of the instances in k failed requests
    bound = failed_share_lower_bound(k, share)
    assert 0 <= bound <= exact(k) * share
    if k >= 2:  # the docstring's "within 0.03 of the exact bound from 2 failures on"
        assert exact(k) * share - bound < 0.03 * share


def test_fractional_counts_increase_extrapolates_are_below_the_exact_bound_too():
    for k in (1.2, 2.5, 4.96, 10.4, 33.3):
        assert failed_share_lower_bound(k, 1.0) <= exact(k)


def test_one_failed_request_never_fails_a_canary_alone_at_the_default_threshold():
    """Even holding every instance of the window: its bound is 0.15 % of its share."""
    assert failed_share_lower_bound(1, 1.0) == pytest.approx(0.0015, abs=5e-5)
    assert failed_share_lower_bound(1, 1.0) < CanaryRules().max_error_rate
