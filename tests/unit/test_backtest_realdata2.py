"""Real data must never crash the backtest or give a silently wrong result (issue 14), second
round: real streams bundled with installed packages (scikit-learn's datasets, river's and
vega_datasets' files) and real-shaped hostile variants of them that benchmarks/streams.py does
not hold. Each test is the smallest reproduction of what ``ctloop backtest --compare
never,always,drift,default`` did on main."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BACKTEST_THRESHOLDS, BacktestConfig, run_backtest
from ctloop.columns import WEIGHT
from ctloop.config import GateConfig, MonitoringRules, TrainingConfig
from ctloop.errors import ConfigError, DataSourceError, DataValidationError


def breast_cancer() -> pd.DataFrame:
    """scikit-learn's bundled Wisconsin breast cancer table (569 rows, 30 features, 0/1 target),
    one row every 6 hours from 2023-01-01 (~56 rows a 14-day window)."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame.rename(columns={"target": "y"})
    frame["ts"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.arange(len(frame)) * 6, unit="h")
    return frame


def config(**kw) -> BacktestConfig:
    base = dict(target="y", time_column="ts", window="14D",
                training=TrainingConfig(estimator="logistic_regression", seed=0),
                gate=GateConfig.from_dict({"bootstrap_rounds": 50, "seed": 0,
                                           "thresholds": BACKTEST_THRESHOLDS["classification"]}))
    return BacktestConfig(**{**base, **kw})


@pytest.mark.parametrize("values", [lambda y: np.where(y == 1, 0.0, 1.0), lambda y: np.where(y == 1, "low", "high")])
def test_a_feature_named_like_the_recency_weights_is_refused_up_front(values):
    """A column of the data named ``_ctloop_weight`` was taken by every fit as sample weights: with
    0 for one class the models learned nothing and every policy scored ROC AUC 0.5000, exit 0; text
    values failed every fit and were reported as "column 'y' breaks rule 'trainable'"."""
    frame = breast_cancer()
    frame[WEIGHT] = values(frame["y"].to_numpy())
    with pytest.raises(DataSourceError, match=f"^the column name '{WEIGHT}' .*reserved.*rename"):
        run_backtest(frame, config(policy="always"))  # round 50: a header's problem in one line


def test_breast_cancer_replays_with_every_policy():
    frame = breast_cancer()
    for policy in ("never", "always", "drift", "default"):
        report = run_backtest(frame, config(policy=policy))
        assert report.mean_metric is not None and math.isfinite(report.mean_metric) and report.mean_metric > 0.9


def digits_with_a_late_class() -> pd.DataFrame:
    """scikit-learn's bundled digits (8x8 images, integer labels): digits 0, 1, 2 one every 30
    minutes from 2023-01-01, digit 9 only from the eleventh day on (a class that appears only in the
    last windows)."""
    from sklearn.datasets import load_digits

    frame = load_digits(as_frame=True).frame.rename(columns={"target": "y"})
    frame = frame[frame["y"].isin([0, 1, 2, 9])].reset_index(drop=True)
    frame["ts"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.arange(len(frame)) * 30, unit="min")
    late = frame["ts"] >= "2023-01-11"
    return frame[(frame["y"] != 9) | late].reset_index(drop=True)


def test_a_late_integer_class_is_named_as_written():
    """The windows' ``unseen_classes`` (``metrics.class_positions``) named the integer label 9 ``9.0``."""
    report = run_backtest(digits_with_a_late_class(), config(window="1D", policy="always", train_window="4D"))
    late = [w for w in report.windows if w.unseen_classes]
    assert late and all(w.unseen_classes == ["9"] for w in late), [w.unseen_classes for w in late]
    assert math.isfinite(report.mean_metric)


