"""What the backtest refuses up front, and what it reads as the prepare core does (issue 13):
the replay's window count, the gate's metric names, and the event-time column (mixed offsets
are UTC, unparseable values are named)."""

import re

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import MAX_WINDOWS, BacktestConfig, run_backtest
from ctloop.config import GateConfig, TrainingConfig
from ctloop.errors import ConfigError, DataValidationError
from ctloop.synthetic import make_credit_data


def frame(rows: int = 400, days: float = 4.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.random(rows)) * days, unit="D")
    a = rng.normal(size=rows)
    return pd.DataFrame({"ts": ts, "a": a, "b": rng.normal(size=rows),
                         "y": (a + rng.normal(0, 0.7, rows) > 0).astype(int)})


def config(**kw) -> BacktestConfig:
    base = dict(target="y", time_column="ts", window="1D", train_window="1D", policy="never",
                training=TrainingConfig(estimator="logistic_regression", seed=0),
                gate=GateConfig.from_dict({"bootstrap_rounds": 20, "seed": 0, "thresholds": {"roc_auc": 0.5}}))
    return BacktestConfig(**{**base, **kw})


def test_more_windows_than_rows_is_refused_with_a_window_that_fits():
    """The window suggested is fewer windows than rows and holds MIN_SCORE_ROWS rows at the median:
    15min (fewer windows than rows, a row or two each) was refused next as a window none of which is
    scored."""
    data = frame(rows=400, days=4)  # 1min windows: 5,700+ windows for 400 rows
    with pytest.raises(ConfigError, match=r"^--window 1min gives 5,7\d\d windows over .* for 400 rows \(more "
                                          r"windows than rows\): choose a window of at least \d+h$") as refused:
        run_backtest(data, config(window="1min"))
    window = str(refused.value).rsplit(" ", 1)[1]
    report = run_backtest(data, config(window=window, train_window="1D"))  # the suggestion is accepted
    assert len(report.windows) <= 400 and report.mean_metric is not None


def test_one_row_over_several_windows_is_refused_not_a_division_by_zero():
    import numpy as np
    import pandas as pd

    from ctloop.backtest import _check_window_count

    start = pd.Timestamp("2026-01-01T12:30:00")
    times = np.array([np.datetime64(start + pd.Timedelta("45s"))])
    with pytest.raises(ConfigError, match=r"for 1 rows \(more windows than rows\): choose a window of at least 45s"):
        _check_window_count("30s", pd.Timedelta("30s"), start, start + pd.Timedelta("45s"), times)


def test_more_than_max_windows_is_refused():
    data = frame(rows=MAX_WINDOWS + 1000, days=30)  # 11,000 rows in 30 days: 30 rows in about 2h
    with pytest.raises(ConfigError, match=rf"--window 1s gives 2,5\d\d,\d\d\d windows .* \(more than "
                                          rf"{MAX_WINDOWS:,}\): choose a window of at least 2h$"):
        run_backtest(data, config(window="1s"))


def test_unknown_gate_metric_is_refused_before_the_replay():
    cfg = config(gate=GateConfig.from_dict({"thresholds": {"rocauc": 0.7}}))
    with pytest.raises(ConfigError, match=r"gate.thresholds.rocauc: not a classification metric; did you mean "
                                          r"'roc_auc'\?"):
        cfg.validate()


def test_mixed_offsets_are_read_as_utc_like_the_prepare_core():
    """Offsets differ from row to row (and some rows have none: UTC): the same replay as on the
    UTC times (was ``TypeError: Cannot compare tz-naive and tz-aware`` from ``pd.to_datetime``)."""
    data = frame()
    utc = data["ts"]
    mixed = data.assign(ts=[(t + pd.Timedelta(hours=2)).isoformat() + "+02:00" if i % 3 == 0 else
                            t.isoformat() + ("Z" if i % 3 == 1 else "") for i, t in enumerate(utc)])
    expected, got = run_backtest(data, config()), run_backtest(mixed, config())
    assert [(w.start, w.rows, w.metric) for w in got.windows] == [(w.start, w.rows, w.metric) for w in expected.windows]
    assert got.mean_metric == expected.mean_metric


def test_unparseable_times_name_the_column_and_the_values():
    data = frame().astype({"ts": str})
    data.loc[7, "ts"] = "not a date"
    with pytest.raises(DataValidationError, match=r"column 'ts' breaks rule 'dtype' in 1 row\(s\): expected "
                                                  r"datetime, got values like \['not a date'\]"):
        run_backtest(data, config())


@pytest.mark.parametrize("rows", [0, -5])
def test_synthetic_data_needs_at_least_one_row(rows):
    with pytest.raises(ConfigError, match=rf"n_rows must be a whole number >= 1, got {rows}"):
        make_credit_data(n_rows=rows)


