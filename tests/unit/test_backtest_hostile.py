"""The second sweep of hostile, real-shaped data through the backtest (issue 14, item 4): each case
is a small reproduction of a crash or a silently wrong replay found by replaying such streams
through ``ctloop backtest --compare never,always,default``."""

import re

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import run_backtest
from ctloop.config import GateConfig, TrainingConfig
from ctloop.errors import ConfigError, DataSourceError, DataValidationError
from tests.unit.test_backtest_inputs import config, frame  # the same small stream and replay


@pytest.mark.parametrize("when, side", [("2204-01-02", "after"), ("1924-01-02", "before")])
def test_a_row_with_a_typo_year_is_named_not_replayed_as_thousands_of_empty_windows(when, side):
    """One row dated 2204 (a typo for 2024) in a 4-day stream: with 30D windows the replay was 2,200
    windows, the first holding the data, every other one empty: exit 0, every policy "mean n/a",
    nothing said. The stray rows are named with the gap that separates them from the rest."""
    data = frame()
    data.loc[150, "ts"] = pd.Timestamp(when)
    with pytest.raises(DataValidationError, match=rf"column 'ts' breaks rule 'time_gap' in 1 row\(s\): 1 row\(s\) "
                                                  rf"at {when} .* lie .* {side} the other 399 rows \(2024-01-01 .* "
                                                  r"2024-01-0\d .*\): a typo in the time\? fix or drop them"):
        run_backtest(data, config(window="30D"))


def test_a_gap_with_many_rows_on_both_sides_is_replayed():
    """A sensor outage (no rows for weeks between two busy spells) is real data: replayed, the empty
    windows skipped with their reason."""
    data = frame()
    data.loc[data.index >= 250, "ts"] += pd.Timedelta(days=8)
    report = run_backtest(data, config())
    assert sum(w.rows for w in report.windows) == 400
    assert any("no rows" in w.reason for w in report.windows)


def test_rows_all_at_one_time_say_so_not_choose_a_shorter_window():
    """Every row at the same time: there is no order to replay. Was "choose a shorter window",
    which no window satisfies."""
    data = frame().assign(ts=pd.Timestamp("2024-05-05 10:00"))
    with pytest.raises(DataValidationError, match=r"column 'ts' breaks rule 'time_span' in 400 row\(s\): every row "
                                                  r"has the same time 2024-05-05 10:00:00: nothing to replay"):
        run_backtest(data, config())
    with pytest.raises(ConfigError, match="choose a shorter window"):  # a real span: the window is the problem
        run_backtest(frame(), config(window="30D"))


def test_a_regression_target_with_text_names_the_values_up_front():
    """A regression target with one text cell ('oops' among 400 numbers, as a CSV reads it: an
    object column). Was the initial model's error wrapped in 'no window can train an initial model:
    ... breaks rule 'dtype' in 250 row(s): regression needs a numeric target, got object': the rows
    of the first training window, not the bad value."""
    data = frame().astype({"y": object})
    data.loc[7, "y"] = "oops"
    cfg = config(training=TrainingConfig(task="regression", estimator="linear_regression"),
                 gate=GateConfig.from_dict({"bootstrap_rounds": 20, "thresholds": {"rmse": 10.0}}))
    with pytest.raises(DataValidationError, match=r"^data contract violated \(1 rule\(s\)\): column 'y' breaks rule "
                                                  r"'dtype' in 1 row\(s\): regression needs a numeric target, got "
                                                  r"values like \['oops'\]$"):
        run_backtest(data, cfg)


def test_rows_without_a_label_are_counted_not_dropped_without_a_word():
    """20 % of the rows have no target value: they were left out of every window without a word
    (the rows without a time are named)."""
    data = frame().astype({"y": float})
    data.loc[data.index % 5 == 0, "y"] = np.nan
    said: list[str] = []
    report = run_backtest(data, config(), progress=said.append)
    assert sum(w.rows for w in report.windows) == 320
    assert "80 row(s) without a 'y' value left out (no label to score or train on)" in said


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_a_csv_separated_by_another_character_is_named_when_read(tmp_path, sep):
    """A CSV written with ';' (a European spreadsheet's export) reads as one column 'ts;a;b;y', and
    the backtest said "column 'y' is missing from the data". The reader names the separator."""
    from ctloop.errors import DataSourceError
    from ctloop.storage import read_table

    path = tmp_path / "semi.csv"
    frame(rows=20).to_csv(path, index=False, sep=sep)
    header = sep.join(["ts", "a", "b", "y"])
    with pytest.raises(DataSourceError, match=re.escape(f"semi.csv has one column {header!r}: a CSV separated by "
                                                        f"{sep!r}? ctloop reads comma-separated CSV: write it with ',' "
                                                        "or as Parquet")):
        read_table(str(path))
    pd.DataFrame({"only": ["a;b", "c"]}).to_csv(path, index=False)  # one real column: read as it is
    assert list(read_table(str(path)).columns) == ["only"]


