"""Issue 14 items 1 and 4: one rule for labels of a class the champion never saw, in the backtest and in
production (monitoring's realized metric, the canary check, the evaluation gate).

Until round 59 the backtest scored them as errors with the unseen class as one more class of a macro
average (a fixed 1/(k+1) share at ROC AUC 0.5: one junk label in 2,000 took a binary ROC AUC from 0.95 to
0.80), while production left them out. Now both score them as errors **at their share of the labelled
rows** (:func:`ctloop.metrics.at_share`: ``(1 - s) * metric_over_known + s * the metric's value for an
error``; ROC AUC 0.5, accuracy/precision/recall/F1 0, log loss that of probability ``PROBA_EPS``), and
only against the classes the champion recorded: a champion with no recorded classes and a regressor
leave such labels out, as before, and say so."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from ctloop import metrics as M
from ctloop.components.evaluate import core as eval_core
from ctloop.components.monitor.core import WindowJudgement, _realized
from ctloop.config import GateConfig, MonitoringConfig
from ctloop.labels.join import JoinResult
from ctloop.labels.realized import metric_value
from ctloop.monitoring import rules as R
from ctloop.monitoring import triggers
from ctloop.monitoring.champion import Champion
from ctloop.monitoring.rules import Verdict
from ctloop.serving.analysis import quality_check


def _binary(n: int, seed: int):
    """Labels 0/1 and a positive-class probability of ROC AUC ~0.95."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = 1 / (1 + np.exp(-(3.3 * (y - 0.5) + rng.normal(size=n))))
    return y, p


def _with_junk(y: np.ndarray, at: int = 7) -> np.ndarray:
    out = y.astype(object)
    out[at] = "junk"
    return out


def test_one_junk_label_in_2000_costs_a_binary_roc_auc_its_share_not_a_third():
    y, p = _binary(2000, 59)
    proba = np.column_stack([1 - p, p])
    junk = _with_junk(y)
    known = np.arange(2000) != 7
    clean = M.fast_auc(y[known] == 1, p[known])
    assert clean > 0.94
    got = M.compute("classification", junk, proba, [0, 1])
    # its share: (1 - 1/2000) * the AUC over the known rows + 1/2000 * 0.5 (was the macro mean over
    # {0, 1, 'junk'}: about (0.95 + 0.95 + 0.5) / 3 = 0.80)
    assert got["roc_auc"] == pytest.approx(clean * 1999 / 2000 + 0.5 / 2000, abs=1e-12)
    assert clean - got["roc_auc"] < 0.001
    # accuracy: counting it wrong is exactly its share
    hits = (np.argmax(proba, 1) == y)[known]
    assert got["accuracy"] == pytest.approx(hits.sum() / 2000, abs=1e-12)
    # log loss: the row's clipped probability, as before (a mean over rows)
    ll = -np.log(np.clip(proba[known, y[known]], M.PROBA_EPS, 1 - M.PROBA_EPS))
    assert got["log_loss"] == pytest.approx((ll.sum() - math.log(M.PROBA_EPS)) / 2000, rel=1e-12)
    # production's realized metric: the same number (was the AUC of the 1,999 known rows: left out)
    assert metric_value("roc_auc", junk, p, [0, 1]) == got["roc_auc"]


def test_one_junk_label_fires_no_realized_rule_against_a_gate_of_the_same_model():
    y_gate, p_gate = _binary(2000, 1)
    gate = {"roc_auc": M.fast_auc(y_gate == 1, p_gate),
            **triggers.gate_reference(y_gate, np.column_stack([1 - p_gate, p_gate]), [0, 1])}
    y, p = _binary(2000, 2)
    record = triggers.realized_record("classification", "roc_auc", _with_junk(y),
                                      np.column_stack([1 - p, p]), [0, 1])
    assert gate["roc_auc"] - record["realized"] < 0.01
    rules = MonitoringConfig.from_dict({"log_root": "x"}).rules.active()
    window = {"window_end": "2026-01-05T00:00:00+00:00", "rows": 2000, "drift_share": None,
              "realized_rows": 2000}
    verdict = R.decide([], {**record, **window}, rules, champion_metric=gate["roc_auc"], metric="roc_auc",
                       min_labels=100, champion_gate=gate)
    assert not verdict.fire, verdict


CLASSES = [0, 1, 2]
CENTRES = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])  # class 3: the late one


