"""``ctloop drift`` end to end on CSV/Parquet files (the report-rendering run is in
test_drift_evidently.py, with the other evidently-based tests)."""

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from tests.helpers import late_change_csv


@pytest.fixture
def tables(tmp_path):
    rng = np.random.default_rng(0)
    n = 3000
    ref = pd.DataFrame(
        {
            "num": rng.normal(0, 1, n),
            "cat": rng.choice(["a", "b", "c"], n),
            "label": rng.integers(0, 2, n),
            "_ctloop_weight": rng.random(n),
        }
    )
    cur = pd.DataFrame(
        {
            "num": rng.normal(0.8, 1, 1000),
            "cat": rng.choice(["a", "b", "c"], 1000, p=[0.2, 0.2, 0.6]),
            "label": np.ones(1000, dtype=int),
            "_ctloop_weight": rng.random(1000),
        }
    )
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_csv(tmp_path / "cur.csv", index=False)
    return tmp_path / "ref.parquet", tmp_path / "cur.csv"


def test_table_verdict_and_json(tmp_path, tables, capsys):
    ref, cur = tables
    out_dir = tmp_path / "out"
    code = main(["drift", "--reference", str(ref), "--current", str(cur), "--output", str(out_dir), "--no-report",
                 "--exclude", "label"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0  # drifted, and still exit code 0: the verdict is printed
    rows = {
        line.split()[0]: line.split()
        for line in out.splitlines()
        if line.startswith(("num ", "cat "))
    }
    assert rows["num"][1:3] == ["numeric", "wasserstein"] and rows["num"][-1] == "DRIFT"
    assert rows["cat"][1:3] == ["categorical", "jensenshannon"] and rows["cat"][-1] == "DRIFT"
    assert "drift: 2 of 2 columns drifted" in out
    assert (
        "label" not in rows and "_ctloop_weight" not in out.split("\n\n")[1]
    )  # excluded / reserved
    saved = json.loads((out_dir / "drift.json").read_text())
    assert saved["drifted"] is True and saved["engine"] == "ctloop-numpy"
    assert [c["column"] for c in saved["columns"]] == ["num", "cat"]
    assert (
        saved["reference"]["rows"] == 3000
        and saved["current"]["rows"] == 1000
        and saved["report"] is None
    )
    assert not (out_dir / "report.html").exists()


def test_options_columns_method_threshold_correction(tmp_path, tables, capsys):
    ref, cur = tables
    code = main(["drift", "--reference", str(ref), "--current", str(cur), "--columns", "num",
                 "--method", "ks", "--correction", "bonferroni", "--threshold", "0.01",
                 "--output", str(tmp_path / "o"), "--no-report"])  # fmt: skip
    assert code == 0
    saved = json.loads((tmp_path / "o" / "drift.json").read_text())
    (col,) = saved["columns"]
    assert (col["column"], col["method"], col["threshold"]) == ("num", "ks", 0.01)  # 1 column: /1
    assert saved["correction"] == "bonferroni"
    assert "(no --output" not in capsys.readouterr().out


def test_no_drift_prints_verdict_without_output(tmp_path, capsys):
    rng = np.random.default_rng(1)
    pd.DataFrame({"x": rng.normal(size=2000)}).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame({"x": rng.normal(size=2000)}).to_parquet(tmp_path / "b.parquet")
    code = main(
        ["drift", "--reference", str(tmp_path / "a.csv"), "--current", str(tmp_path / "b.parquet")]
    )
    out = capsys.readouterr().out
    assert code == 0 and "no drift: 0 of 1 columns drifted" in out and "nothing written" in out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--columns", "nope"], "drift column 'nope' is missing from the reference data"),
        (["--method", "chisquare"], "does not apply to numeric column 'num'"),
        (["--drift-share", "1.5"], "drift_share must be a number in (0, 1]"),
    ],
)
def test_errors_exit_2_with_one_clear_line(tables, capsys, extra, message):
    ref, cur = tables
    code = main(["drift", "--reference", str(ref), "--current", str(cur), "--no-report", *extra])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and message in err and "Traceback" not in err


