"""Round 59's hostile input at the data boundary: a CSV header's empty and repeated names, a header field
past ``csv.field_size_limit()``, the labels store naming its columns, memory running out in every reader of a
user's data, and a sweep of small hostile files through ``ctloop backtest``, ``ctloop labels ingest``,
``ctloop drift`` and ``ctloop score``. Each is one line naming the parameter or column, exit 2, nothing
written."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import DataSourceError
from ctloop.storage import read_table
from tests.helpers import run_main

WIDE = "x" * 200_000  # past csv.field_size_limit(): 131,072 characters (CPython 3.11 Modules/_csv.c)


@pytest.mark.parametrize("header", [f"a.1,{WIDE},y", f'a,"{WIDE}",a.1'])
def test_a_header_field_past_the_csv_module_limit_reads_as_pandas_reads_it(tmp_path, header):
    """A column that looks renamed ('a.1') made read_table read the header again with the csv module, which
    raised ``_csv.Error: field larger than field limit (131072)``: a traceback. pandas has no such limit."""
    path = tmp_path / "t.csv"
    path.write_text(f"{header}\n1,2,3\n", encoding="utf-8")
    assert list(read_table(str(path)).columns) == list(pd.read_csv(path).columns)


def test_a_repeated_name_beside_a_field_past_the_csv_module_limit_is_still_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(f"a,a,{WIDE}\n1,2,3\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"t\.csv has column 'a' twice \(columns 1 and 2\): a table names each "
                                              "column once: rename one"):
        read_table(str(path))


def test_a_label_file_with_a_header_field_past_the_csv_module_limit_is_ingested(tmp_path, capsys):
    path = tmp_path / "labels.csv"
    path.write_text(f"request_id,label,label.1,{WIDE}\nr1,1,0,x\n", encoding="utf-8")
    store = tmp_path / "store"
    code, _, err = run_main(["labels", "ingest", "--labels", str(path), "--store", str(store)], capsys, hang_s=60)
    assert code == 0 and "appended 1 labels" in err + _, (code, err[-500:])


def _wide_labels(tmp_path, label: str, rows: str) -> str:
    path = tmp_path / "labels.csv"
    path.write_text(f"request_id,{label}," + ",".join(f"c{i}" for i in range(500)) + "\n" + rows, encoding="utf-8")
    return str(path)


def test_a_label_file_missing_its_label_column_names_ten_columns_and_a_close_one(tmp_path, capsys):
    """A 500-column label file without ``label``: the refusal listed every column (a 5,000-column file: a line of
    40 KB)."""
    source = _wide_labels(tmp_path, "labels", "r1,1," + ",".join("0" * 500) + "\n")
    store = tmp_path / "store"
    code, _, err = run_main(["labels", "ingest", "--labels", source, "--store", str(store)], capsys, hang_s=60)
    assert code == 2 and not store.exists(), err
    assert err.strip().splitlines() == [
        "error: data contract violated (1 rule(s)): column 'label' breaks rule 'required' in 1 row(s): column is "
        f"missing from {source} (columns: 'request_id', 'labels', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7' "
        "and 492 more; did you mean 'labels'?)"
    ]


def test_a_label_file_whose_rows_have_a_field_more_names_ten_columns(tmp_path, capsys):
    source = _wide_labels(tmp_path, "label", "r1,1," + ",".join("0" * 501) + "\n")
    store = tmp_path / "store"
    code, _, err = run_main(["labels", "ingest", "--labels", source, "--store", str(store)], capsys, hang_s=60)
    assert code == 2 and not store.exists(), err
    assert len(err.strip().splitlines()) == 1 and len(err) < 1_000, err[:300]
    assert "(502 columns: 'request_id', 'label', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7' and 492 more)" in err


def test_a_foreign_label_file_in_the_store_names_ten_columns(tmp_path):
    from ctloop.labels.join import _file_key

    names = ["request_id", "label", *(f"c{i}" for i in range(500))]
    with pytest.raises(DataSourceError) as err:
        _file_key("store/labels/part-x.parquet", names)
    assert len(str(err.value)) < 1_000, str(err.value)[:300]
    assert "has no column 'label_time' (columns: 'request_id', 'label', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', " \
        "'c7' and 492 more)" in str(err.value)


BACKTEST = ["--target", "y", "--time-column", "ts", "--window", "60D", "--policy", "never", "--quiet"]
DAY = pd.Timestamp("2025-01-01")


def _daily_csv(path, header: str, cells) -> str:
    rows = [f"{DAY + pd.Timedelta(days=i):%Y-%m-%d},{i % 2},{cells(i)}" for i in range(200)]
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "header, cells, said",
    [
        ("ts,y,x,", lambda i: f"{i * 0.5},{i * 3 + 7}", "column 4 of the header has no name (pandas reads it "
                                                          "'Unnamed: 3')"),
        (",ts,y,x", None, "column 1 of the header has no name (pandas reads it 'Unnamed: 0': a row index written by "
                          "pandas' to_csv without index=False?)"),
    ],
    ids=["trailing", "index"],
)
def test_a_csv_header_cell_without_a_name_is_refused_naming_its_position(tmp_path, capsys, header, cells, said):
    """pandas names an empty header cell 'Unnamed: <position - 1>', and the replay (as prepare_data) trained it
    as a feature of that made-up name without a word; a Parquet column named '' was refused already
    (``contract.check_column_names``)."""
    if cells is None:  # the index first
        # an index of other values (a filtered frame's): an index 0..n-1 or an empty column is left out (review
        # 59 M1: tests/unit/test_r59_fixinput.py)
        rows = [f"{i * 3 + 7},{DAY + pd.Timedelta(days=i):%Y-%m-%d},{i % 2},{i * 0.5}" for i in range(200)]
        (tmp_path / "d.csv").write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        source = str(tmp_path / "d.csv")
    else:
        source = _daily_csv(tmp_path / "d.csv", header, cells)
    out = tmp_path / "out"
    code, _, err = run_main(["backtest", "--data", source, *BACKTEST, "--output", str(out)], capsys, hang_s=60)
    assert code == 2 and not out.exists(), err
    assert err.strip().splitlines() == [
        f"error: --data: {source}: {said}: a feature is sent to the served model by its name: name the column or drop it"
    ]


def test_prepare_data_refuses_a_csv_header_cell_without_a_name(tmp_path):
    from ctloop.components.prepare import core as prepare_core
    from ctloop.config import DataConfig

    source = _daily_csv(tmp_path / "d.csv", "ts,y,,x", lambda i: f"{i * 3 + 7},{i * 0.5}")
    with pytest.raises(DataSourceError, match=r"column 3 of the header has no name \(pandas reads it 'Unnamed: 2'\)"):
        prepare_core.run(read_table(source), DataConfig(uri=source, target="y", time_column="ts"))


def test_a_directory_of_csv_parts_with_an_unnamed_column_is_refused_too(tmp_path):
    from ctloop.contract import check_column_names

    (tmp_path / "d").mkdir()
    for part in ("part-0.csv", "part-1.csv"):
        (tmp_path / "d" / part).write_text("a,,b\n1,2,3\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"column 2 of the header has no name \(pandas reads it 'Unnamed: 1'\)"):
        check_column_names(read_table(str(tmp_path / "d")))


def test_a_column_named_unnamed_in_the_header_itself_is_a_name(tmp_path):
    """'Unnamed: 1' written in the header (a frame read from such a CSV, written again) is the column's name."""
    from ctloop.contract import check_column_names

    (tmp_path / "t.csv").write_text("a,Unnamed: 1,b\n1,2,3\n", encoding="utf-8")
    frame = read_table(str(tmp_path / "t.csv"))
    check_column_names(frame)
    assert list(frame.columns) == ["a", "Unnamed: 1", "b"]


