"""A regressor is monitored by the same statistical rules as a classifier: its per-row loss is the
squared error ``(y - ŷ)²`` (:mod:`ctloop.monitoring.triggers`), recorded at the gate as ``mse``,
``mse_se`` with the prediction deciles, computed on served labels the same way, and judged by
``realized_z``/``cusum_h`` (:mod:`ctloop.monitoring.rules`). Was: every window of a regressor said
"realized_z not applied: the champion has no gate statistics" and a 5x RMSE jump never retrained."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.components.evaluate import core as eval_core
from ctloop.components.monitor import core
from ctloop.components.register.core import registration_tags
from ctloop.config import GateConfig, MonitoringConfig, TrainingConfig
from ctloop.monitoring import champion as champion_mod
from ctloop.monitoring import policy, triggers
from ctloop.monitoring.rules import decide
from tests.monitoring import window_support as ws

RULES = {"realized_z": 2.326, "cusum_h": 5.0}


def level_shift(n: int = 2400, shift: float = 5.0, seed: int = 3) -> pd.DataFrame:
    """``y = 3 x1 + noise`` every 2 hours, ``+shift`` from the middle of the stream on (x unchanged)."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    y = 3 * x1 + np.where(np.arange(n) >= n // 2, shift, 0.0) + rng.normal(size=n)
    return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="2h", tz="UTC"), "x1": x1, "x2": x2,
                         "amount": y})


def backtest(frame: pd.DataFrame, policy_name: str):
    cfg = BacktestConfig(target="amount", time_column="ts", window="7D", policy=policy_name, train_window="28D",
                         training=TrainingConfig(task="regression", estimator="linear_regression"),
                         gate=GateConfig(thresholds={"rmse": 100}, bootstrap_rounds=100), min_labels=50)
    return cfg, run_backtest(frame, cfg)


@pytest.fixture(scope="module")
def shifted():
    frame = level_shift()
    return frame, backtest(frame, "default")