def _late_class_window():
    """A three-class champion, its gate and one window of 120 labelled rows, its last 30 of a class 3 that
    appeared late (none in training or at the gate)."""
    rng = np.random.default_rng(58)

    def draw(y):
        return CENTRES[y] + rng.normal(scale=0.9, size=(len(y), 2))

    y_train = rng.integers(0, 3, 600)
    model = LogisticRegression().fit(draw(y_train), y_train)
    y_gate = rng.integers(0, 3, 300)
    p_gate = model.predict_proba(draw(y_gate))
    gate = {"roc_auc": M.compute("classification", y_gate, p_gate, CLASSES)["roc_auc"],
            **triggers.gate_reference(y_gate, p_gate, CLASSES)}
    y = np.concatenate([rng.integers(0, 3, 90), np.full(30, 3)])
    return gate, y, model.predict_proba(draw(y))


def _monitored(y, proba, classes, task="classification", score=None) -> WindowJudgement:
    """monitor_model's realized record of one window whose served scores are ``proba`` (logged as
    ``prediction_<i>``, or ``prediction_1`` for a binary model, ``prediction`` for a regressor)."""
    if task == "regression":
        logged = {"prediction": proba}
        score = "prediction"
    elif proba.shape[1] == 2:
        logged = {"prediction_1": proba[:, 1]}
        score = "prediction_1"
    else:
        logged = {f"prediction_{k}": proba[:, k] for k in range(proba.shape[1])}
        score = [f"prediction_{k}" for k in range(proba.shape[1])]
    frame = pd.DataFrame({"model": "m", "revision": "r1", "model_version": "1", "label": y, **logged})
    out = WindowJudgement(pd.Timestamp("2026-01-05", tz="UTC"), "rmse" if task == "regression" else "roc_auc",
                          {"realized": None, "realized_rows": 0}, Verdict(False, "none", ""))
    champion = Champion("1", task, ["x1", "x2"], classes, None)
    _realized(out, JoinResult(frame), champion, score, None, list(frame.columns))
    return out


def test_backtest_and_monitoring_give_the_same_realized_number_and_verdict_on_a_window_with_a_late_class():
    gate, y, proba = _late_class_window()
    # the backtest's realized record of the window (backtest.py, the default policy)
    backtest = {"realized_rows": len(y), **triggers.realized_record("classification", "roc_auc", y, proba, CLASSES)}
    out = _monitored(y, proba, CLASSES)
    assert out.record["realized_rows"] == backtest["realized_rows"] == 120  # was 90 in monitoring
    assert out.record["realized"] == backtest["realized"]
    for key, value in backtest.items():
        if value is not None:
            assert out.record.get(key) == value, key
    # the late class enters at its share (30 of 120), not at a fourth as one more class of the macro mean
    known = y < 3
    over_known = M.compute("classification", y[known], proba[known], CLASSES)["roc_auc"]
    assert backtest["realized"] == pytest.approx(0.75 * over_known + 0.25 * 0.5, abs=1e-12)
    said = "30 of the window's 120 labelled rows are labelled '3', a class v1 never saw: scored as errors"
    assert said in out.warnings, out.warnings
    assert out.record["unseen_labels"] == out.series["unseen_labels"] == 30
    rules = MonitoringConfig.from_dict({"log_root": "x"}).rules.active()
    window = {"window_end": "2026-01-05T00:00:00+00:00", "rows": len(y), "drift_share": None}

    def verdict(record):
        return R.decide([], {**record, **window}, rules, champion_metric=gate["roc_auc"], metric="roc_auc",
                        min_labels=1, champion_gate=gate)

    expected = verdict(backtest)
    assert expected.fire, expected  # a quarter of the rows wrong is a confident loss
    got = verdict(out.record)
    assert (got.fire, got.rule, got.reason) == (expected.fire, expected.rule, expected.reason)


def test_the_backtest_computes_its_realized_record_with_that_function(monkeypatch):
    from ctloop.backtest import BacktestConfig, run_backtest

    calls = []
    real = triggers.realized_record

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(triggers, "realized_record", spy)
    rng = np.random.default_rng(3)
    n = 2400
    ts = pd.date_range("2026-01-01", periods=n, freq="10min")
    y = rng.integers(0, 2, n)
    y[1800::7] = 2  # a class that appears late
    frame = pd.DataFrame({"ts": ts, "x1": CENTRES[y, 0] + rng.normal(scale=0.9, size=n),
                          "x2": CENTRES[y, 1] + rng.normal(scale=0.9, size=n), "target": y})
    report = run_backtest(frame, BacktestConfig(target="target", time_column="ts", window="1D",
                                                policy="default"))
    assert calls, "the backtest's default policy computes no realized record through triggers.realized_record"
    assert any(w.unseen_classes for w in report.windows)
    realized = [r["realized"] for r in report.records if r.get("realized") is not None]
    assert realized and all(0 <= v <= 1 for v in realized)