def _out_of_memory(*args, **kwargs):
    raise MemoryError  # as a process memory limit (RLIMIT_AS) makes pandas' or pyarrow's allocation fail


OOM = "does not fit in this process's memory"


def test_a_label_file_beyond_the_process_memory_is_one_line_and_the_store_untouched(tmp_path, capsys, monkeypatch):
    """Only read_table said it in one line; the streamed label ingest (pandas' chunked reader) was a traceback."""
    (tmp_path / "labels.csv").write_text("request_id,label\nr1,1\nr2,0\n", encoding="utf-8")
    store = tmp_path / "store"
    assert run_main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(store)], capsys,
                    hang_s=60)[0] == 0
    before = sorted(p.relative_to(store) for p in store.rglob("*"))
    monkeypatch.setattr(pd, "read_csv", _out_of_memory)
    (tmp_path / "more.csv").write_text("request_id,label\nr3,1\n", encoding="utf-8")
    code, _, err = run_main(["labels", "ingest", "--labels", str(tmp_path / "more.csv"), "--store", str(store)],
                            capsys, hang_s=60)
    assert code == 2 and len(err.strip().splitlines()) == 1, err[-2000:]
    assert err.strip() == (f"error: --labels: {tmp_path / 'more.csv'} {OOM}: it ran out while reading the 22 bytes "
                           "stored: give the process more memory, or split the labels into several files and ingest "
                           "them one by one"), err
    assert sorted(p.relative_to(store) for p in store.rglob("*")) == before