@pytest.mark.parametrize("copy", [lambda y: y, lambda y: y.map({0: False, 1: True}), lambda y: y.astype(float)])
def test_a_feature_that_is_a_copy_of_the_target_is_named_not_a_perfect_replay(copy):
    """A warehouse export with the label twice ('y' and 'y_copy', or the label as bool/float):
    every policy replayed a roc_auc of 1.0 and exit 0, nothing said. The copy is named up front by
    the train core's check, which fit runs on every training window too."""
    from ctloop.components.train import core as train_core

    data = frame().assign(y_copy=lambda d: copy(d["y"]))
    with pytest.raises(DataValidationError, match=r"^data contract violated \(1 rule\(s\)\): column 'y_copy' breaks "
                                                  r"rule 'target_copy' in 400 row\(s\): equals the target 'y' in every "
                                                  r"row \(a leak: the label itself\): drop it from the features$"):
        run_backtest(data, config())
    with pytest.raises(DataValidationError, match="column 'y_copy' breaks rule 'target_copy'"):
        train_core.fit(data.drop(columns=["ts"]), target="y", estimator="logistic_regression")
    almost = data.assign(y_copy=np.where(data.index == 3, 1 - data["y"], data["y"]))  # a feature, not a copy
    assert run_backtest(almost, config()).windows


def test_labels_written_two_ways_are_named_not_learned_as_four_classes():
    """'Yes'/'yes'/'No'/'no ' in one label column (a warehouse export that joined two sources): the
    replay learned four classes and scored a multiclass roc_auc of 0.76 where the data carry 0.89,
    exit 0, nothing said."""
    from ctloop.components.train import core as train_core

    data = frame()
    data["y"] = [("Yes" if i % 3 else "yes") if v else ("No" if i % 2 else "no ") for i, v in enumerate(data["y"])]
    with pytest.raises(DataValidationError, match=r"^data contract violated \(1 rule\(s\)\): column 'y' breaks rule "
                                                  r"'labels' in \d+ row\(s\): classes written more than one way "
                                                  r"\('No' and 'no '; 'Yes' and 'yes'\): write each class one way$"):
        run_backtest(data, config())
    with pytest.raises(DataValidationError, match="rule 'labels'"):
        train_core.fit(data.drop(columns=["ts"]), target="y", estimator="logistic_regression")
    data["y"] = data["y"].str.strip().str.lower()
    assert run_backtest(data, config()).mean_metric > 0.8


@pytest.mark.parametrize("fmt", ["%d.%m.%Y %H:%M", "%d.%m.%y", "%m/%d/%Y %H:%M"])
def test_dates_without_a_day_above_12_read_by_their_separators_convention(fmt):
    """``05.01.2024`` (a German export) in a stream of January's first ten days: no day above 12
    says which number is the day, and pandas read them month first (May 1st): 275 windows, 260
    empty, exit 0 (pandas 2.3.3 ``to_datetime(format="mixed")``). Dates written with dots are
    read day first, the convention wherever dots are written; with slashes month first, as before
    (a US export of the same days read right, and must not be refused: the prepare step reads a
    day's batch through the same function)."""
    from ctloop.contract import parse_times

    data = frame(days=9.5)
    written = data["ts"].dt.strftime(fmt)
    expected = data["ts"].dt.floor("D") if "%H" not in fmt else data["ts"].dt.floor("min")
    assert parse_times(written, "ts").tolist() == expected.tolist()
    report = run_backtest(data.assign(ts=written), config())
    assert len(report.windows) == 10, len(report.windows)


def test_dates_written_both_ways_are_still_refused():
    from ctloop.contract import parse_times

    with pytest.raises(DataValidationError, match="rule 'date_order'.*day first .*'13.02.2025'.* month first "
                                                  ".*'02.13.2025'"):
        parse_times(pd.Series(["13.02.2025", "02.13.2025"]), "ts")


