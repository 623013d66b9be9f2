"""A multiclass champion's realized ROC AUC is compared with its gate over the same classes, each
class weighted by the information it carries (``rules.class_comparison``,
``triggers.class_aucs``). Was: the macro one-vs-rest mean over the classes each side happened to
contain, so a stable stream with a rare class (one or two rows a window, ranked at random) swung
the window's AUC by a quarter of a random number, Hanley & McNeil's variance at an extreme
estimate called it confident, and the default policy retrained six times in 60 windows
(``rare_class_probe``: 300 rows a day, classes 0/1/2 learnable, 0.5 % noise rows of class 3).
A binary model records no per-class statistics and is judged exactly as before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.config import GateConfig, TrainingConfig
from ctloop.metrics import classification
from ctloop.monitoring import policy, rules, triggers

RULES = {"realized_z": 2.326, "cusum_h": 5.0}
CLASSES = [0, 1, 2, 3]


def scored(n: int, rare: int, seed: int, *, rare_rank: str = "random", signal: float = 2.0):
    """``n`` rows of a model that separates classes 0/1/2 (logit ``signal`` on the true class) and
    knows nothing of class 3 (``rare`` rows): its probability is noise, the rare rows' placed
    ``rare_rank`` (``"last"``: below every other row)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    y[:rare] = 3
    logits = rng.normal(size=(n, 4))
    logits[np.arange(n), np.minimum(y, 2)] += signal * (y < 3)
    logits[:, 3] -= 3.0
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    if rare_rank == "last":
        proba[:rare, 3] = proba[:, 3].min() / 2
    return y, proba


def window_record(y, proba, day: int = 1) -> dict:
    return {"window_end": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=day), "champion_version": "1",
            "rows": len(y), "drift_share": 0.0, "realized": classification(y, proba, CLASSES)["roc_auc"],
            "realized_rows": len(y), **{k: v for k, v in triggers.realized_inputs(y, proba, CLASSES).items()
                                        if v is not None}}


def gate_of(y, proba) -> dict:
    return {"roc_auc": classification(y, proba, CLASSES)["roc_auc"], **triggers.gate_reference(y, proba, CLASSES)}


def test_one_rare_row_ranked_last_in_a_stable_window_is_no_confident_loss():
    """The window's macro AUC falls by a quarter (class 3's AUC ~0 on one row, ~0.5 at the gate)
    and Hanley & McNeil's se at 0 is tiny: on main realized_z fired."""
    gate = gate_of(*scored(900, 4, seed=1))
    current = window_record(*scored(300, 1, seed=2, rare_rank="last"))
    assert gate["roc_auc"] - current["realized"] > 0.1  # what the macro comparison saw
    verdict = rules.decide([], current, RULES, champion_gate=gate)
    assert verdict.rule == "none", verdict.reason
    assert abs(current["realized_cmp"] - np.mean([current[f"roc_auc_c{k}"] for k in range(3)])) < 0.01


def test_a_real_loss_on_the_learnable_classes_still_fires():
    gate = gate_of(*scored(900, 4, seed=1))
    current = window_record(*scored(300, 1, seed=2, signal=0.8))
    verdict = rules.decide([], current, RULES, champion_gate=gate)
    assert verdict.rule == "realized_z", verdict.reason


def test_the_weights_come_from_the_counts_and_equal_counts_give_the_macro_mean():
    stats = {f"roc_auc_c{k}": a for k, a in enumerate((0.9, 0.8, 0.7))}
    null = {f"roc_auc_c{k}_null": 0.001 for k in range(3)}
    var = {f"roc_auc_c{k}_var": 0.0004 for k in range(3)}
    realized, se, ref, ref_se = rules.class_comparison({**stats, **null, **var}, {**stats, **null, **var})
    assert realized == pytest.approx(0.8) and ref == pytest.approx(0.8)
    assert se == pytest.approx(0.02) and ref_se == pytest.approx(0.02)  # the classes' rows shared: fully correlated
    rare = {"roc_auc_c3": 0.0, "roc_auc_c3_var": 1e-6, "roc_auc_c3_null": 0.3}  # one row of 300
    realized, *_ = rules.class_comparison({**stats, **null, **var, **rare}, {**stats, **null, **var, **rare})
    assert 0.79 < realized < 0.8
    # a class only the gate saw is left out; one only the window has is judged against the gate's level
    assert rules.class_comparison({**stats, **null, **var}, {**stats, **null, **var, **rare})[0] == pytest.approx(0.8)
    realized, _, ref, _ = rules.class_comparison({**stats, **null, **var, **rare}, {**stats, **null, **var})
    assert ref == pytest.approx(0.8) and realized == pytest.approx(0.8 * 1500 / (1500 + 1 / 0.3))