def test_the_volume_rule_counts_the_rows_served_since_training():
    """``monitoring.rules.min_rows_since_training`` (ctloop.yaml): the replay never gave the policy
    the rows served since the champion's promotion (monitoring does, ``monitor_model``'s volume
    count), so every window read "only 0 rows logged since training" and ``--policy default`` never
    retrained, whatever the data."""
    rules = MonitoringRules.from_dict({"min_rows_since_training": 100, "drift_share": None, "realized_z": None,
                                       "cusum_h": None, "prediction_psi": None, "cooldown": None})
    report = run_backtest(breast_cancer(), config(policy="default", rules=rules))
    assert not any("only 0 rows logged" in w.reason for w in report.windows), [w.reason for w in report.windows]
    fired = [w for w in report.windows if w.rule == "volume" and w.retrained]
    assert fired and "rows logged since training (>= 100)" in fired[0].reason
    assert report.records[0]["rows_since_training"] == report.windows[len(report.windows) - len(report.records)].rows


def test_too_few_rows_for_any_window_do_not_suggest_a_window_of_all_the_data():
    """vega_datasets' iowa-electricity.csv: Iowa's yearly net generation by source, 3 rows a year
    2001-2017 (51 rows). ``--window 365D`` said "choose a window of at least 6205D", and that window
    was refused in turn: "gives 1 window ... choose a shorter window"."""
    years = pd.date_range("2001-01-01", "2017-01-01", freq="YS")
    frame = pd.DataFrame({"ts": np.repeat(years, 3), "source": ["Fossil Fuels", "Nuclear Energy", "Renewables"] * 17,
                          "y": np.random.default_rng(0).normal(20000, 5000, 51)})
    with pytest.raises(ConfigError, match="the data hold 51 rows .*too few for two windows") as info:
        run_backtest(frame, config(window="365D", training=TrainingConfig(task="regression", seed=0),
                                   gate=GateConfig.from_dict({"thresholds": {"rmse": 1000}})))
    assert "at least" not in str(info.value)


def test_plots_break_the_line_at_windows_without_a_score(monkeypatch, tmp_path):
    """river's Phishing stream with six empty days in the middle: compare.png and backtest.png drew
    one straight line across the gap, as if those windows had been scored. The line now breaks at
    every window that was not scored; policies with the same result get one label, not overprinted
    names."""
    from ctloop import backtest

    frame = breast_cancer()
    frame["ts"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.arange(len(frame)) * 3, unit="h")  # 56 a week
    frame = frame[(frame["ts"] < "2023-02-05") | (frame["ts"] >= "2023-02-19")]  # two weeks without rows
    reports = {p: run_backtest(frame, config(policy=p, window="7D", train_window="14D")) for p in ("never", "drift")}
    figures = []
    monkeypatch.setattr(backtest, "_save", lambda fig, path: figures.append(fig) or path)
    backtest.plot_comparison(reports, tmp_path / "compare.png")
    backtest.plot_timeline(reports["never"], tmp_path / "backtest.png")
    empty = [w.index for w in reports["never"].windows if w.rows == 0]
    assert len(empty) == 2
    for line in (figures[0].axes[0].lines[0], figures[1].axes[0].lines[0]):
        ys = list(line.get_ydata())
        assert sum(math.isnan(y) for y in ys) >= 2 and all(math.isfinite(y) for y in ys[:1] + ys[-1:])
    if reports["never"].mean_metric == reports["drift"].mean_metric and \
            reports["never"].retrains == reports["drift"].retrains:
        assert [t.get_text() for t in figures[0].axes[1].texts] == ["never, drift"]


def _sliced(column: str) -> tuple[pd.DataFrame, GateConfig]:
    frame = breast_cancer().assign(region=lambda f: np.where(f["mean radius"] > 14, "north", "south"))
    gate = GateConfig.from_dict({"bootstrap_rounds": 50, "seed": 0, "slice_column": column,
                                 "thresholds": BACKTEST_THRESHOLDS["classification"]})
    return frame, gate


@pytest.mark.parametrize("column", ["regoin", "ts"])
def test_a_gate_slice_column_the_data_cannot_slice_by_is_refused_up_front(column):
    """ctloop.yaml ``gate.slice_column`` naming no column of the data: every window's gate failed,
    the replay went on to the end and reported "column 'y' breaks rule 'trainable' ... no initial
    model yet: ConfigError: gate.slice_column ..."; the time column (dropped from the holdout) the same."""
    frame, gate = _sliced(column)
    with pytest.raises(ConfigError, match=f"^gate.slice_column '{column}': ") as info:
        run_backtest(frame, config(policy="always", gate=gate))
    assert ("did you mean 'region'" if column == "regoin" else "is the time column") in str(info.value)