def test_rows_without_an_event_time_are_left_out_not_an_index_error():
    """A null in the time column (an empty CSV cell) was sorted past the last window's edge:
    ``IndexError: index 6 is out of bounds`` from the labels' window ends. prepare_data leaves
    such rows out (no window selects them); the backtest replays the others and says so."""
    data = frame()
    untimed = data.copy()
    untimed.loc[[3, 200], "ts"] = pd.NaT
    said: list[str] = []
    report = run_backtest(untimed, config(), progress=said.append)
    assert sum(w.rows for w in report.windows) == len(data) - 2
    assert "2 row(s) without a 'ts' value left out (no window to replay them in)" in said


@pytest.mark.parametrize("column", ["a", "y"])
def test_infinite_values_are_refused_naming_the_column_as_the_prepare_core_does(column):
    """inf in a feature or a regression target after the initial model: refused up front with the
    column, as prepare_data's check_finite refuses it. Was: the champion's predictions raised
    ``ValueError: Input X contains infinity`` (a traceback) and an inf target replayed silently."""
    data = frame().astype({column: float})
    data.loc[[300, 399], column] = [np.inf, -np.inf]  # after the initial model
    task = "regression" if column == "y" else "classification"
    gate = GateConfig.from_dict({"bootstrap_rounds": 20, "thresholds": {"rmse": 10.0}}) if column == "y" else None
    cfg = config(training=TrainingConfig(task=task, estimator="linear_regression" if column == "y"
                                         else "logistic_regression"), **({"gate": gate} if gate else {}))
    with pytest.raises(DataValidationError, match=rf"^data contract violated \(1 rule\(s\)\): column '{column}' "
                                                  r"breaks rule 'finite' in 2 row\(s\): infinite values"):
        run_backtest(data, cfg)


def test_day_first_dates_keep_their_order_as_the_prepare_core_reads_them():
    """``dd/mm/yyyy`` times: pandas' mixed parsing read ``03/02`` month first and ``13/02`` day
    first, so the rows were silently out of order (pandas 2.3.3, ``to_datetime(format="mixed")``).
    A first number above 12 says day first; the replay equals the one on the ISO times."""
    data = frame(rows=800, days=20)  # 40 rows a day: windows that are scored
    day_first = data.assign(ts=data["ts"].dt.strftime("%d/%m/%Y %H:%M:%S.%f"))
    expected, got = run_backtest(data, config()), run_backtest(day_first, config())
    assert [(w.start, w.rows, w.metric) for w in got.windows] == [(w.start, w.rows, w.metric) for w in expected.windows]


def test_dates_written_day_first_and_month_first_are_refused_naming_both():
    data = frame().astype({"ts": str})
    data.loc[3, "ts"], data.loc[8, "ts"] = "13/01/2024 10:00", "01/13/2024 11:00"
    with pytest.raises(DataValidationError, match=r"column 'ts' breaks rule 'date_order' in 400 row\(s\): dates "
                                                  r"written day first \(like '13/01/2024 10:00'\) and month first "
                                                  r"\(like '01/13/2024 11:00'\)"):
        run_backtest(data, config())


def test_a_comparison_with_no_scored_window_plots_without_a_warning(tmp_path):
    """The replayed windows hold one class (roc_auc undefined): every policy replays, none scores.
    The plot said matplotlib's "No artists with labels found to put in legend" on stderr. (Was 100
    rows in 1D windows, fewer than MIN_SCORE_ROWS each: now refused up front, no window is left.)"""
    import warnings

    from ctloop.backtest import compare, write_comparison

    data = frame()
    data.loc[data["ts"] >= pd.Timestamp("2024-01-03"), "y"] = 1
    reports = compare(data, config(), ["never", "always"])
    assert all(r.mean_metric is None for r in reports.values())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_comparison(reports, tmp_path)
    assert (tmp_path / "compare.png").stat().st_size > 0


def test_a_target_that_is_the_time_column_is_refused_up_front():
    """Was a replay that ended in 'no window can train an initial model: 400 labelled rows in the
    training window (< 10000)' (every time a class)."""
    with pytest.raises(ConfigError, match=r"^--target and --time-column name the same column 'ts'"):
        run_backtest(frame(), config(target="ts"))


def test_a_continuous_target_replayed_as_classification_suggests_regression():
    """Was 'no window can train an initial model: 400 labelled rows in the training window
    (< 10000)': every value a class."""
    data = frame().assign(y=lambda d: d["a"] * 3.5)
    with pytest.raises(DataValidationError, match=r"column 'y' breaks rule 'classes' in 400 row\(s\): 400 classes, "
                                                  r"values like .* that are not whole numbers: a regression target\? "
                                                  r"pass --task regression"):
        run_backtest(data, config())