def test_a_champion_with_no_recorded_classes_leaves_text_labels_out_as_before():
    y, p = _binary(400, 5)
    labels = y.astype(object)
    labels[:40] = "yes"  # no recorded classes: 'yes' is no error against [0, 1], it is left out, and said
    out = _monitored(labels, np.column_stack([1 - p, p]), [])
    assert out.record["realized_rows"] == 360
    assert out.record["realized"] == pytest.approx(M.fast_auc(y[40:] == 1, p[40:]), abs=1e-12)
    assert out.record.get("unseen_labels") is None
    assert any("40 labels left out of the realized metric" in w for w in out.warnings), out.warnings


def test_a_regressor_leaves_labels_that_are_no_numbers_out_as_before():
    rng = np.random.default_rng(6)
    y = rng.normal(10, 2, 300)
    pred = y + rng.normal(0, 1, 300)
    labels = y.astype(object)
    labels[:5] = "n/a"
    out = _monitored(labels, pred, None, task="regression")
    assert out.record["realized_rows"] == 295
    assert out.record["realized"] == pytest.approx(float(np.sqrt(np.mean((pred[5:] - y[5:]) ** 2))), rel=1e-12)
    assert any("5 labels left out of the realized metric" in w for w in out.warnings), out.warnings


def test_the_gate_scores_a_holdout_label_the_challenger_never_saw_at_its_share():
    rng = np.random.default_rng(7)
    n = 2000
    y = rng.integers(0, 2, n)
    x = pd.DataFrame({"x": 1.6 * (y - 0.5) + rng.normal(size=n)})
    model = LogisticRegression().fit(x, y)
    holdout = x.assign(target=y.astype(object))
    holdout.loc[7, "target"] = "junk"
    decision = eval_core.run(model, holdout, GateConfig(thresholds={"roc_auc": 0.5}), target="target",
                             task="classification")
    p = model.predict_proba(x)[:, 1]
    known = np.arange(n) != 7
    clean = M.fast_auc(y[known] == 1, p[known])
    assert decision.challenger_metrics["roc_auc"] == pytest.approx(clean * (n - 1) / n + 0.5 / n, abs=1e-9)
    assert "junk" in decision.reason


def _traffic(n, revision, seed, junk=0):
    y, p = _binary(n, seed)
    ids = [f"{revision}-{i}" for i in range(n)]
    logs = pd.DataFrame({"request_id": ids, "revision": revision, "model": "m", "prediction_1": p,
                         "time": "2026-01-01T00:00:00+00:00"})
    labels = y.astype(object)
    labels[:junk] = "junk"
    return logs, pd.DataFrame({"request_id": ids, "label": labels, "label_time": "1"}), y, p


def test_the_canary_check_compares_the_known_rows_and_says_a_label_the_model_never_saw():
    """Round 59 scored it at its share of the labelled rows; canary and stable are scored against the same
    classes, so the review's H1 compares them on rows of known classes (tests/serving/test_r59_canary_known_rows.py)."""
    sl, sy, _, _ = _traffic(2000, "stable", 11)
    cl, cy, y, p = _traffic(2000, "canary", 12, junk=1)
    ok, reason, measured = quality_check(pd.concat([sl, cl]), pd.concat([sy, cy]), canary_revision="canary",
                                         stable_revision="stable", classes=[0, 1])
    assert measured["canary_auc"] == pytest.approx(M.fast_auc(y[1:] == 1, p[1:]), abs=1e-12)
    assert measured["unseen_labels"] == 1 and measured["canary_labelled"] == 2000
    assert ok, reason
    assert "canary: 1 of its 2000 labelled rows is labelled 'junk', a class the model never saw" in reason


def test_a_reference_that_held_unseen_labels_is_judged_at_its_own_share():
    """A gate's holdout (or a re-based window, policy.per_class carries the share) that held labels the model
    never saw: its level is blended at its share too, so a window like it is no loss."""
    stats = {f"roc_auc_c{k}": a for k, a in enumerate((0.9, 0.8, 0.7))}
    stats.update({f"roc_auc_c{k}_null": 0.001 for k in range(3)})
    stats.update({f"roc_auc_c{k}_var": 0.0004 for k in range(3)})
    window = {**stats, "roc_auc_unseen_share": 0.1}
    realized, se, ref, ref_se = R.class_comparison(window, window)
    assert realized == ref == pytest.approx(0.9 * 0.8 + 0.1 * 0.5)
    assert se == ref_se == pytest.approx(0.9 * 0.02)
    assert R.class_comparison(window, stats)[2] == pytest.approx(0.8)  # a gate without: its level as it was
    from ctloop.monitoring import policy

    assert policy.per_class("roc_auc_unseen_share")