def test_missing_file_exits_2(tmp_path, tables, capsys):
    ref, _ = tables
    code = main(["drift", "--reference", str(ref), "--current", str(tmp_path / "missing.csv")])
    assert code == 2 and "does not exist" in capsys.readouterr().err


# ------------------------------------------------------------------ inputs refused (issue 13)
ENGINES = ["memory", "stream"]


def _run(capsys, *argv):
    code = main(["drift", "--no-report", "--quiet", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("engine", ENGINES)
def test_a_reference_column_missing_from_the_current_data_is_refused(tmp_path, tables, capsys, engine):
    ref, cur = tables
    pd.read_csv(cur).rename(columns={"num": "number"}).to_csv(tmp_path / "renamed.csv", index=False)
    code, _, err = _run(capsys, "--reference", str(ref), "--current", str(tmp_path / "renamed.csv"),
                        "--engine", engine)
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"error: the current data ({tmp_path / 'renamed.csv'}) lacks column(s) 'num' of the "
                          f"reference data ({ref}); it has 'number' that the reference lacks: give both sides "
                          "the same columns, leave them out with --exclude num, or name the compared columns "
                          "with --columns"), err
    # columns only the current data has (an inference log's ids, predictions) are not compared
    pd.read_csv(cur).assign(request_id="r", prediction_0=0.5).to_csv(tmp_path / "log.csv", index=False)
    code, out, err = _run(capsys, "--reference", str(ref), "--current", str(tmp_path / "log.csv"),
                          "--engine", engine)
    assert code == 0 and "of 3 columns drifted" in out, err


@pytest.mark.parametrize("engine", ENGINES)
def test_infinite_values_are_refused_naming_the_column_side_and_count(tmp_path, tables, capsys, engine):
    ref, cur = tables
    frame = pd.read_csv(cur)
    frame.loc[frame.index % 4 == 0, "num"] = np.inf
    frame.to_csv(tmp_path / "inf.csv", index=False)
    code, _, err = _run(capsys, "--reference", str(ref), "--current", str(tmp_path / "inf.csv"), "--engine", engine)
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"error: column 'num' holds 250 infinite value(s) (inf/-inf) in the current data "
                          f"({tmp_path / 'inf.csv'}), 25.0% of its rows: drift statistics cannot use them"), err
    code, out, _ = _run(capsys, "--reference", str(ref), "--current", str(tmp_path / "inf.csv"), "--engine", engine,
                        "--exclude", "num")
    assert code == 0 and "num " not in out


@pytest.mark.parametrize("engine", ENGINES)
def test_a_side_with_too_few_rows_is_refused_unless_min_rows_allows_it(tmp_path, tables, capsys, engine):
    ref, cur = tables
    pd.read_csv(cur).head(1).to_csv(tmp_path / "one.csv", index=False)
    code, _, err = _run(capsys, "--reference", str(ref), "--current", str(tmp_path / "one.csv"), "--engine", engine)
    assert code == 2 and err == (f"error: the current data ({tmp_path / 'one.csv'}) has 1 row: a drift check needs "
                                 "at least 30 per side (--min-rows); compare a longer period, or lower --min-rows\n")
    code, out, _ = _run(capsys, "--reference", str(ref), "--current", str(tmp_path / "one.csv"), "--engine", engine,
                        "--min-rows", "1")
    assert code == 0 and "columns drifted" in out


@pytest.mark.parametrize("flag, value, rule", [("--sketch-size", "8", "in 64..5000000"),
                                               ("--sketch-size", "0", "in 64..5000000"),
                                               ("--batch-rows", "-1", ">= 1"), ("--min-rows", "0", ">= 1")])