def test_an_inference_log_file_beyond_the_process_memory_is_one_line(tmp_path, monkeypatch):
    from ctloop.inference_log.reader import read_parquet_files

    pd.DataFrame({"request_id": ["a"], "prediction": [0.5]}).to_parquet(tmp_path / "log.parquet")
    monkeypatch.setattr(pd, "read_parquet", _out_of_memory)
    with pytest.raises(DataSourceError, match=rf"^{tmp_path / 'log.parquet'} {OOM}: it ran out while reading the "
                                              r"[\d,]+ bytes stored: give the step more memory$"):
        read_parquet_files([str(tmp_path / "log.parquet")])


def test_a_scoring_batch_beyond_the_process_memory_is_one_line_and_nothing_is_left(tmp_path, monkeypatch):
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from ctloop import scoring, storage

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=50), "b": rng.normal(size=50)})
    model = LogisticRegression().fit(frame, (frame.a > 0).astype(int))
    scorer = scoring.Scorer(model, "credit", "3", "champion", ["a", "b"], ["a", "b"])
    frame.to_parquet(tmp_path / "in.parquet")
    monkeypatch.setattr(storage, "plain_missing", _out_of_memory)  # the batch as pandas reads it
    with pytest.raises(DataSourceError, match=rf"^data: {tmp_path / 'in.parquet'} {OOM}: it ran out while reading "
                                              r"it in batches of 20 rows: lower batch_rows"):
        scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r", batch_rows=20)
    assert not list((tmp_path / "out").glob("*.parquet")) if (tmp_path / "out").exists() else True


@pytest.mark.parametrize(
    "line, said",
    [
        ("not json", "line 2: Expecting value: line 1 column 1 (char 0)"),
        ("2025-01-01,r9,1", "line 2: Extra data: line 1 column 5 (char 4)"),
        ("true, false", "line 2: Extra data: line 1 column 5 (char 4)"),
        ("null", "line 2 is a JSON null, not an object with the label's fields"),
        ("-12.5", "line 2 is a JSON number, not an object with the label's fields"),
        ("false", "line 2 is a JSON bool, not an object with the label's fields"),
        ('"r9"', "line 2 is a JSON string, not an object with the label's fields"),
        ("[1, 2]", "line 2 is a JSON list, not an object with the label's fields"),
    ],
)
def test_a_json_lines_label_file_with_a_line_of_no_json_says_what_is_wrong(tmp_path, capsys, line, said):
    """A line was told by its first character alone: 'not json' was "a JSON null", a CSV row starting with a date
    "a JSON number"."""
    path = tmp_path / "labels.jsonl"
    path.write_text('{"request_id": "r1", "label": 1}\n' + line + "\n", encoding="utf-8")
    store = tmp_path / "store"
    code, _, err = run_main(["labels", "ingest", "--labels", str(path), "--store", str(store)], capsys, hang_s=60)
    assert code == 2 and not store.exists(), err
    assert err.strip().splitlines() == [f"error: --labels: {path} is not a readable JSON lines file: {said}"]