def test_a_gate_slice_column_of_the_data_replays():
    """What the refusals above are told from (a replay of its own, once: each refusal ran it too)."""
    frame, gate = _sliced("region")
    assert run_backtest(frame, config(policy="always", gate=gate)).retrains >= 1


def test_a_challenger_is_not_promoted_on_a_comparison_the_holdout_cannot_make():
    """Breast cancer labels text, every label from 2023-04-15 on a new class 'maybe', gate thresholds
    on accuracy and the primary metric ROC AUC: on a holdout of one class the paired bootstrap's
    delta and interval are NaN, and "vs champion: roc_auc delta +nan (CI +nan..+nan) passed"
    promoted a challenger never compared with the champion (the gate fails safe: no evidence, not
    approved)."""
    frame = breast_cancer()
    frame["y"] = frame["y"].map({0: "no", 1: "yes"})
    frame.loc[frame["ts"] >= "2023-04-15", "y"] = "maybe"
    gate = GateConfig.from_dict({"bootstrap_rounds": 50, "seed": 0, "thresholds": {"accuracy": 0.5},
                                 "primary_metric": "roc_auc"})
    report = run_backtest(frame, config(policy="always", gate=gate))
    assert not [w.index for w in report.windows if w.promoted and "nan" in w.reason]
    undefined = [w for w in report.windows if "undefined on this holdout" in w.reason]
    assert undefined and not any(w.promoted for w in undefined)
    assert "roc_auc undefined on this holdout (" in undefined[0].reason and "1 class(es)" in undefined[0].reason


def test_a_retrain_the_gate_could_not_judge_is_no_rejection_to_the_policy():
    """The same stream under the default policy: the retrain in the first all-'maybe' window is
    gated on a one-class holdout (no comparison with the champion) and was read as a rejection:
    the reference was re-based on the champion's level in that window (its window record is
    marked not judged now: ``policy.rejected`` skips it)."""
    frame = breast_cancer()
    frame["y"] = frame["y"].map({0: "no", 1: "yes"})
    frame.loc[frame["ts"] >= "2023-04-15", "y"] = "maybe"
    gate = GateConfig.from_dict({"bootstrap_rounds": 50, "seed": 0, "thresholds": {"accuracy": 0.5},
                                 "primary_metric": "roc_auc"})
    report = run_backtest(frame, config(policy="default", gate=gate, min_labels=20))
    undefined = [w for w in report.windows if w.retrained and "undefined on this holdout" in w.reason]
    assert undefined, [w.reason for w in report.windows]
    ends = {pd.Timestamp(w.end).isoformat() for w in undefined}
    marked = [r for r in report.records if r["window_end"] in ends]
    assert marked and all(r["triggered"] and r.get("judged") is False for r in marked)
    # a retrain compared with the champion is not marked
    assert all(r.get("judged") is None for r in report.records if r["triggered"] and r["window_end"] not in ends)


@pytest.mark.parametrize("compare", [None, "never,always"])
def test_a_replay_that_scores_no_window_says_why(tmp_path, capsys, compare):
    """Breast cancer with the malignant class only in the initial model's history (later windows
    all benign: a rare event that stopped): ROC AUC is undefined on every replayed window. The CLI
    printed "mean roc_auc n/a" for every policy, exit 0, and nothing said why."""
    from ctloop.cli import main

    frame = breast_cancer()
    frame.loc[frame["ts"] >= "2023-03-26", "y"] = 0
    frame.to_csv(tmp_path / "bc.csv", index=False)
    args = ["backtest", "--data", str(tmp_path / "bc.csv"), "--target", "y", "--time-column", "ts", "--window", "14D",
            "--estimator", "logistic_regression", "--output", str(tmp_path / "out"), "--quiet"]
    assert main(args + (["--compare", compare, "--jobs", "1"] if compare else [])) == 0
    out = capsys.readouterr().out
    assert "n/a (no window scored: roc_auc undefined on one class ['0'] in 4 windows, 9 rows (< 30) in 1 window)" \
        in out, out


