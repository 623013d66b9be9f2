"""Real-shaped data through the backtest and the train/evaluate cores: the time column, feature and
label dtypes and file shapes users send. Each case is a small reproduction of a silent failure found
by replaying such data (the data are built here; no network)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BACKTEST_THRESHOLDS, BacktestConfig, run_backtest
from ctloop.components.prepare import core as prep_core
from ctloop.components.train import core as train_core
from ctloop.config import GateConfig, TrainingConfig
from ctloop.contract import parse_times
from ctloop.errors import DataValidationError


def stream(days: int = 12, rows: int = 120, seed: int = 0) -> pd.DataFrame:
    """``days`` days of ``rows`` rows: ``x`` separates the classes, ``region`` a little, ``noise`` not."""
    rng = np.random.default_rng(seed)
    n = days * rows
    ts = pd.Timestamp("2024-02-26") + pd.to_timedelta(np.sort(rng.random(n)) * days, unit="D")
    x = rng.normal(size=n)
    region = rng.choice(["north", "south", "east"], n)
    y = (2 * x + (region == "north") + rng.logistic(size=n) > 0).astype(int)
    return pd.DataFrame({"ts": ts, "x": x, "noise": rng.normal(size=n), "region": region, "y": y})


def config(**kw) -> BacktestConfig:
    base = dict(target="y", time_column="ts", window="1D", policy="never",
                training=TrainingConfig(estimator="logistic_regression", seed=0),
                gate=GateConfig.from_dict({"bootstrap_rounds": 20, "seed": 0,
                                           "thresholds": BACKTEST_THRESHOLDS["classification"]}))
    return BacktestConfig(**{**base, **kw})


# ------------------------------------------------------------------------------------- time column
@pytest.mark.parametrize("zone", ["EST", "CET", "PDT"])
def test_times_with_a_zone_name_are_refused_not_read_as_utc(zone):
    """``2024-02-29 19:04:22 EST`` (``strftime('%Z')``, a US export, a log's local time): pandas
    2.3.3 drops a zone name it does not know, with a FutureWarning per value ("Dropping unrecognized
    timezones is deprecated; in a future version this will raise", pandas/_libs/tslibs/parsing.pyx
    ``dateutil_parse``; pandas 3 raises), and read every time as UTC: 5 hours off, rows in the
    wrong windows, and thousands of warning lines. Refused naming the column, a value and the zone."""
    frame = stream()
    frame["ts"] = frame["ts"].dt.strftime("%Y-%m-%d %H:%M:%S") + f" {zone}"
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # and no warning per value
        with pytest.raises(DataValidationError) as err:
            run_backtest(frame, config())
    text = str(err.value)
    assert "'ts'" in text and f"{zone}" in text and "offset" in text, text
    assert len(text.splitlines()) <= 2, text


def test_times_with_utc_or_gmt_names_still_read():
    """Guard: the zone names pandas reads (UTC, GMT, Z) stay times."""
    times = pd.Series(["2024-03-01 10:00:00 UTC", "2024-03-01 11:00:00 GMT", "Fri, 01 Mar 2024 12:00:00 GMT"])
    out = parse_times(times, "ts")
    assert out.tolist() == [pd.Timestamp("2024-03-01 10:00"), pd.Timestamp("2024-03-01 11:00"),
                            pd.Timestamp("2024-03-01 12:00")]


def test_prepare_refuses_times_with_a_zone_name():
    """The pipeline's prepare step reads the time column the same way (``parse_times``)."""
    frame = stream()
    frame["ts"] = frame["ts"].dt.strftime("%Y-%m-%d %H:%M:%S EST")
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        with pytest.raises(DataValidationError, match="EST"):
            prep_core.prepare(frame, target="y", time_column="ts", window=None, current_window=None)


# ------------------------------------------------------------------------------------- features
@pytest.mark.parametrize("tz", [None, "UTC"])
def test_a_datetime_feature_left_out_of_the_model_is_said(tz):
    """A second time column (``signup_date``, a Parquet timestamp) is no feature of the model
    (``split_features``: timestamps are not features), and nothing said so: the column was silently
    dropped. A note names it, once per replay."""
    frame = stream()
    frame["signup_date"] = (frame["ts"] - pd.to_timedelta(np.arange(len(frame)) % 90, unit="D")).dt.tz_localize(tz)
    with pytest.warns(UserWarning, match="signup_date") as caught:
        result = train_core.fit(frame, target="y", estimator="logistic_regression", exclude=("ts",))
    assert "signup_date" not in result.meta["features"]
    assert any("signup_date" in note for note in result.meta["notes"])
    assert not any("'ts'" in str(w.message) for w in caught)  # the event time is no feature by design
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        run_backtest(frame, config(policy="always"))
    assert sum("signup_date" in str(w.message) for w in seen) == 1


def test_the_replays_drift_ignores_a_datetime_column_the_model_ignores():
    """The replay's drift read every column but the target and the time: a ``signup_date`` (a
    timestamp the model leaves out) moved every window, so its drift share counted a column no
    model used and the drift policy retrained on it. It reads the model's features now, as
    monitoring reads the champion's ``features``."""
    frame = stream()
    with_date = frame.assign(signup_date=frame["ts"] - pd.Timedelta("3D"))
    plain = run_backtest(frame, config(policy="drift"))
    dated = run_backtest(with_date, config(policy="drift"))
    assert [w.drift_share for w in dated.windows] == [w.drift_share for w in plain.windows]
    assert dated.retrains == plain.retrains


def test_a_model_that_learned_nothing_is_said():
    """A country code (200 countries, 15 rows each in a training window, the label mostly set by
    the country: World Bank fertility by country and year) and hist_gradient_boosting's
    min_samples_leaf 40: no one-hot column of a country can be split on, the model gives every row
    the same probability (ROC AUC 0.5 in every window of the replay) and nothing said why. A note
    says the model learned nothing and names the column whose categories are too rare to split on."""
    rng = np.random.default_rng(0)
    countries = np.repeat([f"C{i:03d}" for i in range(200)], 15)
    high = {c: rng.random() < 0.6 for c in np.unique(countries)}
    y = np.array([high[c] if rng.random() < 0.9 else not high[c] for c in countries])
    frame = pd.DataFrame({"country": countries, "y": np.where(y, "yes", "no")})
    with pytest.warns(UserWarning, match="same prediction") as caught:
        result = train_core.fit(frame, target="y")  # the default estimator
    said = " ".join(str(w.message) for w in caught)
    assert "'country'" in said and "min_samples_leaf" in said, said
    assert any("same prediction" in note for note in result.meta["notes"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a model that learns says nothing
        train_core.fit(frame, target="y", estimator="logistic_regression")


@pytest.mark.parametrize("dtype", ["Int64", "Float64"])
def test_gate_slices_a_nullable_number_column_with_gaps(dtype):
    """gate.slice_column on a nullable number column with gaps (pandas' Int64/Float64, as a Parquet
    file written from them reads back): ``column == value`` holds pd.NA in the gaps and the gate
    crashed with "TypeError: int() argument must be ... not 'NAType'" at every retrain. A gap is
    in no slice, as NaN is."""
    frame = stream()
    frame["store"] = pd.array(np.arange(len(frame)) % 3, dtype=dtype)
    frame.loc[frame.index % 11 == 0, "store"] = pd.NA
    gate = GateConfig.from_dict({"bootstrap_rounds": 20, "seed": 0, "thresholds": {"roc_auc": 0.5},
                                 "slice_column": "store"})
    report = run_backtest(frame, config(policy="always", gate=gate))
    assert report.retrains >= 1
    assert any("worst slice store=" in w.reason for w in report.windows if w.retrained), report.windows[-1].reason


def searched_fit(frame: pd.DataFrame):
    """train core's fit with a 3-iteration search on ``frame`` (its time column left out): the
    result and every warning raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = train_core.fit(frame.drop(columns=["ts"]), target="y", estimator="logistic_regression",
                                search_iterations=3)
    return result, caught


# ------------------------------------------------------------------------------------- labels
def test_search_scores_folds_without_a_late_class():
    """A class that appears only in the newest rows (a new product line, a new fault code) and
    training.search_iterations: the time-ordered folds' models do not know it, scikit-learn's
    neg_log_loss failed on every fold ("y_true and y_pred contain different number of classes"),
    every candidate scored NaN, and the search kept an arbitrary one, with a traceback in a warning
    per fold. The folds are scored over all the training classes (an unknown class's probability
    is 0 to that fold's model, the same for every candidate)."""
    frame = stream()
    late = (frame.index > 2 * len(frame) // 3) & (frame["noise"] > 1)
    frame["y"] = np.where(late, "new", frame["y"].map({0: "no", 1: "yes"}))
    result, caught = searched_fit(frame)
    assert np.isfinite(result.metrics["cv_score"]), result.metrics
    assert not [w for w in caught if "Scoring failed" in str(w.message) or "non-finite" in str(w.message)]
    assert result.meta["classes"] == ["new", "no", "yes"]


@pytest.mark.parametrize("freq", ["h", "D"])
def test_a_period_time_column_is_read_as_its_start(freq):
    """A time column of pandas Periods (``.dt.to_period('h')``, a Parquet file written from them)
    was refused with "expected datetime, got values like ['2024-03-01 00:00', ...]": values that
    read as times. A period is read as its start, as its text ('2024-03-01 00:00') reads."""
    frame = stream()
    periods = frame.assign(ts=frame["ts"].dt.to_period(freq))
    starts = frame.assign(ts=frame["ts"].dt.floor(freq))
    assert parse_times(periods["ts"], "ts").tolist() == starts["ts"].tolist()
    assert run_backtest(periods, config()).mean_metric == run_backtest(starts, config()).mean_metric


def test_decimal_amounts_of_a_frame_are_numbers():
    """A frame's column of ``decimal.Decimal`` values (``pd.read_sql`` of a NUMERIC column, a
    warehouse client): read_table turns a Parquet DECIMAL column into floats, but a frame passed to
    the backtest or train core kept the objects and each amount became a one-hot category (ROC AUC
    0.58 instead of 0.34 on the same numbers), silently. Read as floats, as the file is."""
    from decimal import Decimal

    frame = stream()
    as_float = frame.assign(x=frame["x"].round(2))
    as_decimal = frame.assign(x=[Decimal(f"{v:.2f}") for v in frame["x"]])
    fitted = train_core.fit(as_decimal, target="y", estimator="logistic_regression", exclude=("ts",))
    assert "x" in fitted.meta["numeric"]
    assert run_backtest(as_decimal, config()).mean_metric == run_backtest(as_float, config()).mean_metric
    target = as_float.assign(y=[Decimal(f"{v:.3f}") for v in frame["noise"]])  # a regression target too
    assert train_core.fit(target, target="y", task="regression", estimator="linear_regression",
                          exclude=("ts",)).meta["task"] == "regression"


def test_search_leaves_out_folds_with_a_single_class():
    """Binary labels whose positives start some way into the training rows (a fraud label introduced
    mid-period) and training.search_iterations: the first time-ordered fold trains on one class, its
    fit fails for every candidate, every candidate's mean score is NaN and the search keeps an
    arbitrary one (cv_score NaN, "3 fits failed" in a warning). The search uses the folds whose
    training and test rows hold two classes, and says how many."""
    frame = stream()
    frame.loc[frame.index < 0.3 * len(frame), "y"] = 0
    result, caught = searched_fit(frame)
    assert np.isfinite(result.metrics["cv_score"]), result.metrics
    assert not [w for w in caught if "fits failed" in str(w.message) or "non-finite" in str(w.message)]
    assert any("2 of 3 time-ordered folds" in note for note in result.meta["notes"]), result.meta["notes"]


# ------------------------------------------------------------------------------------- files
def test_prepare_refuses_a_parquet_list_column_naming_it(tmp_path):
    """A Parquet list column (tags per row; pandas reads each as a NumPy array) crashed prepare_data
    with "TypeError: unhashable type: 'numpy.ndarray'" (its duplicate-row check), a traceback
    naming nothing. Refused naming the column, as train core and the backtest refuse it."""
    from ctloop.storage import read_table

    frame = stream()
    frame["tags"] = [["new", "web"] if i % 2 else ["app"] for i in range(len(frame))]
    path = tmp_path / "events.parquet"
    frame.to_parquet(path)
    loaded = read_table(str(path))
    with pytest.raises(DataValidationError, match="'tags'.*nested"):
        prep_core.prepare(loaded, target="y", time_column="ts", window=None, current_window=None)


def test_a_float32_regression_target_raises_no_overflow_warning():
    """A float32 target (a Parquet FLOAT column): the magnitude check compared it with 1e150 in
    float32, and every replay and fit printed "RuntimeWarning: overflow encountered in cast"."""
    frame = stream().assign(y=lambda f: (10 * f["x"]).astype("float32"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        train_core.check_regression_target(frame["y"], "y")
        train_core.fit(frame, target="y", task="regression", estimator="linear_regression", exclude=("ts",))


def test_a_regression_target_of_numbers_as_text_names_a_value():
    """Numbers stored as text (a Parquet string column of amounts) were refused with "regression
    needs a numeric target, got object": no value, no fix. The refusal shows one and says what to do."""
    frame = stream().assign(y=lambda f: (10 * f["x"]).map(lambda v: f"{v:.2f}"))
    with pytest.raises(DataValidationError, match=r"'y'.*text.*e\.g\. '") as err:
        train_core.check_regression_target(frame["y"], "y")
    assert "got object" not in str(err.value)


def test_gate_matches_a_champions_int_classes_with_a_challengers_float_classes():
    """The champion trained on a window whose labels had no gap (int64 0/1), the challenger on one
    with a gap (the column reads as float64: classes 0.0/1.0). The gate matched classes as text
    ('0' is not '0.0'): the holdout's labels were "labels the challenger never saw: 0, 1", the
    champion's probabilities sat in columns no label matched, precision/recall/F1 were macro means
    over four classes and the comparison with the champion was wrong (delta +0.39 for +0.72). The
    classes are matched by value, as the metrics match labels."""
    from ctloop.components.evaluate import core as eval_core

    frame = stream(days=16).drop(columns=["ts"])
    old, new, holdout = frame.iloc[:700], frame.iloc[700:1400].copy(), frame.iloc[1400:]
    new["y"] = new["y"].astype(float)
    new.loc[new.index[::9], "y"] = np.nan
    champion = train_core.fit(old, target="y", estimator="logistic_regression").model
    challenger = train_core.fit(new, target="y", estimator="logistic_regression").model
    assert list(champion.classes_) == [0, 1] and list(challenger.classes_) == [0.0, 1.0]
    gate = GateConfig.from_dict({"bootstrap_rounds": 50, "seed": 0, "thresholds": {"roc_auc": 0.5}})
    mixed = eval_core.run(challenger, holdout, gate, target="y", task="classification", champion=champion)
    same = eval_core.run(challenger, holdout, gate, target="y", task="classification",
                         champion=train_core.fit(old.astype({"y": float}), target="y",
                                                 estimator="logistic_regression").model)
    assert "never saw" not in mixed.reason, mixed.reason
    assert mixed.challenger_metrics == same.challenger_metrics
    assert mixed.reason == same.reason