def test_sizes_are_refused_by_the_parser_whatever_the_engine(tables, capsys, flag, value, rule):
    ref, cur = tables
    with pytest.raises(SystemExit) as exit_:
        main(["drift", "--reference", str(ref), "--current", str(cur), flag, value])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.splitlines()[-1] == f"ctloop drift: error: argument {flag}: must be a whole number {rule}, " \
                                   f"got '{value}' (ctloop drift --help)"


def test_output_under_a_file_is_refused_before_reading(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    code, _, err = _run(capsys, "--reference", str(tmp_path / "absent.csv"), "--current", str(tmp_path / "absent.csv"),
                        "--output", str(tmp_path / "afile" / "out"))
    assert code == 2 and f"--output {tmp_path / 'afile' / 'out'}: {tmp_path / 'afile'} is a file" in err


def test_streaming_core_refuses_a_batch_size_below_one(tables):
    from ctloop.drift import streaming
    from ctloop.errors import ConfigError

    ref, _ = tables
    with pytest.raises(ConfigError, match="batch_rows must be a whole number >= 1, got 0"):
        streaming.state_of(str(ref), batch_rows=0)


@pytest.fixture
def timed_tables(tmp_path):
    """Parquet with a time column, a datetime feature whose dates moved 10 days, and a list."""
    rng = np.random.default_rng(0)

    def side(n, days):
        created = pd.Timestamp("2024-05-01") + pd.to_timedelta(rng.integers(0, 20 * 86400, n), "s")
        return pd.DataFrame({
            "num": rng.normal(0, 1, n),
            "created_at": created.sort_values(),
            "due_at": created + pd.Timedelta(days=30 + days),
            "tags": [["vip", "new"][: int(k)] for k in rng.integers(0, 3, n)],
        })

    side(600, 0).to_parquet(tmp_path / "ref.parquet")
    side(400, 10).to_parquet(tmp_path / "cur.parquet")
    return tmp_path / "ref.parquet", tmp_path / "cur.parquet"


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_skipped_columns_are_one_line_and_in_drift_json(tmp_path, timed_tables, capsys, engine):
    """The datetime and list columns used to vanish from the table without a word."""
    ref, cur = timed_tables
    code, out, err = _run(capsys, "--reference", str(ref), "--current", str(cur), "--engine", engine, "--quiet",
                          "--time-column", "created_at", "--output", str(tmp_path / engine), "--no-report")
    assert code == 0, err
    assert "skipped 2 column(s): created_at (datetime64[ns], time column), tags (list, unsupported type)" \
        in out.splitlines()
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith(("num ", "due_at "))}
    assert rows["due_at"][1] == "numeric" and rows["due_at"][-1] == "DRIFT" and rows["num"][-1] == "-"
    saved = json.loads((tmp_path / engine / "drift.json").read_text())
    assert saved["skipped"] == [{"column": "created_at", "dtype": "datetime64[ns]", "reason": "time column"},
                                {"column": "tags", "dtype": "list", "reason": "unsupported type"}]
    assert [c["column"] for c in saved["columns"]] == ["num", "due_at"]


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_an_unknown_time_column_exits_2_with_one_line(timed_tables, capsys, engine):
    ref, cur = timed_tables
    code, _, err = _run(capsys, "--reference", str(ref), "--current", str(cur), "--engine", engine,
                        "--time-column", "createdAt")
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("error: time column 'createdAt' is in neither the reference nor the current data"), err


def test_csv_dates_are_text_to_both_engines(tmp_path, timed_tables, capsys):
    """pandas reads a CSV date as text, Arrow's CSV reader as a timestamp: the memory engine
    compared it as categories and the streaming engine skipped it (now: compared it as seconds)."""
    ref, cur = (pd.read_parquet(p).drop(columns=["tags"]) for p in timed_tables)
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    tables = {}
    for engine in ENGINES:
        code, out, err = _run(capsys, "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "cur.csv"),
                              "--engine", engine, "--time-column", "created_at")
        assert code == 0, err
        tables[engine] = out[out.index("column "):]
    assert tables["memory"] == tables["stream"]
    assert "due_at  categorical" in tables["memory"] and "skipped 1 column(s): created_at (object, time column)" \
        in tables["memory"]