def test_a_target_with_one_fraction_names_that_value_not_a_whole_one():
    """0.0/1.0 labels with one 0.5: the message said "values like np.float64(0.0) that are not
    whole numbers" (the first row, a whole number)."""
    data = frame().astype({"y": float})
    data.loc[9, "y"] = 0.5
    with pytest.raises(DataValidationError, match=r"column 'y' breaks rule 'classes' in 1 row\(s\): 3 classes, values "
                                                  r"like 0.5 that are not whole numbers: a regression target\? pass "
                                                  r"--task regression"):
        run_backtest(data, config())


def test_a_training_note_is_shown_once_per_replay_not_at_every_retrain():
    """An all-empty feature column: train core's note ("have no value in any training row") was
    printed (two stderr lines) at every retrain of the replay: 1,400 lines for a 700-window
    replay under always. Other libraries' ``catch_warnings`` blocks reset Python's once-per-caller
    record, so the replay shows each note text once itself."""
    import warnings

    data = frame(rows=1200, days=6).assign(empty=np.nan)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")
        report = run_backtest(data, config(policy="always"))
    notes = [w for w in seen if "have no value in any training row" in str(w.message)]
    assert report.retrains == 5 and len(notes) == 1


def test_a_target_with_one_class_in_every_row_is_named_up_front():
    """Was "no window can train an initial model: no initial model yet: a single class np.int64(1)
    in the training window": as if a longer window could help."""
    with pytest.raises(DataValidationError, match=r"^data contract violated \(1 rule\(s\)\): column 'y' breaks rule "
                                                  r"'classes' in 400 row\(s\): one class \(1\) in every row: a "
                                                  r"classifier needs two; check the labels$"):
        run_backtest(frame().assign(y=1), config())


def test_a_notebook_frame_with_duplicate_or_non_text_column_names_is_refused_naming_them():
    """A frame passed straight to ``run_backtest`` (a CSV renames duplicates 'a.1'; Parquet has
    text names): duplicate names crashed with pandas' "The truth value of a Series is ambiguous",
    number names with scikit-learn's "Feature names are only supported if all input features have
    string names"."""
    data = frame()
    data.columns = ["ts", "a", "a", "y"]
    with pytest.raises(DataSourceError, match=r"^2 columns are named 'a' \(columns 2 and 3\): rename them$"):
        run_backtest(data, config())
    with pytest.raises(DataSourceError, match=r"^column name 0 \(column 3\) is not text \(int\): name the columns "
                                              r"with text$"):
        run_backtest(frame().assign(**{"b": 1.0}).rename(columns={"b": 0}), config())


def test_a_time_column_that_is_also_the_index_replays():
    """``frame.set_index('ts')`` with the column kept (a notebook habit): crashed with pandas'
    "'ts' is both an index level and a column label, which is ambiguous". The index is not data."""
    data = frame()
    indexed = data.set_index(pd.Index(data["ts"], name="ts"))
    got, want = run_backtest(indexed, config()), run_backtest(data, config())
    assert [(w.start, w.rows, w.metric) for w in got.windows] == [(w.start, w.rows, w.metric) for w in want.windows]


def test_labels_mixing_text_and_numbers_are_named_not_a_sorting_type_error():
    """Labels 1 and 'one' in one object column (a notebook's frame; a CSV reads both as text):
    crashed in train core with "'<' not supported between instances of 'int' and 'str'"."""
    from ctloop.components.train import core as train_core

    data = frame().assign(y=lambda d: [1 if v else "one" for v in d["y"]])
    message = r"column 'y' breaks rule 'labels' in \d+ row\(s\): labels mix text and other values \(e\.g\. 'one' and 1\)"
    with pytest.raises(DataValidationError, match=message):
        run_backtest(data, config())
    with pytest.raises(DataValidationError, match=message):
        train_core.fit(data.drop(columns=["ts"]), target="y", estimator="logistic_regression")


