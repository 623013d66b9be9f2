"""Under a Bonferroni or BH correction a sparse categorical column's warning was decided by its
pooled test (:func:`stats.pooled_pvalue`) at the uncorrected level: 20 columns of 200 values in
300 rows a side, all of one distribution, had a column DRIFT with no warning in 19 of 30 runs
(its pooled p below 0.05 but far above 0.05/20). The pooled p-value is now kept on the column
and :func:`engine.finish` judges it after the correction, as the column's own p-value is."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, stats, streaming

VALUES = [f"t{i}" for i in range(200)]


def _sides(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame({f"c{j}": rng.choice(VALUES, 300) for j in range(20)})
    cur = pd.DataFrame({f"c{j}": rng.choice(VALUES, 300) for j in range(20)})
    return ref, cur


@pytest.mark.parametrize("correction", ["bonferroni", "fdr"])
def test_no_drift_under_a_correction_never_drifts_unwarned(correction):
    unwarned = []
    for seed in range(4):
        ref, cur = _sides(seed)
        streamed = streaming.compare(
            streaming.DriftState().update(ref),
            streaming.DriftState().update(cur),
            correction=correction,
        )
        for result in (engine.detect(ref, cur, correction=correction), streamed):
            unwarned += [(seed, c.column) for c in result.columns if c.drifted and not c.warning]
    assert unwarned == []


def test_seed_0_pooled_p_between_the_corrected_and_the_plain_level_keeps_the_warning():
    ref, cur = _sides(0)
    plain = engine.detect(ref, cur)
    corrected = engine.detect(ref, cur, correction="bonferroni")
    # c12: chi-square p = 0 (DRIFT) either way; pooled p 0.0265: below 0.05, above 0.05 / 20
    pooled = stats.pooled_pvalue(*engine.categorical_counts(ref["c12"], cur["c12"]))
    assert 0.05 / 20 <= pooled < 0.05
    by_name = {c.column: c for c in corrected.columns}
    assert by_name["c12"].drifted and by_name["c12"].warning
    assert {c.column: c for c in plain.columns}["c12"].warning == ""
    assert "pooled_p" not in corrected.to_dict()["columns"][0]


def test_a_pooled_test_that_drifts_at_the_corrected_level_clears_the_warning():
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({f"c{j}": rng.choice([f"v{i}" for i in range(80)], 300) for j in range(3)})
    cur = ref.copy()
    cur["c0"] = rng.choice([f"w{i}" for i in range(80)], 300)  # a renamed code set
    for correction in ("bonferroni", "fdr"):
        col = engine.detect(ref, cur, correction=correction).columns[0]
        assert col.drifted and col.warning == ""