def _log_window(rng, day: int, n: int = 300, **extra) -> pd.DataFrame:
    """``n`` logged rows of day ``day`` (2026-12-0<day>) as the sink writes them, with ``extra`` columns."""
    return pd.DataFrame({
        "instance": 0, "request_id": [f"{day}-{i}" for i in range(n)], "model": "credit",
        "namespace": "ml", "revision": "v1", "model_version": "1", "component": "predictor",
        "time": [f"2026-12-0{day}T10:00:{i % 60:02d}Z" for i in range(n)], "has_response": True,
        "has_request": True, "income": rng.normal(0, 1, n), "prediction_1": rng.random(n), **extra})


def _log_part(tmp_path, day: int, name: str, frame: pd.DataFrame) -> None:
    d = tmp_path / "log" / "model=credit" / f"date=2026-12-0{day}" / "revision=v1"
    d.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(d / f"{name}.parquet")


def _compare_log_days(capsys, tmp_path, engine: str) -> tuple[str, dict]:
    """``ctloop drift`` of day 1's log against day 2's: its output and drift.json."""
    code, out, err = _run(capsys, "--reference", str(tmp_path / "log/model=credit/date=2026-12-01"),
                          "--current", str(tmp_path / "log/model=credit/date=2026-12-02"), "--engine", engine,
                          "--quiet", "--output", str(tmp_path / engine), "--no-report")
    assert code == 0, err
    return out, json.loads((tmp_path / engine / "drift.json").read_text())


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_two_inference_log_windows_compare_features_not_the_logs_identity_columns(tmp_path, capsys, engine):
    """Last week's log against this week's: request ids, times and the _mistyped column were
    compared as features, and request_id and time (new values every window) always 'drifted'."""
    rng = np.random.default_rng(3)
    for day in (1, 2):
        _log_part(tmp_path, day, "part-1", _log_window(rng, day, _mistyped=None, region=rng.choice(["n", "s"], 300)))
    out, saved = _compare_log_days(capsys, tmp_path, engine)
    assert [c["column"] for c in saved["columns"]] == ["income", "prediction_1", "region"]
    assert " of 3 columns drifted" in out
    skipped = {s["column"]: s["reason"] for s in saved["skipped"]}
    assert set(skipped) == {"instance", "request_id", "model", "namespace", "model_version",  # revision: a
                            "component", "time", "has_response", "has_request", "_mistyped"}  # partition
    assert set(skipped.values()) == {"inference log identity"}
    assert any(line.startswith("skipped 10 column(s): instance (") for line in out.splitlines())


# ------------------------------------------------------------------ sides of several files
def _split_side(frame: pd.DataFrame, where, fmt: str, second: pd.DataFrame) -> None:
    """``where``/a.<fmt> holds ``frame``, ``where``/b.<fmt> holds ``second``."""
    where.mkdir()
    for name, part in (("a", frame), ("b", second)):
        if fmt == "parquet":
            part.to_parquet(where / f"{name}.parquet", index=False)
        else:
            part.to_csv(where / f"{name}.csv", index=False)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("engine", ENGINES)