def test_labels_that_arrive_after_the_replay_ends_are_named_with_the_label_delay():
    """Was 'no window can train an initial model: no initial model yet: 0 labelled rows in the
    training window (< 100)', not a word of the delay that held every label back."""
    with pytest.raises(DataValidationError, match=r"with --label-delay 500D the labels of 400 of 400 rows arrive "
                                                  r"after the last window ends \(2024-01-05"):
        run_backtest(frame(), config(label_delay="500D"))
    # a delay the stream can carry replays
    assert run_backtest(frame(rows=1200, days=8), config(label_delay="1D", min_train_rows=100)).windows


def test_a_frame_holding_pandas_na_replays_as_the_same_table_read_from_a_file():
    """A notebook's frame with pandas' nullable dtypes (``string``, ``boolean``, ``Int64``) or an
    object column holding ``pd.NA``, passed straight to ``run_backtest``: scikit-learn's imputers
    compared ``pd.NA`` with itself ("TypeError: boolean value of NA is ambiguous",
    sklearn/utils/fixes.py ``_object_dtype_isnan``, scikit-learn 1.9.1) at the first fit. Read
    from a Parquet file the same table already worked (``storage.read_table``); it replays the
    same windows either way."""
    data = frame()
    rng = np.random.default_rng(1)
    plain = data.assign(s=rng.choice(np.array(["p", "q", np.nan], dtype=object), len(data)),  # as a CSV reads
                        k=np.where(rng.random(len(data)) < 0.2, np.nan, rng.integers(0, 3, len(data))))
    nullable = plain.assign(s=pd.array(plain["s"], dtype="string"), k=pd.array(plain["k"], dtype="Int64"),
                            o=plain["s"].where(plain["s"].notna(), pd.NA),
                            f=pd.array(np.where(plain["s"].isna(), None, plain["a"] > 0), dtype="boolean"))
    flags = pd.Series(plain["a"] > 0, dtype=object)  # True/False/empty cells: a CSV reads them as object
    expected = plain.assign(o=plain["s"], f=flags.where(plain["s"].notna(), np.nan))
    got, want = run_backtest(nullable, config(policy="always")), run_backtest(expected, config(policy="always"))
    assert [w.metric for w in got.windows] == [w.metric for w in want.windows]
    assert sum(w.retrained for w in got.windows) == 3


def test_true_false_feature_columns_are_replayed_not_an_imputer_error():
    """Feature columns of dtype bool (river's Mixed generator: two booleans and two uniforms; a
    pandas table read with True/False cells) trained nothing: the categorical SimpleImputer
    refuses dtype bool ("SimpleImputer does not support data with dtype bool", scikit-learn
    1.x ``sklearn/impute/_base.py`` ``_validate_input``), so every window failed and the backtest
    blamed the target (rule 'trainable'). They are categories and are learned as such."""
    rng = np.random.default_rng(3)
    data = frame(rows=600, days=3, seed=3)
    v, w = rng.random(600) < 0.5, rng.random(600) < 0.5
    data = data.assign(v=v, w=w, y=((v & w) | (v & (data["a"] > 0))).astype(int))
    cfg = config(policy="always", training=TrainingConfig(seed=0))  # the default estimator, as the benchmark
    report = run_backtest(data, cfg)
    assert report.retrains == 2 and [w.rows for w in report.windows][1:] == [len(g) for _, g in
                                                                            data.groupby(data["ts"].dt.floor("D"))][1:]
    assert report.mean_metric > 0.9  # v and w carry the concept: the model reads them


@pytest.mark.parametrize("token, rows", [("bad", slice(200, None)), ("?", [3, 77, 150])])
def test_a_number_column_holding_a_few_words_is_named_not_read_as_categories(tmp_path, token, rows):
    """A CSV feature of numbers with a word in some rows ('?' as UCI data marks a gap, or a system
    writing 'bad' from some date on) is read by pandas as text: each number became a category the
    one-hot encoder drops as too rare, the model learnt nothing from the column, and the replay said
    nothing (ROC AUC as if the column were absent). It is refused naming the column and the word."""
    data = frame()
    data["a"] = data["a"].round(3).astype(object)
    data.loc[data.index[rows], "a"] = token
    data.to_csv(tmp_path / "d.csv", index=False)
    read = pd.read_csv(tmp_path / "d.csv", parse_dates=["ts"])
    with pytest.raises(DataValidationError, match=rf"column 'a' breaks rule 'dtype' in \d+ row\(s\): numbers in \d+ "
                                                  rf"rows but text in the others \(e\.g\. '{re.escape(token)}'\)"):
        run_backtest(read, config())
    # text that only looks like numbers in places is text: a few number-like codes, or many words
    codes = frame().assign(a=np.where(np.arange(400) % 3 == 0, "4+", np.arange(400) % 3).astype(str))
    assert run_backtest(codes, config()).mean_metric is not None