@pytest.mark.parametrize("blank", [" ", "\t", ""])
def test_a_blank_label_is_a_missing_label_not_a_class(tmp_path, blank):
    """Breast cancer labels as text with every ninth label a blank cell (as a spreadsheet or a
    Parquet string column writes a row not labelled yet; a CSV reads spaces as text, not missing):
    the blank was a third class, learned and scored, ROC AUC 0.77 instead of 0.99, exit 0; then it
    was refused. It is now a missing label, as prepare_data and the fit read it (round 40): left out
    and counted, and the replay scores the two real classes."""
    frame = breast_cancer()
    frame["y"] = frame["y"].map({0: "benign", 1: "malignant"})
    frame.loc[frame.index[::9], "y"] = blank
    frame.to_parquet(tmp_path / "bc.parquet", index=False)  # '' stays '' (a CSV would read it as missing)
    blanks = int((frame["y"].str.strip() == "").sum())
    result = run_backtest(pd.read_parquet(tmp_path / "bc.parquet"), config(policy="never"))
    assert result.left_out["no_label"] == blanks == 64
    unblanked = frame.assign(y=frame["y"].where(frame["y"].str.strip() != ""))
    assert result.mean_metric == run_backtest(unblanked, config(policy="never")).mean_metric


@pytest.mark.parametrize(("written", "value"), [("1e-9", 1e-9), ("1.0e9", 1e9), ("1.5E5", 1.5e5), (".5e1", 5.0)])
def test_a_yaml_number_in_scientific_notation_is_read_as_a_number(tmp_path, written, value):
    """``cusum_h: 1e-9`` in ctloop.yaml: PyYAML (YAML 1.1) reads it as the text '1e-9' (it wants a
    point and a signed exponent: 1.0e+9), and the refusal said "expected a number, got '1e-9'" --
    of a number; then it suggested 1.0e9, which PyYAML reads as text too. A float setting reads
    such text as the number it is (YAML 1.2 and JSON do)."""
    from ctloop.ops.spec import load_spec

    (tmp_path / "ctloop.yaml").write_text(f"""apiVersion: ctloop.dev/v1alpha2
kind: ContinuousTraining
models:
  - name: m
    data: {{uri: data.csv, target: y, time_column: ts}}
    gate: {{thresholds: {{roc_auc: 0.5}}}}
    monitoring: {{log_root: logs/, window: 14D, rules: {{cusum_h: {written}}}}}
""")
    rules = load_spec(str(tmp_path / "ctloop.yaml")).models[0].section("monitoring").rules
    assert rules.cusum_h == value


def test_a_row_index_written_into_the_csv_is_named_in_a_warning(tmp_path):
    """Breast cancer written with pandas' default ``to_csv(index=True)``: the unnamed first column
    reads back as ``Unnamed: 0``, the row numbers in time order, and every model learned from it
    without a word (the replay's means moved with it)."""
    breast_cancer().to_csv(tmp_path / "bc.csv")
    frame = pd.read_csv(tmp_path / "bc.csv")
    assert "Unnamed: 0" in frame.columns
    with pytest.warns(UserWarning, match=r"column 'Unnamed: 0' is a row number .*to_csv.*drop it"):
        run_backtest(frame, config(policy="never"))


def test_windows_with_fewer_labels_than_the_realized_rules_need_say_so(recwarn):
    """~56 rows a 14-day window and min_labels 100: the realized rules never judged a window and
    each reason read "no retraining rule fired" alone; the replay warns up front, each window's
    reason says why, and --min-labels (the CLI) lowers the bar."""
    frame = breast_cancer()
    report = run_backtest(frame, config(policy="default"))
    messages = [str(w.message) for w in recwarn.list]
    assert any("fewer than the 100 labelled rows the realized rules need" in m for m in messages), messages
    judged = [w for w in report.windows if w.rule == "none"]
    assert judged and all("realized rules not applied: too few labels (n=" in w.reason for w in judged)

    recwarn.clear()
    lowered = run_backtest(frame, config(policy="default", min_labels=30))
    assert not any("labelled rows the realized rules need" in str(w.message) for w in recwarn.list)
    assert any("no confident loss on" in w.reason for w in lowered.windows if w.rule == "none")