def test_a_duration_column_from_parquet_is_named_not_an_imputer_error(tmp_path):
    """A warehouse INTERVAL exported to Parquet (a duration column: pandas timedelta64): every
    window failed with scikit-learn's "SimpleImputer does not support data with dtype
    timedelta64[ns]" (sklearn/impute/_base.py, scikit-learn 1.x), the column not named."""
    from ctloop.components.train import core as train_core
    from ctloop.storage import read_table

    path = tmp_path / "calls.parquet"
    frame().assign(wait=lambda d: pd.to_timedelta(d["b"].abs() * 60, unit="s")).to_parquet(path)
    data = read_table(str(path))
    message = (r"column 'wait' breaks rule 'dtype' in 400 row\(s\): a duration \(timedelta64\[ns\]\): write it as a "
               r"number \(e\.g\. seconds\)")
    with pytest.raises(DataValidationError, match=message):
        run_backtest(data, config())
    with pytest.raises(DataValidationError, match=message):
        train_core.fit(data.drop(columns=["ts"]), target="y", estimator="logistic_regression")


def test_a_sentinel_date_out_of_pandas_range_says_so():
    """9999-12-31 (a warehouse's "open-ended" sentinel) cannot be held as a time: the error showed
    it as if it were not a date ("expected datetime, got values like ['9999-12-31 00:00:00']")."""
    data = frame().astype({"ts": str})
    data.loc[7, "ts"] = "9999-12-31 00:00:00"
    with pytest.raises(DataValidationError, match=r"column 'ts' breaks rule 'dtype' in 1 row\(s\): expected datetime, "
                                                  r"got values like \['9999-12-31 00:00:00'\] \(times hold years 1678 "
                                                  r"to 2261 only: a sentinel such as 9999-12-31\? drop those rows\)"):
        run_backtest(data, config())


def test_a_skipped_retrain_names_the_single_class_as_written():
    """The reason said "a single class np.int64(1) in the training window" (NumPy 2's repr)."""
    data = frame(rows=600, days=3)
    data.loc[(data["ts"] >= "2024-01-02") & (data["ts"] < "2024-01-03"), "y"] = 1
    report = run_backtest(data, config(policy="always"))
    assert "retrain skipped: a single class 1 in the training window" in report.windows[1].reason


def test_windows_too_small_to_score_any_are_refused_with_a_window_that_scores():
    """Daily weather rows (vega_datasets' seattle-weather) in 7D windows: 7 rows a window, fewer
    than MIN_SCORE_ROWS in every one. Was exit 0 after the whole replay of every policy, each
    "mean roc_auc n/a" (always: 0 retrains): nothing said why. The window is named with one that
    holds enough rows, and that window replays and scores."""
    data = frame(rows=300, days=150)  # two rows a day
    with pytest.raises(ConfigError, match=r"^--window 7D: no window holds 30 rows \(at most \d+, a median of 1\d\): "
                                          r"no window would be scored; choose a window of at least 21D$"):
        run_backtest(data, config(window="7D", train_window="42D"))
    report = run_backtest(data, config(window="21D", train_window="42D"))
    assert report.mean_metric is not None


def test_a_train_window_as_long_as_the_data_is_refused_not_a_replay_of_one_window():
    """--train-window 1000D over 120 days of 7D windows: the initial model waited 17 windows (all but
    the last, partial one) and the replay was that window, 17 rows, not scored: exit 0, "mean n/a". The
    advice was then 5W, 35 windows that leave 3 to score, where half the windows (20D) scores 13 (review r56
    fix2; failed on main: "choose at most 5W")."""
    data = frame(rows=1200, days=40)
    with pytest.raises(ConfigError, match=r"^--train-window 1000D spans 1,000 windows of 1D, the data 40 \(2024-01-01 "
                                          r"00:00:00 … 2024-02-10 00:00:00\): the initial model would train on all "
                                          r"but the last and leave none to replay; choose at most 20D$"):
        run_backtest(data, config(train_window="1000D"))  # half the windows: longer than the derived 6
    report = run_backtest(data, config(train_window="20D"))
    assert report.mean_metric is not None and report.train_windows == 20


def test_a_table_of_only_the_target_and_the_time_is_named_up_front():
    """Was "column 'y' breaks rule 'trainable' ...: no window can train an initial model: no initial
    model yet: DataValidationError: ... column '*' breaks rule 'features' in 0 row(s): no feature
    columns left ...": the training error of the first window, wrapped twice."""
    with pytest.raises(DataValidationError, match=r"^data contract violated \(1 rule\(s\)\): column '\*' breaks rule "
                                                  r"'features' in 400 row\(s\): no feature columns: the data hold only "
                                                  r"the target 'y' and the time column 'ts'$"):
        run_backtest(frame()[["ts", "y"]], config())