@pytest.mark.parametrize("value", ["1e999", "9" * 400])
def test_a_number_beyond_the_float_range_in_a_numeric_csv_column_is_refused_as_infinite(tmp_path, capsys, value):
    """pandas reads a number past float64's range (1e999, 400 digits) as text (every float_precision), so the
    whole column became text and the replay (as prepare_data) trained a numeric feature as categories, each
    number its own: exit 0, with a note calling '1e999' text ("leave it as it is if its texts are names") and the
    fit's note that it learned nothing; 'Infinity' was refused already."""
    source = _daily_csv(tmp_path / "d.csv", "ts,y,x", lambda i: value if i == 7 else f"{i * 0.5}")
    out = tmp_path / "out"
    code, _, err = run_main(["backtest", "--data", source, *BACKTEST, "--output", str(out)], capsys, hang_s=60)
    assert code == 2 and not out.exists(), err
    shown = repr(value) if len(value) <= 38 else repr(value)[:39] + "…"
    assert err.strip().splitlines() == [
        "error: data contract violated (1 rule(s)): column 'x' breaks rule 'finite' in 1 row(s): numbers beyond "
        f"float64's range (±1.8e308), read as text (e.g. {shown} in row 8): every other value is a number, and "
        "the column would be learned as categories; replace them with a number in range or leave them empty (null)"
    ]


def test_prepare_data_refuses_a_number_beyond_the_float_range_too(tmp_path):
    from ctloop.components.prepare import core as prepare_core
    from ctloop.config import DataConfig
    from ctloop.errors import DataValidationError

    source = _daily_csv(tmp_path / "d.csv", "ts,y,x", lambda i: "1e999" if i == 3 else f"{i}")
    with pytest.raises(DataValidationError, match=r"column 'x' breaks rule 'finite' in 1 row\(s\): numbers beyond"):
        prepare_core.run(read_table(source), DataConfig(uri=source, target="y", time_column="ts"))


@pytest.mark.parametrize("other", ["abc", "x1", "１０００", "\u00a012", "12\u2003", "١٢"])
def test_text_holding_a_number_beyond_the_float_range_among_words_stays_text(tmp_path, other):
    """Words, and digits or spaces pandas' parser reads as no number (full-width, Arabic-Indic, a no-break or
    em space: review 59 H2, L1 said of them "every other value is a number"), make a text column."""
    from ctloop.contract import check_finite

    check_finite(pd.DataFrame({"code": ["1e999", other, "5"], "n": ["1e5", "2", None]}))


def test_a_column_named_twice_is_said_alike_by_every_reader_and_format(tmp_path, capsys):
    """read_table said a CSV's repeated name "...: rename one" and a Parquet file's "...: a table names each column
    once: rename one" (so did drift's streamed engine and scoring for a CSV); the label ingest said the first."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "t.csv").write_text("a,a,b\n1,2,3\n", encoding="utf-8")
    pq.write_table(pa.table([pa.array([1]), pa.array([2]), pa.array([3])], names=["a", "a", "b"]), tmp_path / "t.parquet")
    said = set()
    for name in ("t.csv", "t.parquet"):
        with pytest.raises(DataSourceError) as err:
            read_table(str(tmp_path / name))
        said.add(str(err.value).replace(name, "<file>"))
    (tmp_path / "l.csv").write_text("request_id,label,label\nr1,1,0\n", encoding="utf-8")
    code, _, err = run_main(["labels", "ingest", "--labels", str(tmp_path / "l.csv"), "--store", str(tmp_path / "s")],
                            capsys, hang_s=60)
    assert code == 2
    said.add(err.strip().replace(f"error: --labels: {tmp_path / 'l.csv'}", "<file>").replace("'label'", "'a'")
             .replace("columns 2 and 3", "columns 1 and 2"))
    assert {s.replace(str(tmp_path) + "/", "") for s in said} == {
        "<file> has column 'a' twice (columns 1 and 2): a table names each column once: rename one"}
