"""``data.time_format`` / ``ctloop backtest --time-format``: the event-time column read with the
format the user names, not inferred. A European export written ``dd/mm/yyyy`` that covers only days
1–12 of a month (a daily or weekly batch, what a scheduled prepare step reads) has no day above 12
to say which number is the day: inferred, ``03/05/2024`` is read month first, 5 March
(``ctloop.contract.date_order``; pandas 2.3.3 ``to_datetime(format="mixed")`` does the same)."""

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.components.prepare import core
from ctloop.config import DataConfig
from ctloop.contract import parse_times
from ctloop.errors import ConfigError, DataValidationError
from tests.unit.test_backtest_inputs import frame

DAY_FIRST = "%d/%m/%Y"


def may_batch(rows: int = 240) -> pd.DataFrame:
    """Rows on May 1st … 12th 2024 (no day above 12), the time written ``dd/mm/yyyy``."""
    rng = np.random.default_rng(1)
    days = pd.Timestamp("2024-05-01") + pd.to_timedelta(np.arange(rows) % 12, unit="D")
    x = rng.normal(size=rows)
    return pd.DataFrame({"day": days.strftime(DAY_FIRST), "x": x, "y": (x + rng.normal(0, 0.5, rows) > 0).astype(int)})


@pytest.mark.parametrize("contract", [None, {"columns": {"day": {"dtype": "datetime"}}}])
def test_prepare_reads_day_first_dates_of_days_1_to_12_with_the_format(contract):
    data = may_batch()
    inferred = core.prepare(data, target="y", time_column="day", contract=contract, window=None)
    assert inferred.profile["data_time_range"]["min"].startswith("2024-01-05")  # today: 01/05 read as 5 January
    cfg = DataConfig.from_dict({"uri": "x.csv", "target": "y", "time_column": "day", "window": "",
                                "time_format": DAY_FIRST, "contract": contract or {}})
    prepared = core.run(data, cfg)
    assert prepared.profile["data_time_range"] == {"min": "2024-05-01 00:00:00", "max": "2024-05-12 00:00:00"}
    assert prepared.holdout["day"].min() >= pd.Timestamp("2024-05-10")  # the newest days held out, in May


def test_a_format_with_an_offset_gives_utc_and_nulls_stay_missing():
    written = pd.Series(["03/05/2024 10:00 +0200", None, "04/05/2024 23:30 -0100", np.nan])
    assert parse_times(written, "ts", "%d/%m/%Y %H:%M %z").tolist() == [
        pd.Timestamp("2024-05-03 08:00"), pd.NaT, pd.Timestamp("2024-05-05 00:30"), pd.NaT]
    assert parse_times(pd.Series(["03/05/2024 10:00"]), "ts", "%d/%m/%Y %H:%M").tolist() == [
        pd.Timestamp("2024-05-03 10:00")]  # no offset: UTC, naive like every time parse_times returns


def test_values_that_do_not_match_the_format_are_named_with_the_format():
    written = pd.Series(["03/05/2024", "2024-05-04", "13/05/2024 10:00", "5 May 2024", "2024-05-04", "x"])
    with pytest.raises(DataValidationError) as info:
        parse_times(written, "ts", DAY_FIRST)
    assert str(info.value) == (
        "data contract violated (1 rule(s)): column 'ts' breaks rule 'time_format' in 5 row(s): values like "
        "['2024-05-04', '13/05/2024 10:00', '5 May 2024'] do not match the time format '%d/%m/%Y' "
        "(data.time_format, --time-format)")
    batch = may_batch()
    batch.loc[7, "day"] = "2024-05-04"
    with pytest.raises(DataValidationError, match=r"^data contract violated \(1 rule\(s\)\): column 'day' breaks rule "
                                                  r"'dtype' in 1 row\(s\): expected datetime in the format "
                                                  r"'%d/%m/%Y', got values like \['2024-05-04'\]$"):
        core.prepare(batch, target="y", time_column="day", contract={"columns": {"day": {"dtype": "datetime"}}},
                     time_format=DAY_FIRST)  # the contract's datetime check reads the column with the format


