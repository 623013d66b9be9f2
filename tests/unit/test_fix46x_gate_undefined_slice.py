"""Round 46 fix X: a gate slice whose delta cannot be computed counted as passed. With
``gate.slice_column`` and primary metric r2, a slice whose target holds one value (a capped
amount, a flat tariff) has no r2 for either model: its delta and interval were NaN, the slice was
"passed", and being the first slice it stayed the worst (NaN compares as never smaller), so a
slice that was confidently worse was never reported and a regressing challenger was approved
(``worst slice region=capped: delta +nan (CI up to +nan) passed``).

Now one rule in ``components/evaluate/core.py``: a slice with fewer than ``MIN_SLICE_ROWS`` rows, or
one whose delta or interval is not a number (r2 on one target value, roc_auc on one class), is
skipped with its reason, never passed nor the worst; the reason says how many slices were skipped
and why, and when none was compared that the worst-slice check did not run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from ctloop.components.evaluate.core import MIN_SLICE_ROWS, gate, render_markdown

FEATURES = ["x", "capped", "south", "x_south"]


def _regression_holdout(
    rows_per_region: int = 120, capped_rows: int = 60, seed: int = 0
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    region = np.array(
        ["capped"] * capped_rows + ["north"] * rows_per_region + ["south"] * rows_per_region
    )
    x = rng.normal(size=len(region))
    # a capped region pays one amount whatever x is: r2 is undefined there (no variance to explain)
    y = np.where(region == "capped", 100.0, 3 * x + rng.normal(0, 0.5, len(region)))
    south = (region == "south").astype(float)
    return pd.DataFrame(
        {
            "x": x,
            "capped": (region == "capped").astype(float),
            "south": south,
            "x_south": x * south,
            "region": region,
            "y": y,
        }
    )


def _models(holdout: pd.DataFrame):
    champion = LinearRegression().fit(holdout[FEATURES], holdout["y"])
    # the challenger learnt the south's slope with the wrong sign: worse there, the same elsewhere
    wrong = holdout["y"].where(holdout["region"] != "south", -3 * holdout["x"])
    challenger = LinearRegression().fit(holdout[FEATURES], wrong)
    return challenger, champion


def test_a_slice_whose_r2_is_undefined_is_skipped_and_the_regressing_slice_decides():
    holdout = _regression_holdout()
    challenger, champion = _models(holdout)
    decision = gate(
        challenger,
        holdout,
        target="y",
        task="regression",
        champion=champion,
        thresholds={"r2": 0.5},
        primary_metric="r2",
        tolerance=0.02,
        slice_column="region",
        bootstrap_rounds=400,
    )
    # overall the south's error is small beside the capped region's spread: the overall check passes
    assert decision.comparison["passed"], decision.reason
    capped = next(s for s in decision.slices if s["slice"] == "region=capped")
    assert capped == {
        "slice": "region=capped",
        "rows": 60,
        "skipped": "r2 undefined: the target has one value there (100.0)",
    }, capped
    worst = next(c for c in decision.checks if c["check"] == "worst_slice")
    assert worst["slice"] == "region=south" and not worst["passed"], worst
    assert all(math.isfinite(worst[k]) for k in ("delta", "ci_low", "ci_high")), worst
    assert not decision.approved
    assert "worst slice region=south: delta " in decision.reason and "FAILED" in decision.reason
    assert (
        "1 of 3 slice(s) of 'region' skipped, not compared: r2 undefined: the target has one value "
        "there (100.0): region=capped"
    ) in decision.reason, decision.reason
    assert "nan" not in decision.reason, decision.reason
    summary = render_markdown(decision)
    assert (
        "| region=capped | 60 | — | — | — | skipped: r2 undefined: the target has one value there (100.0) |"
        in summary
    ), summary


def test_the_worst_slice_does_not_depend_on_where_the_undefined_slice_sorts():
    # the NaN slice hid every slice sorted after it; named after them it hid none: the order must not decide
    holdout = _regression_holdout()
    holdout["region"] = holdout["region"].replace({"capped": "zz_capped"})
    challenger, champion = _models(holdout)
    decision = gate(
        challenger,
        holdout,
        target="y",
        task="regression",
        champion=champion,
        thresholds={"r2": 0.5},
        primary_metric="r2",
        tolerance=0.02,
        slice_column="region",
        bootstrap_rounds=400,
    )
    worst = next(c for c in decision.checks if c["check"] == "worst_slice")
    assert worst["slice"] == "region=south" and not worst["passed"] and not decision.approved


def test_rmse_on_the_same_slice_is_defined_and_compared():
    holdout = _regression_holdout()
    challenger, champion = _models(holdout)
    decision = gate(
        challenger,
        holdout,
        target="y",
        task="regression",
        champion=champion,
        thresholds={"rmse": 10.0},
        primary_metric="rmse",
        tolerance=0.02,
        slice_column="region",
        bootstrap_rounds=200,
    )
    assert [s.get("skipped") for s in decision.slices] == [None, None, None]
    assert "skipped" not in decision.reason


def _classification_holdout(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 240
    x = rng.normal(size=n)
    y = (x + rng.normal(0, 0.7, n) > 0).astype(int)
    store = np.where(np.arange(n) < 200, "main", "outlet")
    y[store == "outlet"] = 1  # the outlet's rows all carry one label
    store[:12] = "kiosk"  # and a store of too few rows
    return pd.DataFrame({"x": x, "store": store, "y": y})


def test_a_one_class_roc_auc_slice_is_skipped_by_the_same_rule_and_counted():
    holdout = _classification_holdout()
    champion = LogisticRegression().fit(holdout[["x"]], holdout["y"])
    challenger = LogisticRegression(C=0.05).fit(holdout[["x"]], holdout["y"])
    decision = gate(
        challenger,
        holdout,
        target="y",
        task="classification",
        champion=champion,
        thresholds={"roc_auc": 0.6},
        slice_column="store",
        bootstrap_rounds=200,
    )
    skipped = {s["slice"]: s.get("skipped") for s in decision.slices}
    assert skipped == {
        "store=kiosk": f"fewer than {MIN_SLICE_ROWS} rows",
        "store=main": None,
        "store=outlet": "roc_auc undefined: a single class there (1)",
    }, skipped
    worst = next(c for c in decision.checks if c["check"] == "worst_slice")
    assert worst["slice"] == "store=main"
    assert (
        "2 of 3 slice(s) of 'store' skipped, not compared: fewer than 30 rows: store=kiosk; roc_auc "
        "undefined: a single class there (1): store=outlet"
    ) in decision.reason, decision.reason


@pytest.mark.parametrize("metric", ["accuracy", "log_loss", "f1"])
def test_metrics_defined_on_one_class_compare_that_slice(metric):
    # classification's only metric undefined on a slice is roc_auc (one class): the others compare it
    holdout = _classification_holdout()
    champion = LogisticRegression().fit(holdout[["x"]], holdout["y"])
    challenger = LogisticRegression(C=0.05).fit(holdout[["x"]], holdout["y"])
    decision = gate(
        challenger,
        holdout,
        target="y",
        task="classification",
        champion=champion,
        thresholds={metric: 0.9 if metric == "log_loss" else 0.1},
        primary_metric=metric,
        slice_column="store",
        bootstrap_rounds=200,
    )
    outlet = next(s for s in decision.slices if s["slice"] == "store=outlet")
    assert "skipped" not in outlet and math.isfinite(outlet["delta"]), outlet


def test_when_no_slice_can_be_compared_the_reason_says_the_check_did_not_run():
    holdout = _classification_holdout()
    # each slice holds one class: roc_auc is undefined on both
    holdout["side"] = np.where(holdout["y"] == 1, "pos", "neg")
    champion = LogisticRegression().fit(holdout[["x"]], holdout["y"])
    decision = gate(
        champion,
        holdout,
        target="y",
        task="classification",
        champion=champion,
        thresholds={"roc_auc": 0.6},
        slice_column="side",
        bootstrap_rounds=200,
    )
    assert not any(c["check"] == "worst_slice" for c in decision.checks)
    # the overall comparison decides, as before; the reason no longer keeps quiet about the slices
    assert decision.approved
    assert (
        "2 of 2 slice(s) of 'side' skipped, not compared: roc_auc undefined: a single class there (0): "
        "side=neg; roc_auc undefined: a single class there (1): side=pos; no slice compared: the worst-slice "
        "check did not run"
    ) in decision.reason, decision.reason


def test_many_skipped_slices_are_summed_up_not_listed():
    # a slice of one value each is a reason each: the line names three, and counts the rest
    holdout = _regression_holdout(capped_rows=0)
    flat = pd.DataFrame(
        {
            "x": 0.0,
            "capped": 1.0,
            "south": 0.0,
            "x_south": 0.0,
            "region": [f"flat{i}" for i in range(5)],
        }
    ).loc[np.repeat(np.arange(5), MIN_SLICE_ROWS)]
    flat["y"] = 100.0 + flat["region"].str[-1].astype(float)
    holdout = pd.concat([holdout, flat], ignore_index=True)
    challenger, champion = _models(holdout)
    decision = gate(
        challenger,
        holdout,
        target="y",
        task="regression",
        champion=champion,
        thresholds={"r2": 0.5},
        primary_metric="r2",
        slice_column="region",
        bootstrap_rounds=200,
    )
    assert (
        "5 of 7 slice(s) of 'region' skipped, not compared: r2 undefined: the target has one value "
        "there (100.0): region=flat0; r2 undefined: the target has one value there (101.0): region=flat1; "
        "r2 undefined: the target has one value there (102.0): region=flat2; 2 more for other reasons "
        "(the summary's slice table)"
    ) in decision.reason, decision.reason
    assert sum("skipped" in s for s in decision.slices) == 5
