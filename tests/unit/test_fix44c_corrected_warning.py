"""A column a Bonferroni/BH correction cleared kept its many-categories warning (computed per
column before :func:`engine.finish` corrects): ``detect_drift`` said "no drift: 0 of 3 columns
drifted" and, in the same reason, "1 drifted column(s) with too many distinct values". Now the
correction clears the warning of every column it clears, in both engines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming


def _sides() -> tuple[pd.DataFrame, pd.DataFrame]:
    values = [f"v{i}" for i in range(60)]
    rng = np.random.default_rng(11)
    ref = pd.DataFrame(
        {"c": rng.choice(values, 900), "x": rng.normal(size=900), "y": rng.normal(size=900)}
    )
    shares = np.r_[np.full(30, 1.3), np.full(30, 0.7)] / 60
    cur = pd.DataFrame(
        {
            "c": rng.choice(values, 200, p=shares),
            "x": rng.normal(size=200),
            "y": rng.normal(size=200),
        }
    )
    return ref, cur


@pytest.mark.parametrize("correction", ["bonferroni", "fdr"])
def test_a_column_the_correction_clears_carries_no_warning(correction):
    ref, cur = _sides()
    plain = engine.detect(ref, cur)
    assert plain.columns[0].drifted and plain.warnings  # uncorrected: drifted, warned of
    streamed = streaming.compare(
        streaming.DriftState().update(ref),
        streaming.DriftState().update(cur),
        correction=correction,
    )
    for result in (engine.detect(ref, cur, correction=correction), streamed):
        assert not result.columns[0].drifted
        assert result.columns[0].warning == "" and result.warnings == []
        assert "warnings" not in result.to_dict()


def test_detect_drift_does_not_speak_of_a_drifted_column_when_none_drifted():
    from ctloop.components.drift.core import judge
    from ctloop.config import DriftConfig

    ref, cur = _sides()
    decision = judge(ref, cur, DriftConfig(correction="bonferroni"), target="t", time_column="ts")
    assert not decision.drifted
    assert "too many distinct values" not in decision.reason
    assert not decision.metadata.get("warnings")
