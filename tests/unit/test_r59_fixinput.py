"""Review fixes for round 59's hostile input (H1, H2, M1-M4, L1-L4): a retry running out of memory keeps the
finished run's files, number text the finite check cannot read as a number stays text, an unnamed column that
is only an index or empty is dropped with a note, and the readers' memory refusals wrap only the reading."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import DataSourceError
from tests.unit.test_r59_input import BACKTEST, DAY, _daily_csv

OOM = "does not fit in this process's memory"


def test_a_retry_running_out_of_memory_keeps_the_finished_runs_files(tmp_path, monkeypatch):
    """H1: memory_said sat inside the try whose handler undoes the attempt, so a MemoryError reached it as a
    DataSourceError (the input refused) and the undo removed the first, finished attempt's chunks, logged chunks
    and batch-run record too (review 49 2A's data loss); a store failing under the attempt undoes its files only."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from ctloop import scoring, storage

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)})
    model = LogisticRegression().fit(frame, (frame.a > 0).astype(int))
    scorer = scoring.Scorer(model, "credit", "3", "champion", ["a", "b"], ["a", "b"])
    frame.to_parquet(tmp_path / "in.parquet")
    out, log = tmp_path / "out", tmp_path / "log"
    scoring.score(scorer, str(tmp_path / "in.parquet"), str(out), run_id="r", batch_rows=20, log_root=str(log))

    def files():
        return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()
                      and p.name != "in.parquet")

    before = files()
    assert any("_batch_runs" in f for f in before) and len([f for f in before if f.startswith("out/")]) == 5, before
    plain, calls = storage.plain_missing, []

    def third_call_out_of_memory(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise MemoryError
        return plain(*args, **kwargs)

    monkeypatch.setattr(storage, "plain_missing", third_call_out_of_memory)
    with pytest.raises(DataSourceError, match=OOM):
        scoring.score(scorer, str(tmp_path / "in.parquet"), str(out), run_id="r", batch_rows=20, log_root=str(log))
    assert files() == before


@pytest.mark.parametrize("cell", [lambda i: "１０００" if i == 7 else str(i),  # full-width digits
                                  lambda i: f"\xa0{i}",  # a number padded with a no-break space
                                  lambda i: "١٢" if i == 7 else str(i)])  # Arabic-Indic digits
def test_text_of_digits_pandas_reads_as_no_number_is_not_called_beyond_the_float_range(tmp_path, capsys, cell):
    """H2: ``\\d`` and ``\\s`` matched non-ASCII digits and spaces, which pd.to_numeric reads as NaN (pandas'
    own parser, pandas/_libs/src/parser/tokenizer.c, 2.2: ASCII digits and ' ', '\\t' only), so the check
    refused them as "beyond float64's range": exit 2 on a file the replay read before (exit 0)."""
    from tests.helpers import run_main

    source = _daily_csv(tmp_path / "d.csv", "ts,y,x", cell)
    code, _, err = run_main(["backtest", "--data", source, *BACKTEST, "--output", str(tmp_path / "out")], capsys,
                            hang_s=120)
    assert "finite" not in err and code == 0, err[-1000:]


def test_codes_the_contract_declares_text_are_not_checked_as_numbers(tmp_path):
    """H2: '8E308' in a lot column declared ``dtype: string`` is a code, not a number past the range."""
    from ctloop.components.prepare import core as prepare_core
    from ctloop.config import DataConfig
    from ctloop.storage import read_table

    source = _daily_csv(tmp_path / "d.csv", "ts,y,lot,x", lambda i: f"{'8E308' if i % 3 else f'{i}E2'},{i}")
    for dtype in ("string", "category"):
        cfg = DataConfig(uri=source, target="y", time_column="ts", contract={"columns": {"lot": {"dtype": dtype}}})
        prepare_core.run(read_table(source), cfg)


def test_a_number_beyond_the_float_range_in_a_frame_whose_index_repeats_names_its_row():
    """M2: the row was the index label's position (get_loc), a slice or a mask for a repeated label:
    int() raised TypeError (a traceback) for pd.concat([a, b])."""
    from ctloop.contract import check_finite
    from ctloop.errors import DataValidationError

    frame = pd.concat([pd.DataFrame({"x": ["1", "2"]}), pd.DataFrame({"x": [None, "1e999"]})])
    with pytest.raises(DataValidationError, match=r"'1e999' in row 4\)"):
        check_finite(frame)


def test_prepare_data_names_the_row_of_a_number_beyond_the_range_in_a_concatenated_frame(tmp_path):
    from ctloop.components.prepare import core as prepare_core
    from ctloop.config import DataConfig
    from ctloop.errors import DataValidationError
    from ctloop.storage import read_table

    source = _daily_csv(tmp_path / "d.csv", "ts,y,x", lambda i: "1e999" if i == 150 else f"{i}")
    frame = read_table(source)
    with pytest.raises(DataValidationError, match=r"breaks rule 'finite' in 1 row\(s\)"):
        prepare_core.run(pd.concat([frame.iloc[:100], frame.iloc[100:].reset_index(drop=True)]),
                         DataConfig(uri=source, target="y", time_column="ts"))


def test_number_text_that_cannot_be_out_of_range_is_not_parsed(monkeypatch):
    """M3: every object column of number text went through a regex and pd.to_numeric (1e6 rows, two columns:
    0.009 s -> 5.87 s). Only text with an exponent or longer than 308 characters can be past float64's range;
    without such text the column is not parsed (benchmarks/bench_r59_finite_check.py measures it)."""
    from ctloop import contract

    def parsed(*args, **kwargs):
        raise AssertionError("pd.to_numeric called")

    monkeypatch.setattr(pd, "to_numeric", parsed)
    contract.check_finite(pd.DataFrame({"a": [str(i) for i in range(1000)], "b": [f"{i}.5" for i in range(1000)]}))


@pytest.mark.parametrize(
    "header, cells",
    [
        ("ts,y,x,", lambda i: f"{i * 0.5},"),
        ("ts,y,x,,", lambda i: f"{i * 0.5},,"),
    ],
    ids=["trailing", "two-trailing"],
)
def test_an_empty_unnamed_column_is_left_out_with_a_note(tmp_path, capsys, recwarn, header, cells):
    """M1: a spreadsheet's trailing empty column (an Excel export's 'ts,y,x,') was refused by round 59's rule;
    before it the replay ran (exit 0, "no value in any training row"). Left out, saying so."""
    from tests.helpers import run_main

    source = _daily_csv(tmp_path / "d.csv", header, cells)
    code, out, err = run_main(["backtest", "--data", source, *BACKTEST[:-1], "--output", str(tmp_path / "out")],
                              capsys, hang_s=120)
    assert code == 0, err[-1000:]
    notes = [str(w.message) for w in recwarn if "of the header has no name" in str(w.message)]
    assert notes == [f"{source}: column {at} of the header has no name and is all empty: left out"
                     for at in range(4, header.count(",") + 2)], notes


@pytest.mark.parametrize("start", [0, 1])
def test_a_row_index_written_by_to_csv_is_left_out_with_a_note(tmp_path, capsys, recwarn, start):
    """M1: every plain ``df.to_csv(path)`` file (an unnamed index 0..n-1) was refused; the index is no
    feature: left out, saying so. 1..n (an index shifted to count from one) too."""
    from tests.helpers import run_main

    frame = pd.DataFrame({"ts": [f"{DAY + pd.Timedelta(days=i):%Y-%m-%d}" for i in range(200)],
                          "y": [i % 2 for i in range(200)], "x": [i * 0.5 for i in range(200)]})
    frame.index += start
    frame.to_csv(tmp_path / "d.csv")
    code, _, err = run_main(["backtest", "--data", str(tmp_path / "d.csv"), *BACKTEST[:-1], "--output",
                             str(tmp_path / "out")], capsys, hang_s=120)
    assert code == 0, err[-1000:]
    notes = [str(w.message) for w in recwarn if "of the header has no name" in str(w.message)]
    assert notes == [f"{tmp_path / 'd.csv'}: column 1 of the header has no name and holds the row positions "
                     f"{start}..{199 + start}, an index written by pandas' to_csv: left out"], notes


def test_prepare_data_leaves_out_an_index_written_by_to_csv_and_an_empty_unnamed_column(tmp_path):
    from ctloop.components.prepare import core as prepare_core
    from ctloop.config import DataConfig
    from ctloop.storage import read_table

    frame = pd.DataFrame({"ts": [f"{DAY + pd.Timedelta(days=i):%Y-%m-%d}" for i in range(50)],
                          "y": [i % 2 for i in range(50)], "x": [i * 0.5 for i in range(50)], "": [None] * 50})
    frame.to_csv(tmp_path / "d.csv")
    source = str(tmp_path / "d.csv")
    with pytest.warns(UserWarning) as said:
        result = prepare_core.run(read_table(source), DataConfig(uri=source, target="y", time_column="ts"))
    notes = [str(w.message) for w in said if "of the header has no name" in str(w.message)]
    assert notes == [f"{source}: column 1 of the header has no name and holds the row positions 0..49, an index "
                     "written by pandas' to_csv: left out",
                     f"{source}: column 5 of the header has no name and is all empty: left out"], notes
    assert [c for c in result.train.columns if str(c).startswith("Unnamed")] == []


def test_an_unnamed_column_holding_other_values_is_still_refused(tmp_path):
    from ctloop.contract import check_column_names, drop_unnamed_columns
    from ctloop.storage import read_table

    (tmp_path / "d.csv").write_text("ts,,x\n2025-01-01,5,1\n2025-01-02,7,2\n2025-01-03,,3\n", encoding="utf-8")
    frame = drop_unnamed_columns(read_table(str(tmp_path / "d.csv")))
    with pytest.raises(DataSourceError, match=r"column 2 of the header has no name \(pandas reads it 'Unnamed: 1'\)"):
        check_column_names(frame)


def _wide_header_labels(path) -> str:
    """A label file the batches hand to the whole read (``_Broken``: a header longer than the bytes read)."""
    path.write_text("request_id,label," + "x" * 70_000 + "\nr1,1,a\nr2,0,b\n", encoding="utf-8")
    return str(path)


def test_memory_running_out_while_the_labels_are_committed_is_not_said_as_reading_them(tmp_path, monkeypatch):
    """M4: the whole read's memory_said wrapped _ingest_whole, whose _commit writes the store (a manifest, the
    staged file copied; a remote store reads it into memory): a MemoryError there was said "does not fit in
    this process's memory: it ran out while reading" the label file, which had been read."""
    import shutil

    from ctloop.labels.store import ingest_labels

    source = _wide_header_labels(tmp_path / "labels.csv")

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(shutil, "copyfile", out_of_memory)
    with pytest.raises(DataSourceError, match=rf"labels\.csv {OOM}: it ran out while writing its 2 label\(s\) "
                                              "to the label store") as refused:  # one line since round 60
        ingest_labels(source, str(tmp_path / "store"))
    assert "while reading" not in str(refused.value)


def test_memory_running_out_while_the_whole_label_file_is_read_is_one_line(tmp_path, monkeypatch):
    from ctloop import storage
    from ctloop.labels.store import ingest_labels

    source = _wide_header_labels(tmp_path / "labels.csv")

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(storage, "read_table", out_of_memory)
    with pytest.raises(DataSourceError, match=rf"labels\.csv {OOM}: it ran out while reading"):
        ingest_labels(source, str(tmp_path / "store"))
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize("header, at, name", [("a,,Unnamed: 1", 2, "Unnamed: 1.1"), ("a,Unnamed: 2,", 3, "Unnamed: 2.1")])
def test_an_empty_header_cell_beside_a_column_named_as_pandas_names_it_is_still_no_name(tmp_path, header, at, name):
    """L2: pandas names the empty cell 'Unnamed: <i>.1' when the header also holds 'Unnamed: <i>' (its
    parsers' dedup_names, pandas/io/common.py, pandas 2.x): the position check wanted 'Unnamed: <i>', so the empty
    cell was not recorded and trained as a feature."""
    from ctloop.contract import check_column_names
    from ctloop.storage import read_table

    (tmp_path / "t.csv").write_text(f"{header}\n1,7,3\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match=rf"column {at} of the header has no name \(pandas reads it '{name}'\)"):
        check_column_names(read_table(str(tmp_path / "t.csv")))


def test_json_lines_label_files_joined_with_their_byte_order_marks_are_read(tmp_path, capsys):
    """L4: ``cat a.jsonl b.jsonl`` of two files written with a BOM (Windows' Notepad, PowerShell's Out-File)
    puts one at the start of a later line: refused 'line 2: Unexpected UTF-8 BOM'; a BOM starts each line's
    text as it starts the first's."""
    from tests.helpers import run_main

    bom = "\ufeff"
    path = tmp_path / "labels.jsonl"
    path.write_text(f'{bom}{{"request_id": "r1", "label": 1}}\n{bom}{{"request_id": "r2", "label": 0}}\n',
                    encoding="utf-8")
    store = tmp_path / "store"
    code, out, err = run_main(["labels", "ingest", "--labels", str(path), "--store", str(store)], capsys, hang_s=60)
    assert code == 0 and "appended 2 labels" in out + err, (code, err[-500:])