@pytest.mark.parametrize("values, hint", [
    (lambda a: (a * 1000).round().astype(int), "more rows, or --task regression if the values are amounts$"),
    (lambda a: [f"user-{i}" for i in range(len(a))], "more rows, or fewer classes \\(an id\\?\\)$"),
])
def test_more_classes_than_the_data_can_train_are_named_up_front(values, hint):
    """A whole-number regression target (a price in cents, a count) replayed without --task
    regression: 400 rows, 350+ classes. Was "no window can train an initial model: no initial model
    yet: 400 labelled rows in the training window (< 9000)": neither the classes nor where 9000
    comes from."""
    data = frame()
    data["y"] = values(data["a"])
    with pytest.raises(DataValidationError, match=rf"^data contract violated \(1 rule\(s\)\): column 'y' breaks rule "
                                                  rf"'classes' in 400 row\(s\): \d+ classes \(values like .*\) need "
                                                  rf"[\d,]+ labelled rows to train a classifier \(25 a class\), the "
                                                  rf"data hold 400: {hint}"):
        run_backtest(data, config())


def test_a_binary_target_with_too_few_rows_is_not_blamed_on_its_classes():
    """0/1 labels in 90 rows: 100 rows is the floor of a challenger, not 25 a class; the refusal of
    too many classes said '2 classes ... need 100 labelled rows (25 a class) ... or --task regression
    if the values are amounts' for a binary target."""
    data = frame(rows=90, days=2)
    with pytest.raises(DataValidationError) as caught:
        run_backtest(data, config())
    assert "'classes'" not in str(caught.value) and "--task regression" not in str(caught.value)


def test_a_feature_of_nested_values_is_named_up_front_in_all_its_rows():
    """A Parquet list column (tags): was "no window can train an initial model: no initial model
    yet: DataValidationError: ... column 'tags' breaks rule 'dtype' in 1600 row(s): nested values":
    the first training window's error, wrapped, counting that window's rows."""
    data = frame().assign(tags=[[1, 2]] * 400)
    with pytest.raises(DataValidationError, match=r"^data contract violated \(1 rule\(s\)\): column 'tags' breaks rule "
                                                  r"'dtype' in 400 row\(s\): nested values \(list; e\.g\. \[1, 2\]\): a "
                                                  r"feature needs one text or number per row$"):
        run_backtest(data, config())


def test_decimal_columns_of_a_parquet_file_are_read_as_numbers(tmp_path):
    """A warehouse export (BigQuery NUMERIC, Snowflake NUMBER) holds DECIMAL columns, which pandas
    reads as objects of decimal.Decimal. A feature was one-hot encoded as text (each amount a
    category); a regression target was refused as "regression needs a numeric target, got object"."""
    import decimal

    from ctloop.storage import read_table

    data = frame()
    data["amount"] = [decimal.Decimal(f"{v:.2f}") for v in data["a"]]
    data["y"] = [decimal.Decimal(f"{v:.3f}") for v in 3 * data["a"] + data["b"]]
    data.loc[5, "amount"] = None
    data.to_parquet(tmp_path / "export.parquet")
    read = read_table(str(tmp_path / "export.parquet"))
    assert read["amount"].dtype == float and read["y"].dtype == float and np.isnan(read.loc[5, "amount"])
    assert read.loc[7, "amount"] == float(data.loc[7, "amount"])
    cfg = config(training=TrainingConfig(task="regression", estimator="linear_regression"),
                 gate=GateConfig.from_dict({"bootstrap_rounds": 20, "thresholds": {"rmse": 10.0}}))
    assert run_backtest(read, cfg).mean_metric < 1.0


