"""ctloop's drift statistics agree with evidently 0.7's DataDriftPreset (the reference)."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine as core

pytestmark = pytest.mark.slow


def evidently_scores(ref, cur, **preset):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import Report
        from evidently.presets import DataDriftPreset

        snap = Report([DataDriftPreset(columns=list(ref.columns), **preset)]).run(current_data=cur, reference_data=ref)
    out = {}
    for m in snap.dict()["metrics"]:
        mid = m.get("metric_id") or m["metric_name"]
        if mid.startswith("ValueDrift(column="):
            col = mid[len("ValueDrift(column="):].split(",")[0]
            thr = float(mid.split("threshold=")[1].rstrip(")"))
            out[col] = (float(m["value"]), thr)
        elif mid.startswith("DriftedColumnsCount"):
            out["__share__"] = m["value"]["share"]
    return out


def make(n, shift, seed):
    rng = np.random.default_rng(seed)
    def side(k, s):
        return pd.DataFrame({
            "normal": rng.normal(s, 1, k),
            "skewed": rng.lognormal(0.3 * s, 1, k),
            "ties": rng.integers(0, 30, k).astype(float),
            "few": rng.integers(0, 4, k),
            "cat": rng.choice(["a", "b", "c", "d"], k, p=[0.4 - s / 10, 0.3, 0.2, 0.1 + s / 10]),
            "binary": rng.choice(["yes", "no"], k, p=[0.5 + s / 10, 0.5 - s / 10]),
            "with_nan": np.where(rng.uniform(size=k) < 0.1, np.nan, rng.normal(s / 2, 1, k)),
        })
    return side(n, 0.0), side(max(n // 2, 200), shift)


@pytest.mark.parametrize("n, shift", [(500, 0.0), (500, 0.8), (5000, 0.0), (5000, 0.5), (20000, 0.3)])
def test_same_decisions_and_scores_within_one_percent(n, shift):
    ref, cur = make(n, shift, seed=n)
    ours = core.detect(ref, cur)
    theirs = evidently_scores(ref, cur)
    for col in ours.columns:
        score, thr = theirs[col.column]
        assert col.threshold == thr, col.column
        if score == 0 or col.score == 0:
            assert abs(score - col.score) < 1e-12, col.column
        else:
            assert math.isclose(col.score, score, rel_tol=0.01), (col.column, col.method, col.score, score)
        theirs_drift = score < thr if col.kind == "p_value" or col.method in ("chisquare", "z") else score >= thr
        if col.method == "ks":
            theirs_drift = score <= thr
        assert col.drifted == theirs_drift, col.column
    assert ours.share == pytest.approx(theirs["__share__"])


def test_overrides_agree():
    ref, cur = make(3000, 0.3, seed=1)
    kw = dict(method="psi", threshold=0.05)
    ours = core.detect(ref, cur, **kw)
    theirs = evidently_scores(ref, cur, **kw)
    for col in ours.columns:
        assert math.isclose(col.score, theirs[col.column][0], rel_tol=0.01), col.column