def test_a_sentinel_year_in_the_format_is_named_as_one():
    """``31/12/9999`` matches the format but is no pandas time (nanoseconds: years 1678 to 2261)."""
    with pytest.raises(DataValidationError, match=r"in 1 row\(s\): values like \['31/12/9999'\] do not match the "
                                                  r"time format '%d/%m/%Y' \(data.time_format, --time-format\) "
                                                  r"\(times hold years 1678 to 2261 only"):
        parse_times(pd.Series(["03/05/2024", "31/12/9999"]), "ts", DAY_FIRST)


def test_an_empty_format_keeps_todays_inference():
    written = pd.Series(["13/02/2025", "03/02/2025"])
    assert parse_times(written, "ts", "").tolist() == parse_times(written, "ts").tolist() == [
        pd.Timestamp("2025-02-13"), pd.Timestamp("2025-02-03")]
    with pytest.raises(DataValidationError, match=r"rule 'date_order'.*write ISO 8601 times .* or name the "
                                                  r"format: data\.time_format \(--time-format\), e\.g\. '%d/%m/%Y'"):
        parse_times(pd.Series(["13/02/2025", "02/13/2025"]), "ts")


@pytest.mark.parametrize("fmt, problem", [
    ("dd/mm/yyyy", "has no %-directive"),
    ("%d/%m/%Q", "%Q is not a directive pandas reads"),
    ("%d/%m", "has no year: 2024-05-03 14:07:09 written '03/05' reads back as 1900-05-03"),
    ("%d/%d/%Y", "%d is given twice"),
    ("%d/%m/%Y %I:%M", "does not read back what it writes: 2024-05-03 14:07:09 written '03/05/2024 02:07' reads "
                       "back as 2024-05-03 02:07:00"),
])
def test_a_bad_format_is_refused_naming_data_time_format(fmt, problem):
    with pytest.raises(ConfigError) as info:
        DataConfig.from_dict({"uri": "x.csv", "target": "y", "time_column": "t", "time_format": fmt})
    assert str(info.value).startswith(f"data.time_format: {problem}")
    assert repr(fmt) in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(ConfigError, match=f"^time_format {fmt!r}"):
        core.prepare(may_batch(), target="y", time_column="day", time_format=fmt)


# --------------------------------------------------------------------------- ctloop backtest
def day_first_stream(tmp_path, fmt: str = "%d/%m/%Y %H:%M"):
    """400 rows over May 1st … 10th 2024, times written ``fmt`` (no day above 12), as a CSV."""
    data = frame(days=9.5)
    data["ts"] = (data["ts"] + pd.Timedelta(days=121)).dt.strftime(fmt)  # 2024-01-01 + 121 days = May 1st
    path = tmp_path / "stream.csv"
    data.to_csv(path, index=False)
    return path


ARGS = ["--target", "y", "--time-column", "ts", "--window", "1D", "--train-window", "1D", "--policy", "never",
        "--estimator", "logistic_regression", "--bootstrap-rounds", "20", "--quiet"]


def test_backtest_time_format_replays_the_right_days(tmp_path, capsys):
    path = day_first_stream(tmp_path)
    assert main(["backtest", "--data", str(path), *ARGS, "--time-format", "%d/%m/%Y %H:%M",
                 "--output", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "backtest.json").read_text())
    assert report["config"]["time_format"] == "%d/%m/%Y %H:%M"
    starts = [w["start"][:10] for w in report["windows"]]
    assert starts == [f"2024-05-{d:02d}" for d in range(1, 11)], starts


def test_backtest_takes_the_time_format_of_the_config(tmp_path, capsys):
    path = day_first_stream(tmp_path)
    spec = tmp_path / "ctloop.yaml"
    spec.write_text("apiVersion: ctloop.dev/v1alpha2\nkind: ContinuousTraining\nmodels:\n  - name: m\n"
                    f"    data: {{uri: {path}, target: y, time_column: ts, time_format: '%d/%m/%Y %H:%M'}}\n"
                    "    gate: {thresholds: {roc_auc: 0.5}}\n")
    assert main(["backtest", "--config", str(spec), "--model", "m", *ARGS[4:], "--output", str(tmp_path / "o")]) == 0
    report = json.loads((tmp_path / "o" / "backtest.json").read_text())
    assert report["windows"][0]["start"].startswith("2024-05-01") and len(report["windows"]) == 10