@pytest.mark.parametrize("typos", [40, 100])
def test_yes_typos_beside_yes_fire_no_realized_rule(typos):
    """Round 59's review H2 (/tmp/rev59_e.py): 40 of a 2,000-label window's 'yes' written 'Yes' were scored as
    a class the model never saw (realized 0.9800 vs 0.9902 at the gate: realized_z fired); training refuses the
    two as one class's spellings, so 'Yes' is 'yes' whether or not the window also writes 'yes'."""
    names = np.array(["no", "yes"], dtype=object)
    yg, pg = _binary(2000, 1)
    gate = {"roc_auc": M.fast_auc(yg == 1, pg),
            **triggers.gate_reference(names[yg], np.column_stack([1 - pg, pg]), ["no", "yes"])}
    y, p = _binary(2000, 2)
    labels = names[y].copy()
    labels[np.flatnonzero(y == 1)[:typos]] = "Yes"
    out = _monitored(labels, np.column_stack([1 - p, p]), ["no", "yes"])
    assert out.record["realized"] == pytest.approx(M.fast_auc(y == 1, p), abs=1e-12)
    rules = MonitoringConfig.from_dict({"log_root": "x"}).rules.active()
    window = {"window_end": "2026-01-05T00:00:00+00:00", "rows": 2000, "drift_share": None}
    verdict = R.decide([], {**out.record, **window}, rules, champion_metric=gate["roc_auc"], metric="roc_auc",
                       min_labels=100, champion_gate=gate)
    assert not verdict.fire, verdict


def test_the_gates_comparison_leaves_out_labels_neither_model_knows():
    """Round 59's review M3 (/tmp/rev59_d.py): one junk label in 2,000 made the comparison a 3-class macro
    mean over (0, 1, junk), 'challenger 0.7516, champion 0.7516' while challenger_metrics said 0.8773, and
    moved paired_bootstrap's delta; a label neither model knows is now out of the comparison, and said."""
    rng = np.random.default_rng(7)
    n = 2000
    y = rng.integers(0, 2, n)
    x = pd.DataFrame({"x": 1.6 * (y - 0.5) + rng.normal(size=n), "z": rng.normal(size=n)})
    challenger = LogisticRegression().fit(x, y)
    champion = LogisticRegression().fit(x[["x"]].assign(z=rng.normal(size=n)), y)
    holdout = x.assign(target=y.astype(object))
    holdout.loc[7, "target"] = "junk"
    cfg = GateConfig(thresholds={"roc_auc": 0.5}, bootstrap_rounds=200)
    decision = eval_core.run(challenger, holdout, cfg, target="target", task="classification", champion=champion)
    known = np.arange(n) != 7
    clean = eval_core.run(challenger, holdout[known].assign(target=y[known]), cfg, target="target",
                          task="classification", champion=champion)
    assert decision.comparison["delta"] == pytest.approx(clean.comparison["delta"], abs=1e-12)
    assert "junk)" not in decision.reason and "(0, 1, junk" not in decision.reason, decision.reason
    assert "1 holdout row labelled 'junk', a class neither model saw, left out of the comparison" in decision.reason


def test_the_known_rows_and_unseen_share_are_counted_in_one_place(monkeypatch):
    """Round 59's review L6: the count was written four times and metrics.unseen_share never called."""
    calls = []
    real = M.unseen_share
    monkeypatch.setattr(M, "unseen_share", lambda *a: calls.append(1) or real(*a))
    y = np.array([0, 1, 2, 0, 1, 2, "junk"], dtype=object)
    p = np.full((7, 3), 1 / 3)
    M.classification(y, p, [0, 1, 2])
    triggers.auc_with_se(y, p, [0, 1, 2])
    triggers.class_aucs(y, p, [0, 1, 2])
    triggers.chance_se(y, [0, 1, 2])
    assert len(calls) == 4
    assert M.unseen_share(np.array([0, 1, 2, 1]), 2)[1] == 0.25 and M.unseen_share(np.array([]), 2)[1] == 0.0


def test_missing_labels_are_said_missing():
    """Round 59's review L9: NaN labels were said "N labels left out of the realized metric: missing"."""
    y, p = _binary(300, 3)
    labels = y.astype(object)
    labels[:4] = np.nan
    out = _monitored(labels, np.column_stack([1 - p, p]), [0, 1])
    assert "4 labels are missing" in out.warnings, out.warnings