def test_a_table_of_another_format_names_the_ones_read_not_a_flag_that_does_not_exist(tmp_path, capsys):
    """A .tsv file: was "use a .csv or .parquet extension or pass the format explicitly", and no
    command has a flag to pass it."""
    from ctloop.cli import main

    path = tmp_path / "events.tsv"
    frame().to_csv(path, sep="\t", index=False)
    rc = main(["backtest", "--data", str(path), "--target", "y", "--time-column", "ts", "--window", "1D",
               "--output", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and err == (f"error: --data: cannot tell the format of {str(path)!r} from its name: ctloop reads "
                               "comma-separated CSV (.csv, .csv.gz) and Parquet (.parquet, .pq)\n")


@pytest.mark.parametrize("given, hint", [
    ("Y", "; did you mean 'y'\\?"),  # case
    ("b ", "; did you mean 'b'\\?"),  # a space copied with the name
    ("label", " \\(its columns: 'ts', 'a', 'b', 'y'\\)"),  # nothing close: what there is
])
def test_a_target_named_almost_like_a_column_says_which(given, hint):
    """--target Default for a column 'default': was "column is missing from the data" alone."""
    with pytest.raises(DataValidationError, match=rf"column {given!r} breaks rule 'required' in 400 row\(s\): column is "
                                                  rf"missing from the data{hint}$"):
        run_backtest(frame(), config(target=given))


@pytest.mark.parametrize("output", ["/dev/null", "/dev/null/report"])
def test_an_output_that_is_a_device_is_refused_before_the_replay(tmp_path, capsys, output):
    """--output /dev/null (to keep only the printed table): was a FileExistsError traceback after
    the whole replay (mkdir of a device); the check before it looked for regular files only."""
    from ctloop.cli import main

    path = tmp_path / "events.csv"
    frame().to_csv(path, index=False)
    rc = main(["backtest", "--data", str(path), "--target", "y", "--time-column", "ts", "--window", "1D",
               "--policy", "never", "--output", output, "--quiet"])
    captured = capsys.readouterr()
    assert rc == 2 and captured.err == (f"error: --output {output}: /dev/null is not a directory; choose an output "
                                        "path that is not inside a file\n")
    assert "backtest of" not in captured.out  # refused before the data were read


@pytest.mark.parametrize("write, fmt", [
    (lambda t: t.dt.year, "%Y"),
    (lambda t: t.dt.strftime("%Y%m%d").astype("int64"), "%Y%m%d"),
])
def test_times_written_as_whole_numbers_in_a_date_format_suggest_it(write, fmt):
    """Years (1990 … 2019) or yyyymmdd numbers (a Parquet int column): refused as numbers, since
    epoch numbers in unknown units would be read as 1970, with "write ISO 8601" alone, though
    --time-format reads them."""
    data = frame(rows=3000, days=30 * 365 if fmt == "%Y" else 60)
    data["ts"] = write(data["ts"])
    with pytest.raises(DataValidationError, match=rf"got numbers like .*: write ISO 8601 times \(e\.g\. "
                                                  rf"2025-01-31T12:00:00Z\) or name their format: data\.time_format "
                                                  rf"\(--time-format\), e\.g\. '{fmt}'$"):
        run_backtest(data, config(window="365D" if fmt == "%Y" else "7D"))
    report = run_backtest(data, config(window="365D" if fmt == "%Y" else "7D", train_window="", time_format=fmt))
    assert report.mean_metric is not None


@pytest.mark.parametrize("unit, scale", [("s", 10**9), ("ms", 10**6), ("us", 10**3)])
def test_times_written_as_unix_epoch_numbers_suggest_the_conversion(unit, scale):
    """Unix times (seconds, milliseconds, microseconds since 1970: an export of a database's
    epoch column) were refused with "write ISO 8601" alone; the refusal names the unit they look
    like and the conversion."""
    data = frame(rows=600, days=14)
    data["ts"] = data["ts"].astype("int64") // scale
    with pytest.raises(DataValidationError, match=rf"; they look like Unix times in \w+: convert them, e\.g\. "
                                                  rf"pandas\.to_datetime\(frame\['ts'\], unit='{unit}', utc=True\)$"):
        run_backtest(data, config())


def test_a_table_of_a_header_only_says_it_has_no_rows():
    """A CSV export of an empty query (the header line only): was "column 'ts' breaks rule
    'all_null' in 0 row(s): the time column has no values"."""
    with pytest.raises(DataValidationError, match=r"^data contract violated \(1 rule\(s\)\): column '\*' breaks rule "
                                                  r"'rows': the data have no rows \(its columns: 'ts', "
                                                  r"'a', 'b', 'y'\)$"):
        run_backtest(frame().iloc[:0], config())


def test_a_constant_regression_target_is_no_prediction_drift():
    """Every label the same (a sensor stuck at its default): the champion predicts that value, and
    prediction drift read PSI 0.70 against its own gate in every window (the tied deciles were read
    as a tenth of the holdout below them), so the default policy retrained and promoted window after
    window on data that never changed (monitoring.triggers.score_quantiles)."""
    data = frame(rows=1600, days=16).assign(y=5.0)
    cfg = config(policy="default", window="1D", train_window="2D",
                 training=TrainingConfig(task="regression", estimator="linear_regression"),
                 gate=GateConfig.from_dict({"bootstrap_rounds": 20, "thresholds": {"rmse": 10.0}}))
    report = run_backtest(data, cfg)
    assert report.retrains <= 1, [w.reason for w in report.windows]


@pytest.mark.parametrize("policy", ["always", "every:2"])
def test_a_window_where_no_label_arrived_retrains_nothing_on_a_schedule(policy):
    """Dates without a time of day replayed in 12h windows: every other window is empty, and
    ``always`` retrained in each of them on exactly the rows of the retrain before (193 retrains of
    which half were copies), inflating the baseline the default policy is measured against. A
    scheduled retrain now waits for labels that arrived since the last one, and says so."""
    data = frame(rows=800, days=8)
    data["ts"] = data.ts.dt.normalize()  # date only: every row at midnight
    report = run_backtest(data, config(policy=policy, window="12h", train_window="2D"))
    replayed = [w for w in report.windows if w.rule not in ("history", "initial")]
    assert any(w.rows == 0 for w in replayed)
    retrained = [k for k, w in enumerate(replayed) if w.retrained]
    assert retrained and report.retrains == len(retrained)
    for a, b in zip([-1, *retrained], retrained, strict=False):  # rows (labels) between any two retrains
        assert any(w.rows for w in replayed[a + 1:b + 1]), (a, b)
    if policy == "always":
        assert all("no labels arrived since the last retrain" in w.reason for w in replayed if not w.rows)


def test_a_regression_target_whose_squares_overflow_is_named_up_front():
    """Amounts around 1e300 (a unit bug, a sentinel): every squared error overflowed to inf, the
    table printed '+nan %' and backtest.json held 'Infinity', which is no JSON."""
    data = frame().assign(y=lambda d: d.a * 1e300)
    cfg = config(training=TrainingConfig(task="regression", estimator="linear_regression"),
                 gate=GateConfig.from_dict({"bootstrap_rounds": 20, "thresholds": {"rmse": 1e301}}))
    with pytest.raises(DataValidationError, match=r"column 'y' breaks rule 'magnitude' in \d+ row\(s\): values up to "
                                                  r"[\d.]+e\+300 .*squared errors overflow"):
        run_backtest(data, cfg)


def test_dates_without_a_time_of_day_in_windows_shorter_than_a_day_are_warned_about():
    """Every time at midnight and 12h windows: one window in two is empty by construction, and
    nothing said why (a replay of half its windows)."""
    data = frame(rows=800, days=8)
    data["ts"] = data.ts.dt.normalize()
    with pytest.warns(UserWarning, match=r"^column 'ts' holds dates only \(every time at midnight\): with --window "
                                         r"12h, 1 window in 2 can hold no row; use a window of whole days \(1D\)$"):
        run_backtest(data, config(window="12h", train_window="2D"))


def test_history_leaving_only_windows_too_small_to_score_is_refused_not_a_replay_scoring_nothing():
    """scikit-learn's iris (150 rows, one a day) in 42D windows: 42, 42, 42 and 24 rows; the derived
    history is 3 windows, so the replay was the last window alone, 24 rows (< 30), not scored: exit 0,
    "mean_metric = n/a". Refused up front like a history as long as the data, naming the setting."""
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True).frame.sample(frac=1, random_state=0).reset_index(drop=True)
    iris.insert(0, "ts", pd.date_range("2024-01-01", periods=len(iris), freq="D"))
    iris = iris.rename(columns={"target": "y"})
    with pytest.raises(ConfigError, match=r"^--window 42D: after the initial model's 3 window\(s\) of history \(derived"
                                          r".*\) and its 100 rows no window holds 30 rows \(at most 24\): no window would be scored; "
                                          r"choose a shorter --train-window or more data$"):
        run_backtest(iris, config(window="42D", train_window=""))
    with pytest.raises(ConfigError, match=r"^--train-window 126D: after the initial model's 3 window\(s\)"):
        run_backtest(iris, config(window="42D", train_window="126D"))
    report = run_backtest(iris, config(window="50D", train_window=""))  # 50, 50, 50 rows: 2 of history
    assert report.mean_metric is not None and report.train_windows == 2