def test_the_cli_takes_min_labels(tmp_path, capsys):
    from ctloop.cli import main

    breast_cancer().to_csv(tmp_path / "bc.csv", index=False)
    argv = ["backtest", "--data", str(tmp_path / "bc.csv"), "--target", "y", "--time-column", "ts",
            "--window", "14D", "--quiet", "--output", str(tmp_path / "out")]
    assert main([*argv, "--min-labels", "30"]) == 0
    report = json.loads((tmp_path / "out" / "backtest.json").read_text())
    assert report["config"]["min_labels"] == 30
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--min-labels", "0"])
    assert exc.value.code == 2 and "--min-labels" in capsys.readouterr().err


def test_a_feature_too_large_to_standardise_is_named():
    """A feature of values near 1e304 (a unit mix-up) made logistic regression's scaler overflow:
    "column 'y' breaks rule 'trainable' ... Input X contains NaN" blamed the label. The training
    core refuses the column by name (the pipeline's train step too), and the replay says that."""
    frame = breast_cancer()
    frame["mean radius"] = frame["mean radius"] * 1e303
    with pytest.raises(DataValidationError) as exc:
        run_backtest(frame, config(policy="always"))
    assert "column 'mean radius' breaks rule 'size'" in str(exc.value) and "'y'" not in str(exc.value)
    # an estimator that does not standardise trains on it
    report = run_backtest(frame, config(policy="never", training=TrainingConfig(estimator="hist_gradient_boosting",
                                                                                seed=0)))
    assert report.mean_metric is not None


@pytest.mark.parametrize("zero", ["0D", "0", "0s", "0.0h"])
def test_a_label_delay_of_zero_is_the_default(zero):
    """The banner says "label delay 0" for the default; --label-delay 0D was refused ("must be at
    least 1s")."""
    cfg = config(label_delay=zero)
    cfg.validate()
    assert cfg.label_delay == ""


def test_a_label_delay_of_zero_in_no_unit_is_still_refused():
    with pytest.raises(ConfigError, match="--label-delay '0xyz' not understood"):
        config(label_delay="0xyz").validate()


def test_scientific_notation_in_ctloop_yaml_is_a_number_everywhere(tmp_path):
    """PyYAML (YAML 1.1) reads 1e-3 as text: a hyperparameter ``C: 1e-3`` reached scikit-learn as
    '1e-3' (TrainingError), a threshold ``roc_auc: 7e-1`` was refused as not a number and
    ``min_labels: 1e2`` as not a whole number (review finding)."""
    from ctloop.ops.spec import load_spec

    (tmp_path / "ctloop.yaml").write_text("""apiVersion: ctloop.dev/v1alpha2
kind: ContinuousTraining
models:
  - name: m
    data: {uri: data.csv, target: y, time_column: ts}
    training: {estimator: logistic_regression, hyperparameters: {C: 1e-3}}
    gate: {thresholds: {roc_auc: 7e-1}}
    monitoring: {log_root: logs/, window: 14D, min_labels: 1e2}
""")
    model = load_spec(str(tmp_path / "ctloop.yaml")).models[0]
    assert model.section("training").hyperparameters == {"C": 0.001}
    assert model.section("gate").thresholds == {"roc_auc": 0.7}
    assert model.section("monitoring").min_labels == 100


def test_min_labels_for_a_policy_that_does_not_read_it_says_so(tmp_path):
    from ctloop.cli import main

    breast_cancer().to_csv(tmp_path / "bc.csv", index=False)
    with pytest.warns(UserWarning, match="--min-labels 30 has no effect: only the default policy's realized rules"):
        assert main(["backtest", "--data", str(tmp_path / "bc.csv"), "--target", "y", "--time-column", "ts",
                     "--window", "30D", "--quiet", "--policy", "never", "--min-labels", "30",
                     "--output", str(tmp_path / "out")]) == 0