@pytest.mark.parametrize("fmt, message", [
    ("%d/%m/%Y %H:%M", "error: data contract violated (1 rule(s)): column 'ts' breaks rule 'time_format' in 1 "
                       "row(s): values like ['2024-05-01 03:00'] do not match the time format '%d/%m/%Y %H:%M' "
                       "(data.time_format, --time-format)"),
    ("%d/%m/%Q", "error: --time-format '%d/%m/%Q': %Q is not a directive pandas reads"),
])
def test_backtest_refuses_a_mismatch_or_a_bad_format_in_one_line(tmp_path, capsys, fmt, message):
    path = day_first_stream(tmp_path)
    data = pd.read_csv(path)
    data.loc[5, "ts"] = "2024-05-01 03:00"  # one ISO value among the day-first ones
    data.to_csv(path, index=False)
    code = main(["backtest", "--data", str(path), *ARGS, "--time-format", fmt, "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(message) and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out" / "backtest.json").exists()


# ------------------------------------------------------------------ times written as digits only
@pytest.mark.parametrize("fmt", ["%Y%m%d%H%M", "%d%m%Y%H%M"])
def test_backtest_reads_times_written_as_digits_with_the_format(tmp_path, capsys, fmt):
    """``202405010300`` is a number to a CSV reader (pandas 2.3.3 ``read_csv`` infers int64), and
    ``010520240300`` one without its leading zero: the named format reads the column's text as written."""
    path = day_first_stream(tmp_path, fmt)
    assert pd.read_csv(path)["ts"].dtype == "int64"
    assert main(["backtest", "--data", str(path), *ARGS, "--time-format", fmt, "--output", str(tmp_path / "out")]) == 0
    starts = [w["start"][:10] for w in json.loads((tmp_path / "out" / "backtest.json").read_text())["windows"]]
    assert starts == [f"2024-05-{d:02d}" for d in range(1, 11)], starts


@pytest.mark.parametrize("fmt", ["%Y%m%d", "%d%m%Y"])
@pytest.mark.parametrize("contract", [None, {"columns": {"day": {"dtype": "datetime"}}}])
def test_prepare_reads_integer_times_with_the_format(contract, fmt):
    """A frame whose times are integers such as 20240503 (a Parquet int column, a CSV read as
    numbers); 1052024 under %d%m%Y is 01052024 (pandas 2.3.3 ``to_datetime`` reads the 7 digits
    as 10 May), with a null among them (a float column)."""
    data = may_batch()
    data["day"] = pd.to_datetime(data["day"], format=DAY_FIRST).dt.strftime(fmt).astype("int64")
    with_null = data.assign(day=data["day"].astype(float).where(data.index != 3))
    for frame_ in (data, with_null):
        prepared = core.prepare(frame_, target="y", time_column="day", contract=contract, window=None,
                                time_format=fmt)
        assert prepared.profile["data_time_range"] == {"min": "2024-05-01 00:00:00", "max": "2024-05-12 00:00:00"}
    with pytest.raises(DataValidationError, match="expected datetime, got numbers like"):
        core.prepare(data, target="y", time_column="day", window=None)  # no format: epoch numbers? refused as before


def test_pandas_text_for_a_missing_time_is_a_null():
    """``astype(str)`` of a datetime column writes a missing time as 'NaT', and read_csv keeps that
    text (it is not among its NA values): the time column was refused ("expected datetime, got
    values like ['NaT']"); it is a null, like an empty cell."""
    import pandas as pd

    from ctloop.contract import parse_times

    for dtype in (object, "string"):
        out = parse_times(pd.Series(["2024-01-01", "NaT", " NaT", None], dtype=dtype), "ts")
        assert out.iloc[0] == pd.Timestamp("2024-01-01") and out.iloc[1:].isna().all()