def test_a_class_the_model_never_saw_is_a_loss_against_the_gates_level():
    """rbf_late_class: a fifth class appears the champion cannot score (AUC 0.5 on it); left out
    of the comparison, its loss was found a window later."""
    y, proba = scored(900, 0, seed=1)
    gate = gate_of(y, proba)
    y, proba = scored(300, 0, seed=2)
    y[:45] = 7  # a label the model never saw
    current = window_record(y, proba)
    # round 59: its rows are errors at their share (was an average class's share, AUC 0.5, however few)
    assert current["roc_auc_unseen_share"] == pytest.approx(45 / 300) and "roc_auc_c4" not in current
    assert "roc_auc_c4" not in gate
    y[5:45] = np.random.default_rng(3).integers(0, 3, 40)  # 5 rows of it: their share, 5/300
    few = window_record(y, proba)
    level = rules.class_comparison({k: v for k, v in few.items() if k != "roc_auc_unseen_share"}, gate)[0]
    assert rules.class_comparison(few, gate)[0] == pytest.approx(level * 295 / 300 + 0.5 * 5 / 300, abs=1e-12)
    assert rules.decide([], current, RULES, champion_gate=gate).rule == "realized_z"


def test_a_binary_model_records_no_per_class_statistics_and_is_judged_as_before():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    proba1 = np.clip(0.5 + 0.3 * (y - 0.5) + rng.normal(0, 0.2, 400), 0.01, 0.99)
    proba = np.column_stack([1 - proba1, proba1])
    assert not any(k.startswith("roc_auc_c") for k in triggers.gate_reference(y, proba, [0, 1]))
    assert not any(k.startswith("roc_auc_c") for k in triggers.realized_inputs(y, proba, [0, 1]))
    assert rules.class_comparison({"realized": 0.8, "realized_se": 0.02}, {"roc_auc": 0.9, "roc_auc_se": 0.01}) is None


def test_a_gate_without_per_class_statistics_keeps_the_macro_comparison():
    """A champion registered before they were recorded: the macro ROC AUC against its gate."""
    gate = {k: v for k, v in gate_of(*scored(900, 4, seed=1)).items() if not k.startswith("roc_auc_c")}
    current = window_record(*scored(300, 1, seed=2, rare_rank="last"))
    assert rules.decide([], current, RULES, champion_gate=gate).rule == "realized_z"
    assert "realized_cmp" not in current


def test_a_rebased_reference_takes_the_windows_classes_or_none_of_the_gates(monkeypatch):
    """The re-based level is the window's; per-class statistics of the gate beside it would be
    compared with instead (a window read back without them: the macro level)."""
    gate = {"roc_auc": 0.9, "roc_auc_se": 0.01, "roc_auc_c0": 0.9, "roc_auc_c0_var": 1e-4, "roc_auc_c0_null": 1e-3}
    window = {"realized": 0.85, "realized_se": 0.02, "realized_rows": 300}
    monkeypatch.setattr(policy, "rebased_on", lambda *a, **k: window)
    assert policy.reference(gate, [], {}, "roc_auc") == {"roc_auc": 0.85, "roc_auc_se": 0.02}
    window.update({"roc_auc_c1": 0.8, "roc_auc_c1_var": 1e-4, "roc_auc_c1_null": 1e-3})
    reference = policy.reference(gate, [], {}, "roc_auc")
    assert reference["roc_auc_c1"] == 0.8 and "roc_auc_c0" not in reference


def test_judge_compares_with_the_rebased_reference_not_the_gates_classes(monkeypatch):
    """policy.judge built its reference as gate | re-based window itself, so the gate's per-class
    levels stayed beside a re-based window's macro level (or its own classes): the comparison was
    class by class against the gate, the re-base ignored."""
    gate = {"roc_auc": 0.9, "roc_auc_se": 0.01, "roc_auc_c0": 0.9, "roc_auc_c0_var": 1e-4, "roc_auc_c0_null": 1e-3,
            "roc_auc_c3": 0.95, "roc_auc_c3_var": 1e-4, "roc_auc_c3_null": 1e-3}
    window = {"window_end": "2026-12-01T00:00:00+00:00", "realized": 0.85, "realized_se": 0.02,
              "realized_rows": 300, "roc_auc_c0": 0.85, "roc_auc_c0_var": 1e-4, "roc_auc_c0_null": 1e-3}
    seen = {}
    monkeypatch.setattr(policy, "rebased_on", lambda *a, **k: window)
    monkeypatch.setattr(policy, "decide", lambda *a, **k: seen.update(k["champion_gate"])
                        or rules.Verdict(False, "none", "no rule fired"))
    policy.judge([], {"window_end": "2026-12-02T00:00:00+00:00", "champion_version": "1"}, RULES,
                 champion_gate=gate, metric="roc_auc", min_labels=1)
    assert seen == policy.reference(gate, [], {}, "roc_auc")
    assert seen["roc_auc_c0"] == 0.85 and "roc_auc_c3" not in seen