def test_a_column_whole_in_one_file_and_fractional_in_another_is_read_as_float(tmp_path, capsys, engine, fmt):
    """Before: the dataset took the first file's int64 and the run stopped, exit 2, 'Float value
    1.5 was truncated converting to int64' (Parquet) or a CSV conversion error."""
    rng = np.random.default_rng(1)
    whole = pd.DataFrame({"x": rng.integers(0, 10, 200), "cat": rng.choice(["a", "b"], 200)})
    fractional = pd.DataFrame({"x": rng.integers(0, 10, 200) + 0.5, "cat": rng.choice(["a", "b"], 200)})
    _split_side(whole, tmp_path / "ref", fmt, fractional)
    _split_side(fractional, tmp_path / "cur", fmt, whole)
    code, out, err = _run(capsys, "--reference", str(tmp_path / "ref"), "--current", str(tmp_path / "cur"),
                          "--engine", engine)
    assert code == 0, err
    assert "reference" in out and "400 rows" in out and "of 2 columns drifted" in out, out
    # both sides hold the same values in a different file order: nothing drifted
    assert "DRIFT" not in out, out


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("engine", ENGINES)
def test_a_file_of_a_side_without_a_compared_column_is_refused_naming_file_and_column(tmp_path, capsys,
                                                                                      engine, fmt):
    """Before: the file's rows were read with the column all null, counted as missing values, and
    the verdict changed without a word."""
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.normal(0, 1, 300), "cat": rng.choice(["a", "b"], 300)})
    frame.to_parquet(tmp_path / "ref.parquet", index=False)
    _split_side(frame.iloc[:150], tmp_path / "cur", fmt, frame.iloc[150:].drop(columns=["x"]))
    code, out, err = _run(capsys, "--reference", str(tmp_path / "ref.parquet"), "--current",
                          str(tmp_path / "cur"), "--engine", engine)
    assert code == 2 and err.count("\n") == 1, (out, err)
    assert f"{tmp_path / 'cur' / f'b.{fmt}'} has no column 'x'" in err, err
    assert "--exclude x" in err, err
    # a column the run does not compare may be absent from a file
    code, out, err = _run(capsys, "--reference", str(tmp_path / "ref.parquet"), "--current",
                          str(tmp_path / "cur"), "--engine", engine, "--exclude", "x")
    assert code == 0 and "of 1 columns drifted" in out, (out, err)


@pytest.mark.parametrize("engine", ENGINES)
def test_numbers_in_one_file_and_text_in_another_are_refused_before_reading(tmp_path, capsys, engine):
    """Before: the scan stopped at the second file with pyarrow's cast error."""
    _split_side(pd.DataFrame({"x": np.arange(100)}), tmp_path / "ref", "parquet", pd.DataFrame({"x": ["u"] * 100}))
    code, _, err = _run(capsys, "--reference", str(tmp_path / "ref"), "--current", str(tmp_path / "ref"),
                        "--engine", engine)
    assert code == 2 and err.count("\n") == 1, err
    assert (f"the reference data ({tmp_path / 'ref'}): column 'x' is int64 in {tmp_path / 'ref' / 'a.parquet'} "
            f"but string in {tmp_path / 'ref' / 'b.parquet'}") in err, err


@pytest.mark.parametrize("engine", ENGINES)
def test_a_column_the_first_file_of_the_reference_lacks_is_not_left_out_silently(tmp_path, capsys, engine):
    """The dataset's columns were its first file's: a column only later files had was never
    compared, and nothing said so. Now it is a column of the side, and the file without it is named."""
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"x": rng.normal(0, 1, 300), "z": rng.normal(0, 1, 300)})
    _split_side(frame.iloc[:150].drop(columns=["z"]), tmp_path / "ref", "parquet", frame.iloc[150:])
    frame.to_parquet(tmp_path / "cur.parquet", index=False)
    code, out, err = _run(capsys, "--reference", str(tmp_path / "ref"), "--current", str(tmp_path / "cur.parquet"),
                          "--engine", engine)
    assert code == 2 and err.count("\n") == 1, (out, err)
    assert f"the reference data ({tmp_path / 'ref'}): {tmp_path / 'ref' / 'a.parquet'} has no column 'z'" in err, err
    code, out, err = _run(capsys, "--reference", str(tmp_path / "ref"), "--current", str(tmp_path / "cur.parquet"),
                          "--engine", engine, "--exclude", "z")
    assert code == 0 and "of 1 columns drifted" in out, (out, err)


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_two_log_windows_skip_the_requests_metadata_headers(tmp_path, capsys, engine):
    """``meta_*`` columns are the request's headers (an order id, a tenant), not model inputs: an
    order id is new in every window and always 'drifted', and a header first sent midway (a file
    of the window without it) had the whole comparison refused. Skipped like the identity columns."""
    rng = np.random.default_rng(4)
    order_ids = {"meta_x_order_id": [f"o-{i}" for i in range(300)]}
    for day in (1, 2):
        _log_part(tmp_path, day, "part-1", _log_window(rng, day, **(order_ids if day == 2 else {})))
        _log_part(tmp_path, day, "part-2", _log_window(rng, day, **order_ids))
    _, saved = _compare_log_days(capsys, tmp_path, engine)
    assert [c["column"] for c in saved["columns"]] == ["income", "prediction_1"]
    assert {s["column"]: s["reason"] for s in saved["skipped"]}["meta_x_order_id"] == "inference log identity"