def test_the_default_policy_retrains_a_regressor_soon_after_a_level_shift_and_beats_never(shifted):
    frame, (_, report) = shifted
    _, never = backtest(frame, "never")
    change = frame["ts"].iloc[len(frame) // 2].tz_convert(None)  # window ends are naive UTC
    first = next(w for w in report.windows if pd.Timestamp(w.end) > change)
    fired = [w for w in report.windows if w.retrained and w.rule != "initial"]
    assert fired and fired[0].rule == "realized_z" and "realized squared error" in fired[0].reason, fired[:1]
    assert fired[0].index - first.index <= 1  # the window of the shift or the next one
    assert not [w for w in fired if pd.Timestamp(w.end) <= change]  # nothing before it
    assert report.mean_metric < 0.7 * never.mean_metric, (report.mean_metric, never.mean_metric)


def test_no_drift_no_retrain_for_a_regressor():
    _, report = backtest(level_shift(shift=0.0), "default")
    judged = [w for w in report.windows if w.rule not in ("history", "initial")]
    assert len(judged) > 8 and report.retrains <= 1, [(w.rule, w.reason) for w in judged]
    # every window with enough labels was judged on them (was: "the champion has no gate statistics")
    enough = [w for w in judged if w.labelled >= 50]
    assert len(enough) >= len(judged) - 1 and all("squared error" in w.reason for w in enough)


def test_the_gate_records_the_squared_error_and_the_registry_gives_it_back():
    from sklearn.linear_model import LinearRegression

    frame = level_shift(n=600, shift=0.0)
    model = LinearRegression().fit(frame[["x1", "x2"]], frame["amount"])
    holdout = frame.drop(columns=["ts"]).iloc[:300]
    decision = eval_core.run(model, holdout, GateConfig(thresholds={"rmse": 10}), target="amount",
                             task="regression")
    errors = (holdout["amount"] - model.predict(holdout[["x1", "x2"]])) ** 2
    assert decision.reference["mse"] == pytest.approx(errors.mean())
    assert decision.reference["mse_se"] == pytest.approx(errors.std(ddof=0) / np.sqrt(len(errors)))
    assert decision.reference["rows"] == 300 and decision.reference["mse"] == pytest.approx(
        decision.challenger_metrics["rmse"] ** 2)
    assert decision.reference["score_q50"] == pytest.approx(np.median(model.predict(holdout[["x1", "x2"]])))
    # the tags registration writes, read back as the champion's gate statistics
    tags = registration_tags(meta={"task": "regression"}, gate_metrics=eval_core.metric_values(decision),
                             gate_reason="", dataset_digest="", pipeline_run_id="", pipeline_run_name="",
                             code_version="")
    version = SimpleNamespace(version="1", tags=tags)
    registry = SimpleNamespace(champion=lambda name: version, load_meta=lambda name, v: {"features": ["x1", "x2"]})
    gate = champion_mod.load(registry, "amount", with_reference=False).gate_metrics
    assert gate["mse_se"] == pytest.approx(decision.reference["mse_se"], rel=1e-5)
    assert {"mse", "rmse", "rows", "score_q10", "score_q90"} <= set(gate)


def test_a_small_target_keeps_its_squared_error_to_six_significant_digits():
    """Rounded to 6 decimals, the MSE of a target in units of 1e-4 was 0 and every window a loss."""
    from sklearn.linear_model import LinearRegression

    frame = level_shift(n=400, shift=0.0)
    frame["amount"] *= 1e-4
    model = LinearRegression().fit(frame[["x1", "x2"]], frame["amount"])
    decision = eval_core.run(model, frame.drop(columns=["ts"]), GateConfig(thresholds={"rmse": 1}),
                             target="amount", task="regression")
    values = eval_core.metric_values(decision)
    assert values["challenger.mse"] == pytest.approx(decision.reference["mse"], rel=1e-5)
    assert values["challenger.mse_se"] == pytest.approx(decision.reference["mse_se"], rel=1e-5)
    assert 0 < decision.reference["mse_se"] < 1e-7


def test_a_tiny_target_keeps_its_gate_metrics_and_comparison_to_six_significant_digits():
    """Rounded to 6 decimals, a target in units of 1e-5 registered rmse 0.0 (a realized_drop then
    fired on every window) and a gate delta of 0.0 (the policy read the retrain as not paid)."""
    from sklearn.linear_model import LinearRegression

    frame = level_shift(n=400, shift=0.0)
    frame["amount"] *= 1e-5
    x, holdout = frame[["x1", "x2"]], frame.drop(columns=["ts"])
    champion = LinearRegression().fit(x[["x1"]].assign(x2=0.0), frame["amount"])
    challenger = LinearRegression().fit(x, frame["amount"])
    decision = eval_core.run(challenger, holdout, GateConfig(thresholds={"rmse": 1}), target="amount",
                             task="regression", champion=champion)
    values = eval_core.metric_values(decision)
    for name in ("rmse", "mae"):
        assert values[f"challenger.{name}"] == pytest.approx(decision.challenger_metrics[name], rel=1e-5)
        assert values[f"champion.{name}"] == pytest.approx(decision.champion_metrics[name], rel=1e-5)
        assert 0 < values[f"challenger.{name}"] < 1e-5
    for key in ("delta", "ci_low", "ci_high"):
        assert values[f"rmse.{key}"] == pytest.approx(decision.comparison[key], rel=1e-5)
    assert values["rmse.delta"] != 0


def test_realized_z_and_cusum_judge_the_squared_error():
    gate = {"rmse": 1.0, "mse": 1.0, "mse_se": 0.05}

    def window(hour: int, mse: float, se: float = 0.08, **kw) -> dict:
        end = pd.Timestamp("2026-01-01T00:00:00Z") + pd.Timedelta(hours=hour)
        return {"window_end": end.isoformat(), "rows": 400, "realized": mse ** 0.5, "realized_rows": 400,
                "mse": mse, "mse_se": se, "champion_version": "1", "drift_share": None, **kw}

    # 1.3 - 1.0 = 0.3 > 2.326 * hypot(0.08, 0.05) = 0.219: confident
    v = decide([], window(1, 1.3), RULES, champion_gate=gate, metric="rmse")
    assert v.fire and v.rule == "realized_z" and "realized squared error 1.3000 on 400 labels vs 1.0000" in v.reason
    quiet = decide([], window(1, 1.15), RULES, champion_gate=gate, metric="rmse")
    assert not quiet.fire and "squared error 1.1500 vs 1.0000 at the gate" in quiet.reason
    # a better squared error is no loss; nor is a loss without the gate's statistics
    assert not decide([], window(1, 0.5), RULES, champion_gate=gate, metric="rmse").fire
    v = decide([], window(1, 3.0), RULES, champion_gate={"rmse": 1.0}, metric="rmse")
    assert not v.fire and "no gate statistics" in v.reason
    # small losses (~1.9 se each) add up in the CUSUM
    history, fired = [], []
    for hour in range(1, 8):
        current = window(hour, 1.18)
        fired.append(decide(history, current, RULES, champion_gate=gate, metric="rmse").rule)
        history.append(current)
    assert fired[0] == "none" and "cusum" in fired, fired
    # a rejected retrain re-bases the reference on the champion's squared error in its window
    rejected = {**window(1, 1.3, se=0.09), "triggered": True}
    assert policy.reference(gate, [rejected], window(2, 1.3), "rmse") == {"rmse": 1.3 ** 0.5, "mse": 1.3,
                                                                          "mse_se": 0.09}


# ---------------------------------------------------------------------- monitoring a served regressor
END = pd.Timestamp("2026-01-05T01:00:00Z")
MODEL = "amount"


def write_regression_log(root, labels_root, n: int, shift: float, seed: int = 1) -> None:
    """``n`` served rows in the 2h before END with their ``prediction``, and the labels of all
    (``3 x1 + noise``, ``+shift``)."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    times = pd.DatetimeIndex(sorted(END - pd.to_timedelta(rng.uniform(1, 7000, n), unit="s")))
    ids = [uuid.UUID(int=int(rng.integers(0, 2**63))).hex for _ in range(n)]
    log = pd.DataFrame({"x1": x1, "prediction": 3 * x1, "request_id": ids, "instance": 0, "model": MODEL,
                        "revision": "r1", "model_version": "1", "time": [t.isoformat() for t in times],
                        "has_request": True, "has_response": True})
    for k, part in log.groupby(pd.to_datetime(log["time"]).dt.strftime("%Y-%m-%d")):
        d = root / f"model={MODEL}" / f"date={k}" / "revision=r1"
        d.mkdir(parents=True, exist_ok=True)
        part.to_parquet(d / "part-0.parquet", index=False)
    labels = pd.DataFrame({"request_id": ids, "label": 3 * x1 + shift + rng.normal(size=n),
                           "label_time": "2026-01-05T00:30:00Z"})
    (labels_root / "labels").mkdir(parents=True)
    labels.to_parquet(labels_root / "labels" / "part-0.parquet", index=False)


def regressor(gate: dict[str, float]) -> champion_mod.Champion:
    reference = pd.DataFrame({"x1": np.random.default_rng(0).normal(size=500)})
    return champion_mod.Champion("1", "regression", ["x1"], None, reference, gate,
                                 pd.Timestamp("2026-01-01T00:00:00Z"))


@pytest.mark.parametrize("shift, fires", [(0.0, False), (2.0, True)])
def test_monitor_core_judges_a_regressors_logged_predictions(tmp_path, shift, fires):
    """Both monitoring paths (the log read into memory, and the streamed window state) compute the
    squared error of the logged predictions against the labels and the PSI of the predictions."""
    from ctloop.inference_log.reader import read_log
    from ctloop.labels.join import label_index
    from ctloop.labels.store import read_labels
    from ctloop.monitoring import window as W

    write_regression_log(tmp_path / "logs", tmp_path / "labels", n=400, shift=shift)
    deciles = np.quantile(3 * np.random.default_rng(9).normal(size=2000), np.linspace(0, 1, 11)[1:-1])
    gate = {"rmse": 1.0, "mse": 1.0, "mse_se": 0.03, "rows": 2000.0,
            **{f"score_q{10 * (i + 1)}": float(q) for i, q in enumerate(deciles)}}
    champ = regressor(gate)
    cfg = MonitoringConfig.from_dict({"log_root": str(tmp_path / "logs"), "labels_root": str(tmp_path / "labels"),
                                      "window": "2h", "label_lookback": "1D", "min_labels": 50})
    window = core.bounds(END, cfg)
    labels = read_labels(str(tmp_path / "labels"))
    frame = core.judge(window=window, logs=read_log(str(tmp_path / "logs"), MODEL, window.read_from, window.end),
                       labels=labels, champion=champ, history=[], previous=None, cfg=cfg, model_name=MODEL)
    state = W.collect(str(tmp_path / "logs"), MODEL, core.window_spec(window, champ, None, cfg),
                      label_index(labels), progress=False)
    streamed = core.judge_state(state=state, labels=labels, champion=champ, history=[], previous=None, cfg=cfg,
                                model_name=MODEL)
    truth = pd.read_parquet(tmp_path / "labels" / "labels" / "part-0.parquet")
    served = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "logs").rglob("*.parquet")))
    errors = (truth.set_index("request_id")["label"] - served.set_index("request_id")["prediction"]) ** 2
    for out in (frame, streamed):
        assert out.record["realized_rows"] == 400
        assert out.record["mse"] == pytest.approx(errors.mean())
        assert out.record["mse_se"] == pytest.approx(errors.std(ddof=0) / 20)
        assert out.series["mse"] == pytest.approx(errors.mean())  # stored with the window (policy re-base)
        assert out.record["psi"] < out.record["psi_bound"]  # the same predictions: no prediction drift
        assert out.verdict.fire is fires and "squared error" in out.verdict.reason, out.verdict.reason
    assert frame.record["psi"] == pytest.approx(streamed.record["psi"])
    assert frame.verdict.reason == streamed.verdict.reason


def test_the_monitoring_store_carries_a_regressors_policy_state(shifted, sqlite_tracking):
    """The regression backtest's window records, judged again from the history the monitoring store
    reads back, give the same decisions (the squared error and its re-basing travel with them)."""

    _, (cfg, report) = shifted
    records = report.records
    # a retrain the gate rejected: the next window is judged against the champion's squared error
    # in the rejected window, which only the stored mse/mse_se give back
    assert any(a["triggered"] and b["champion_version"] == a["champion_version"] and "mse" in a
               for a, b in zip(records, records[1:], strict=False))
    ws.replay_through_store(report, cfg, sqlite_tracking, "amount", metric="rmse")


def test_prediction_drift_of_a_regressor_bins_its_predictions():
    rng = np.random.default_rng(0)
    ref = triggers.regression_reference(rng.normal(size=3000), rng.normal(size=3000))
    spec = triggers.score_bin_spec("regression", None, ref)
    assert spec[-1] == 0.0 and len(spec) == 2 * triggers.DECILES + 1  # deciles, atom flags, no classes
    same, moved = rng.normal(size=400), rng.normal(size=400) + 1.0
    for scores, drifted in ((same, False), (moved, True)):
        direct = triggers.served_prediction_drift("regression", None, ref, pd.Series(scores))
        binned = triggers.drift_from_bins(ref, triggers.score_bins_of(spec, pd.DataFrame({"prediction": scores})))
        assert direct == pytest.approx(binned)
        assert (direct["psi"] > max(0.2, direct["psi_bound"])) is drifted


def test_text_in_a_regressors_prediction_column_is_binned_as_the_frame_path_reads_it():
    """The streamed path (score_bins_of) raised "could not convert string to float: 'n/a'" where the
    frame path (served_prediction_drift) coerces text that is no number to NaN and leaves it out."""
    rng = np.random.default_rng(1)
    ref = triggers.regression_reference(rng.normal(size=2000), rng.normal(size=2000))
    spec = triggers.score_bin_spec("regression", None, ref)
    served = pd.Series([*map(str, rng.normal(size=300)), "n/a", ""], dtype=object)
    counts = triggers.score_bins_of(spec, pd.DataFrame({"prediction": served}))
    assert counts.sum() == 300
    assert triggers.drift_from_bins(ref, counts) == pytest.approx(
        triggers.served_prediction_drift("regression", None, ref, served))


def test_a_small_targets_squared_error_reads_in_significant_digits():
    gate = {"mse": 2.0e-6, "mse_se": 1.0e-7}
    current = {"window_end": "2026-01-02", "realized": 0.003, "realized_rows": 500, "mse": 9.0e-6, "mse_se": 4.0e-7,
               "champion_version": "1"}
    verdict = decide([], current, {"realized_z": 2.326}, champion_gate=gate, metric="rmse", min_labels=200)
    assert verdict.fire and "squared error 9e-06" in verdict.reason and "vs 2e-06" in verdict.reason, verdict.reason


def test_text_in_a_classifiers_score_column_is_a_missing_score_not_a_crash():
    """A classifier's logged ``prediction_1`` holding "n/a" raised ValueError (a traceback out of the
    monitoring step) in both prediction-drift paths; realized_metrics already read it as missing."""
    gate = {f"score_q{10 * (i + 1)}": 0.1 * (i + 1) for i in range(triggers.DECILES)} | {"rows": 1000.0}
    frame = pd.DataFrame({"prediction_1": pd.Series([0.2, "n/a", 0.7, "", 0.95], dtype=object)})
    spec = triggers.score_bin_spec("classification", [0, 1], gate)
    counts = triggers.score_bins_of(spec, frame)
    assert counts.sum() == 3
    assert triggers.drift_from_bins(gate, counts) == pytest.approx(
        triggers.served_prediction_drift("classification", [0, 1], gate, frame))


def _tied_scores(rng, n):
    """Scores as a random forest's votes give them: 40 % exactly 0, 20 % exactly 1, the rest in
    steps of 0.01 between (many ties inside too)."""
    kind = rng.random(n)
    return np.where(kind < 0.4, 0.0, np.where(kind < 0.6, 1.0, np.round(rng.random(n), 2)))


def test_prediction_drift_of_tied_scores_is_not_a_shift():
    """Tied deciles (a constant prediction, a forest's 0 and 1 votes) put a tenth of the reference
    below an edge the reference has nothing below: a constant regressor read PSI 0.70 every window
    against its own gate, so prediction drift fired on every window (the backtest retrained and
    promoted 6 times on a constant target). The gate now records the share of its scores below and
    at each decile (``score_lt_q10``, ``score_le_q10`` …), and a value several deciles share is a
    bin of its own: the forest's confident negatives becoming unsure is seen inside their bin."""
    rng = np.random.default_rng(3)
    const = triggers.regression_reference(np.full(2000, 5.0) + rng.normal(size=2000), np.full(2000, 5.0))
    p = _tied_scores(rng, 4000)
    y = (rng.random(4000) < p).astype(int)
    forest = triggers.gate_reference(y, np.c_[1 - p, p], [0, 1])
    assert forest["score_lt_q10"] == 0.0 and forest["score_le_q10"] == pytest.approx(0.4, abs=0.03)
    assert forest["score_lt_q90"] == pytest.approx(0.8, abs=0.03) and forest["score_le_q90"] == 1.0
    same = triggers.served_prediction_drift("regression", None, const, pd.Series(np.full(300, 5.0)))
    assert same["psi"] <= same["psi_bound"], same
    moved = triggers.served_prediction_drift("regression", None, const, pd.Series(np.full(300, 7.0)))
    assert moved["psi"] > max(0.2, moved["psi_bound"])
    q = _tied_scores(rng, 400)
    same = triggers.prediction_drift(forest, np.c_[1 - q, q])
    assert same["psi"] <= same["psi_bound"], same
    spec = triggers.score_bin_spec("classification", [0, 1], forest)  # the streamed path: the same bins
    binned = triggers.drift_from_bins(forest, triggers.score_bins_of(spec, pd.DataFrame({"prediction_0": 1 - q, "prediction_1": q})))
    assert binned == pytest.approx(same)
    q = np.where(q == 0.0, 0.02, q)  # the confident negatives are a little less sure: same bin before
    assert triggers.prediction_drift(forest, np.c_[1 - q, q])["psi"] > 0.2


def test_a_gate_record_without_the_shares_is_read_as_before_where_no_decile_is_tied():
    """A gate an older ctloop recorded has the deciles only: distinct deciles still mean a tenth of
    the reference in each of the ten bins (the shares are estimated only around a tied decile)."""
    rng = np.random.default_rng(4)
    ref = triggers.regression_reference(rng.normal(size=3000), rng.normal(size=3000))
    older = {k: v for k, v in ref.items() if not k.startswith(("score_lt_", "score_le_"))}
    np.testing.assert_allclose(triggers.reference_shares(triggers.deciles_from(older), older), [0.1] * 10)
    recorded = triggers.reference_shares(triggers.deciles_from(ref), ref)
    np.testing.assert_allclose(recorded, [0.1] * 10, atol=1e-3)


def test_monitor_core_bins_a_binary_classifiers_logged_probability():
    """A binary classifier is monitored on its logged ``prediction_1`` (labels.realized.resolve):
    both monitoring paths passed that one column as an n × 1 frame, which probability_matrix took
    for a one-class matrix and renormalised to 1.0 in every row, so every window's PSI against the
    gate read ~8 whatever was served: prediction drift fired on every window of every binary
    classifier without labels."""
    import tempfile
    from pathlib import Path

    from ctloop.inference_log.reader import read_log
    from ctloop.monitoring import window as W

    rng = np.random.default_rng(5)
    p = rng.random(3000)
    gate = {"roc_auc": 0.8, **triggers.gate_reference((rng.random(3000) < p).astype(int), np.c_[1 - p, p], [0, 1])}
    champ = champion_mod.Champion("1", "classification", ["x1"], [0, 1],
                                  pd.DataFrame({"x1": rng.normal(size=500)}), gate,
                                  pd.Timestamp("2026-01-01T00:00:00Z"))
    cfg_args = {"window": "2h", "label_lookback": "1D", "min_labels": 50}
    for served, drifted in ((rng.random(400), False), (np.clip(rng.random(400) + 0.3, 0, 1), True)):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "logs"
            times = pd.DatetimeIndex(sorted(END - pd.to_timedelta(rng.uniform(1, 7000, 400), unit="s")))
            log = pd.DataFrame({"x1": rng.normal(size=400), "prediction_0": 1 - served, "prediction_1": served,
                                "request_id": [f"r{i}" for i in range(400)], "instance": 0, "model": MODEL,
                                "revision": "r1", "model_version": "1", "time": [t.isoformat() for t in times],
                                "has_request": True, "has_response": True})
            d = root / f"model={MODEL}" / "date=2026-01-04" / "revision=r1"
            d.mkdir(parents=True)
            log.to_parquet(d / "part-0.parquet", index=False)
            cfg = MonitoringConfig.from_dict({"log_root": str(root), **cfg_args})
            window = core.bounds(END, cfg)
            frame = core.judge(window=window, logs=read_log(str(root), MODEL, window.read_from, window.end),
                               labels=None, champion=champ, history=[], previous=None, cfg=cfg, model_name=MODEL)
            state = W.collect(str(root), MODEL, core.window_spec(window, champ, None, cfg), None, progress=False)
            streamed = core.judge_state(state=state, labels=None, champion=champ, history=[], previous=None,
                                        cfg=cfg, model_name=MODEL)
        expected = triggers.prediction_drift(gate, np.c_[1 - served, served])
        for out in (frame, streamed):
            assert out.record["psi"] == pytest.approx(expected["psi"]), (drifted, out.record["psi"])
            assert (out.record["psi"] > max(0.2, out.record["psi_bound"])) is drifted


@pytest.mark.parametrize("value", [3.14159265, 1234.5678912, 0.123456789])
def test_a_tied_decile_read_back_from_the_registrys_tags_still_bins_the_same_scores(value):
    """The gate's deciles reach monitoring rounded: the evaluate step writes six significant digits
    (evaluate.core._digits) and the registration tags ``{:.6g}``. A value several deciles share got a
    bin exactly one float wide, so a constant 3.14159265 served against its own gate read back as
    3.14159 fell outside it: PSI 18 against itself (review15). The tie's bin allows the rounding."""
    from ctloop.components.evaluate.core import _digits

    rng = np.random.default_rng(6)
    gate = triggers.regression_reference(np.full(2000, value) + rng.normal(size=2000), np.full(2000, value))
    stored = {k: float(f"{_digits(v):.6g}") for k, v in gate.items()}  # evaluate's metrics, then the tags
    same = triggers.served_prediction_drift("regression", None, stored, pd.Series(np.full(300, value)))
    assert same["psi"] <= same["psi_bound"], same
    moved = triggers.served_prediction_drift("regression", None, stored, pd.Series(np.full(300, value * 1.01)))
    assert moved["psi"] > max(0.2, moved["psi_bound"])
    # a forest's votes and their 0 and 1, rounded to four decimals in a JSON log, against the tags
    p = _tied_scores(rng, 4000)
    forest = triggers.gate_reference((rng.random(4000) < p).astype(int), np.c_[1 - p, p], [0, 1])
    forest = {k: float(f"{_digits(v):.6g}") for k, v in forest.items()}
    q = np.round(_tied_scores(rng, 400), 4)
    same = triggers.prediction_drift(forest, np.c_[1 - q, q])
    assert same["psi"] <= same["psi_bound"], same