def rare_stream(seed: int, rare: float = 0.005) -> pd.DataFrame:
    """The probe the fix was found with (benchmarks/bench_rare_class_controls.py replays its kind):
    60 days of 300 rows, classes 0/1/2 learnable from two of four features, class 3 a ``rare``
    share of noise rows."""
    rng = np.random.default_rng(seed)
    n = 300 * 60
    t = pd.date_range("2024-01-01", periods=n, freq=pd.Timedelta(days=60) / n)
    x = rng.normal(size=(n, 4))
    y = np.where(x[:, 0] + 0.5 * rng.normal(size=n) > 0.8, 2, np.where(x[:, 1] + 0.5 * rng.normal(size=n) > 0, 1, 0))
    y[rng.random(n) < rare] = 3
    frame = pd.DataFrame(x, columns=list("abcd"))
    frame["ts"], frame["target"] = t, y
    return frame


def test_a_stable_stream_with_a_rare_noise_class_retrains_at_most_once():
    """Seed 2 at 0.5 %: six retrains on main (realized_z at windows 11 and 16, then the recovery)."""
    from ctloop.backtest import BACKTEST_GATE, BACKTEST_THRESHOLDS

    cfg = BacktestConfig(target="target", time_column="ts", window="1D", policy="default",
                         training=TrainingConfig(),
                         gate=GateConfig.from_dict({**BACKTEST_GATE, "thresholds": BACKTEST_THRESHOLDS["classification"]}))
    report = run_backtest(rare_stream(2), cfg)
    assert report.retrains <= 1, [(w.index, w.rule) for w in report.windows if w.retrained]


def test_a_windows_per_class_statistics_are_carried_to_the_next_window_through_the_store():
    """In the cluster the policy reads earlier windows back from MLflow (store.to_record): a
    reference re-based on a window compares class by class only if the window's per-class
    statistics were written (monitor core.carried) and read back; they were neither, so a re-based
    reference fell back to the macro comparison there while the backtest compared class by class."""
    from types import SimpleNamespace

    from ctloop.components.monitor import core
    from ctloop.monitoring import store

    y, proba = scored(300, 2, 0)
    record = {"window_end": "2026-12-01T00:00:00+00:00", **triggers.class_aucs(y, proba, CLASSES)}
    stats = {k: v for k, v in record.items() if policy.per_class(k)}
    assert stats and {"roc_auc_c3", "roc_auc_c3_var", "roc_auc_c3_null"} <= set(stats)
    series, _ = core.carried(record)
    assert {k: series[k] for k in stats} == stats
    run = SimpleNamespace(info=SimpleNamespace(run_id="r1"),
                          data=SimpleNamespace(tags={"window_end": record["window_end"]}, metrics=series))
    back = store.to_record(run)
    assert {k: back[k] for k in stats} == stats


def test_a_class_by_class_windows_value_is_pooled_with_its_own_standard_error():
    """rules._pool pooled realized_cmp (the class-by-class comparison's value) with the macro
    realized_se, whose size swings with the rare class's presence (0.005 with one rare row ranked
    last, 0.04 with two at random): the pooled level's weights followed the rare class again."""
    current = {"realized": 0.80, "realized_se": 0.04, "realized_cmp": 0.9, "realized_cmp_se": 0.012}
    rules._pool(None, current, [("roc_auc", 0.0, 0.02, 0.9, 0.9)], 0.0, "realized_cmp_se")
    assert current["cusum_auc_pw"] == pytest.approx(1 / 0.012 ** 2)
    assert current["cusum_auc_pv"] == pytest.approx(0.9 / 0.012 ** 2)


def test_the_gates_unseen_holdout_labels_are_unseen_and_a_binary_model_stays_binary():
    """The gate passes its holdout's labels after the model's classes: they were recorded as
    ordinary classes (a binary model whose holdout held a third label took the per-class path)."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    proba = np.column_stack([rng.random(300), rng.random(300), np.zeros(300)])
    proba[:, :2] /= proba[:, :2].sum(axis=1, keepdims=True)
    assert triggers.gate_reference(y, proba, [0, 1, 2], model_classes=2).keys().isdisjoint(
        {"roc_auc_c0", "roc_auc_c2"})
    y4, p4 = scored(300, 3, 1)
    stats = triggers.gate_reference(y4, p4, CLASSES, model_classes=3)
    # the rows of the unseen label are errors at their share (round 59: was a class roc_auc_c3_unseen)
    assert stats["roc_auc_unseen_share"] == pytest.approx(np.mean(np.asarray(y4) == CLASSES[3]))
    assert not any(k.startswith("roc_auc_c3") for k in stats)
