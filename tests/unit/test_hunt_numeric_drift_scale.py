"""Drift statistics at extreme magnitudes: a column in other units (values ~1e-300, subnormal ~1e-310,
or ~1e300 through the stats API) is the same distribution, so a scale-invariant statistic must give
the score it gives the data scaled to ~1.

Hellinger's numeric form (evidently 0.7.23, ``legacy/calculations/stattests/hellinger_distance.py``)
multiplies two density histograms, ``sqrt(p1 * p2) * bin_width``: the densities are counts / (n *
bin width), so at 1e-300 their product overflowed to inf (score 0: a 3-sigma shift was "no drift"),
at 1e300 it underflowed to 0 (score 1: no shift was "drift"), and on subnormal values the densities
themselves were inf (score NaN). The Wasserstein distance is divided by ``np.std(reference)``, whose
squares overflowed at 1e300 (std inf, score 0)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import stats


def _samples(n=2000, shift=3.0):
    rng = np.random.default_rng(7)
    return rng.normal(size=n), rng.normal(size=n), rng.normal(shift, 1, size=n)


@pytest.mark.parametrize("scale", [1e-300, 1e-310, 1e300, 1e-150, 1e150])
def test_hellinger_does_not_depend_on_the_units(scale):
    ref, same, shifted = _samples()
    for cur in (same, shifted):
        expected = stats.column_stat(ref, cur, kind="numeric", method="hellinger").score
        r, c = ref * scale, cur * scale
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow on the way either
            got = stats.column_stat(r, c, kind="numeric", method="hellinger").score
        assert got == pytest.approx(expected, abs=1e-9), (scale, got, expected)


def test_hellinger_from_counts_is_the_array_version_at_any_scale():
    """The streaming engine's form (edges and counts) overflowed the same way."""
    ref, _, shifted = _samples()
    for scale in (1.0, 1e-300, 1e300):
        r, c = ref * scale, shifted * scale
        edges = np.histogram_bin_edges(pd.unique(np.concatenate([r, c])), bins="sturges")
        got = stats.hellinger_from_counts(edges, np.histogram(r, edges)[0], np.histogram(c, edges)[0])
        assert got == pytest.approx(stats.hellinger_numeric(ref, shifted), abs=1e-9), scale


@pytest.mark.parametrize("scale", [1e300, 1e200])
def test_wasserstein_is_normed_by_the_true_std_of_huge_values(scale):
    ref, same, shifted = _samples()
    for cur in (same, shifted):
        expected = stats.column_stat(ref, cur, kind="numeric", method="wasserstein").score
        got = stats.column_stat(ref * scale, cur * scale, kind="numeric", method="wasserstein").score
        assert got == pytest.approx(expected, rel=1e-9), (scale, got, expected)


def test_the_cli_sees_a_shift_of_tiny_values_with_hellinger(tmp_path, capsys):
    """``ctloop drift --method hellinger`` on a column in units of 1e-300 (within the CLI's
    ±1e150 bound, so it is judged): the shift was reported as not drifted, score 0."""
    from ctloop.cli import main

    ref, _, shifted = _samples(n=500)
    pd.DataFrame({"x": ref * 1e-300}).to_parquet(tmp_path / "r.parquet")
    pd.DataFrame({"x": shifted * 1e-300}).to_parquet(tmp_path / "c.parquet")
    out = tmp_path / "out"
    code = main(["drift", "--reference", str(tmp_path / "r.parquet"), "--current", str(tmp_path / "c.parquet"),
                 "--method", "hellinger", "--engine", "memory", "--no-report", "--quiet", "--output", str(out)])
    assert code == 0, capsys.readouterr().err
    import json

    (col,) = json.loads((out / "drift.json").read_text())["columns"]
    assert col["drifted"] and col["score"] == pytest.approx(stats.hellinger_numeric(ref, shifted), abs=1e-9)
