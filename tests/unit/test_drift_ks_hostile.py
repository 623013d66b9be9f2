"""Two equal-sized samples (n of about 1000 or more) that differ in a handful of values made the
memory engine print scipy's ``RuntimeWarning: ks_2samp: Exact calculation unsuccessful. Switching
to method=asymp.`` on stderr: scipy 1.17 ``_attempt_exact_2kssamp`` (scipy/stats/_stats_py.py)
refuses its own result when ``_compute_prob_outside_square`` rounds to just above 1 (n=2000, d=1/n:
1.0000000000000009) and ``ks_2samp`` warns before falling back to the asymptotic p-value. The
memory engine now takes the statistic from ks_2samp and the p-value from
``stats.ks_pvalue_from_statistic`` (the streaming engine's: the same exact routine and the same
fallback, silent), so both engines agree and nothing is printed."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, stats


def _near_copies(n: int = 2000):
    ref = np.arange(n, dtype=float)
    return ref, ref + 1  # one value differs: d = 1/n


def test_the_ks_p_value_is_scipys_without_its_warning():
    from scipy.stats import ks_2samp

    ref, cur = _near_copies()
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        expected = ks_2samp(ref, cur).pvalue
    assert any("Exact calculation unsuccessful" in str(w.message) for w in said)  # the input that causes it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert stats.ks_pvalue(ref, cur) == expected


@pytest.mark.parametrize("seed", range(5))
def test_the_p_value_is_unchanged_where_scipy_does_not_warn(seed):
    from scipy.stats import ks_2samp

    rng = np.random.default_rng(seed)
    n1, n2 = rng.integers(5, 12_000, 2)
    ref, cur = rng.normal(size=n1), rng.normal(0.05, size=n2).round(1)
    assert stats.ks_pvalue(ref, cur) == ks_2samp(ref, cur).pvalue


def test_the_memory_engine_prints_nothing(capfd):
    ref, cur = _near_copies()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = engine.detect(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}), method="ks")
    assert result.columns[0].score == pytest.approx(1.0) and not result.columns[0].drifted
    assert capfd.readouterr().err == ""