def test_the_streamed_engine_reads_each_files_schema_once(tmp_path, monkeypatch, capsys):
    """The reference's files were opened twice (for its log identity columns, then again by
    detect_sources): on an object store of many files, every footer read twice."""
    from ctloop.drift import streaming

    rng = np.random.default_rng(0)
    for side in ("ref", "cur"):
        (tmp_path / side).mkdir()
        for i in range(3):
            pd.DataFrame({"x": rng.normal(size=50)}).to_parquet(tmp_path / side / f"{i}.parquet")
    reads: list[str] = []
    original = streaming.Source._file_schemas

    def counted(self):
        if self.file_schemas is None:
            reads.append(self.uri)
        return original(self)

    monkeypatch.setattr(streaming.Source, "_file_schemas", counted)
    code = main(["drift", "--reference", str(tmp_path / "ref"), "--current", str(tmp_path / "cur"),
                 "--engine", "stream", "--no-report", "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert sorted(reads) == sorted([str(tmp_path / "ref"), str(tmp_path / "cur")])


@pytest.mark.parametrize("flag", [["--exclude", "junk"], ["--columns", "x"]])
def test_a_column_left_out_may_hold_numbers_in_one_file_and_text_in_another(tmp_path, capsys, flag):
    """The streamed engine reads only the compared columns: a column --exclude or --columns leaves
    out was refused as 'int64 in 0.parquet but string in 1.parquet', which --exclude cannot mend."""
    rng = np.random.default_rng(0)
    for side in ("ref", "cur"):
        (tmp_path / side).mkdir()
        for i, junk in enumerate((1, "a")):
            pd.DataFrame({"x": rng.normal(size=60), "junk": junk}).to_parquet(tmp_path / side / f"{i}.parquet")
    code = main(["drift", "--reference", str(tmp_path / "ref"), "--current", str(tmp_path / "cur"),
                 "--engine", "stream", "--no-report", "--quiet", *flag])
    assert code == 0, capsys.readouterr().err


@pytest.mark.parametrize("engine", ["memory", "stream"])
@pytest.mark.parametrize("name", ["cur.csv", "cur.csv.gz"])
def test_numbers_in_the_reference_and_text_late_in_the_current_csv_are_refused_naming_the_column(tmp_path, capsys,
                                                                                                engine, name):
    """A current CSV whose numeric column turns to text past the readers' first block: the memory
    engine compared pandas' mix of ints and strings as categories against the reference's
    numbers (every value "drifted", exit 0) and the streamed one failed with pyarrow's 'In CSV
    column #1: Row #…' (a position, no name); both now refuse naming the column, value and row."""
    late_change_csv(tmp_path / "ref.csv", 200_000, "x", "7")  # numbers all the way
    at = late_change_csv(tmp_path / name, 200_000, "x", "abc")
    code, _, err = _run(capsys, "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / name),
                        "--engine", engine)
    assert code == 2
    line = next(x for x in err.splitlines() if x.startswith("error:"))
    assert "column 'x'" in line and "'abc'" in line and f"row {at + 1}" in line and str(tmp_path / name) in line


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_a_csv_column_whole_in_its_first_block_and_fractional_later_is_compared_as_numbers(tmp_path, capsys, engine):
    """'1.5' far down a whole column: pandas reads float64; the streamed engine failed with
    pyarrow's 'CSV conversion error to int64' and, once it widened the rest of the file, could
    not gather an int64 batch with a float64 one. Both engines now give the same verdict."""
    late_change_csv(tmp_path / "ref.csv", 200_000, "x", "7")
    late_change_csv(tmp_path / "cur.csv", 200_000, "x", "1.5")
    code, out, err = _run(capsys, "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "cur.csv"),
                          "--engine", engine)
    assert code == 0, err
    row = next(line.split() for line in out.splitlines() if line.startswith("x "))
    assert row[1:3] == ["numeric", "wasserstein"] and row[-1] == "-"


@pytest.mark.parametrize("engine", ["memory", "stream"])
@pytest.mark.parametrize("bad", ["abc", "1.5"])
def test_a_late_type_change_in_one_csv_file_of_a_directory_is_widened_or_refused_by_both_engines(tmp_path, capsys,
                                                                                                 engine, bad):
    """A side of several CSV files, one of them with '1.5' or 'abc' far down a whole column: the
    memory engine read the directory with one pyarrow table read and failed with its 'In CSV
    column #1: Row #…' (a position, not a name); now a number widens the column and text is
    refused naming the file, the column and the value, as the streamed engine does."""
    (tmp_path / "cur").mkdir()
    late_change_csv(tmp_path / "ref.csv", 200_000, "x", "7")
    late_change_csv(tmp_path / "cur" / "a.csv", 1_000, "x", "7")
    at = late_change_csv(tmp_path / "cur" / "b.csv", 200_000, "x", bad)
    code, out, err = _run(capsys, "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "cur"),
                          "--engine", engine)
    if bad == "abc":
        line = next(x for x in err.splitlines() if x.startswith("error:"))
        assert code == 2 and str(tmp_path / "cur" / "b.csv") in line and "column 'x'" in line
        assert f"'abc' on row {at + 1}" in line
    else:
        assert code == 0, err
        assert next(line.split() for line in out.splitlines() if line.startswith("x "))[1] == "numeric"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("values", [[1e308], [1e308, -1e308], [-3e200]])
def test_values_too_large_for_the_statistics_are_refused_naming_the_column_and_value(tmp_path, tables, capsys,
                                                                                    engine, values):
    """Before: a finite 1e308 made the memory engine's score inf and writing drift.json a
    ValueError traceback (exit 1), the streamed engine's 2e305; 1e308 and -1e308 made the HTML
    report's histogram a traceback. Like ±inf, such values are refused naming column, side and
    value, before anything is written."""
    ref, cur = tables
    frame = pd.read_csv(cur)
    frame.loc[:len(values) - 1, "num"] = values
    frame.to_csv(tmp_path / "big.csv", index=False)
    out = tmp_path / "out"
    code = main(["drift", "--quiet", "--reference", str(ref), "--current", str(tmp_path / "big.csv"), "--engine",
                 engine, "--output", str(out), "--report-sample-size", "300"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"error: column 'num' holds values beyond ±1e+150 in the current data "
                          f"({tmp_path / 'big.csv'}), e.g. {max(values, key=abs):g}: drift statistics overflow"), err
    assert "--exclude num" in err and not list(out.glob("*"))
    code, stdout, _ = _run(capsys, "--reference", str(ref), "--current", str(tmp_path / "big.csv"), "--engine", engine,
                           "--exclude", "num")
    assert code == 0 and "num " not in stdout
