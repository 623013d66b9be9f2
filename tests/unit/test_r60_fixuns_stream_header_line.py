"""Review 60: the streamed reader drift (``--engine stream``) and batch scoring share (``Source._file_batches``,
pyarrow's CSV reader, which types a column from its first block: ``ReadOptions.block_size``, 1 MiB, pyarrow
25) said of a CSV of exports concatenated with their headers

    column 'codes' is string in the current data but int64 in the reference ...   (the line in the first block)
    ... column 'codes' holds whole numbers (int64) in its first rows but 'codes' on row 150000 ...   (past it)

where ``read_table`` (the memory engine, training, the backtest) says "line 302 repeats its header line
'codes,a,c'". Both say read_table's words now (one function: ``storage.header_line_again``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop import scoring
from ctloop.errors import DataSourceError

HEADER = "codes,a,c"


def _table(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"codes": rng.integers(0, 9, rows), "a": rng.normal(size=rows).round(4),
                         "c": rng.choice(["x", "y"], rows)})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The reference; the current data twice exported, the second header in the first block (line 302) and
    past it (line 150002)."""
    root = tmp_path_factory.mktemp("twice")
    _table(500, 1).to_csv(root / "ref.csv", index=False)
    for name, rows, at in (("small", 600, 300), ("big", 160_000, 150_000)):
        frame = _table(rows, 2)
        (root / f"{name}.csv").write_text(frame.iloc[:at].to_csv(index=False) + frame.iloc[at:].to_csv(index=False))
    return root


@pytest.mark.parametrize("engine", ["memory", "stream"])
@pytest.mark.parametrize("name, line", [("small", 302), ("big", 150_002)])
def test_drift_names_the_header_line_with_either_engine(files, capsys, engine, name, line):
    from ctloop.cli import main

    rc = main(["drift", "--reference", str(files / "ref.csv"), "--current", str(files / f"{name}.csv"),
               "--engine", engine, "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err == (f"error: --current: {files / name}.csv: line {line} repeats its header line {HEADER!r} (CSV exports "
                   "concatenated with their headers?): read as a row of text, it would make every column text; remove "
                   "the repeated header line\n")


class _Half:
    """A model answering 0.5 for every row: the refusal is the reader's, and the test's cost was sklearn's import
    (2 s of the first case's 3), not its data."""

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return np.full((len(frame), 2), 0.5)


@pytest.mark.parametrize("name, line", [("small", 302), ("big", 150_002)])
def test_batch_scoring_names_it_too(files, tmp_path, name, line):
    scorer = scoring.Scorer(_Half(), "m", "1", "champion", ["codes", "a"], ["codes", "a"])
    with pytest.raises(DataSourceError, match=rf"{name}\.csv: line {line} repeats its header line 'codes,a,c' "):
        scoring.score(scorer, str(files / f"{name}.csv"), str(tmp_path / "out"), run_id="r",
                      log_root=str(tmp_path / "log"))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_a_table_of_text_naming_its_column_in_a_row_is_compared(tmp_path, capsys, engine):
    from ctloop.cli import main

    (tmp_path / "ref.csv").write_text("word\n" + "apple\npear\n" * 40)
    (tmp_path / "cur.csv").write_text("word\n" + "apple\nword\npear\n" * 30)
    rc = main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "cur.csv"),
               "--engine", engine, "--quiet"])
    assert rc in (0, 1), capsys.readouterr().err


def _drift(tmp_path, capsys, current, *more: str, engine: str = "stream") -> tuple[int, str]:
    from ctloop.cli import main

    rc = main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(current), "--engine", engine,
               "--quiet", *more])
    return rc, capsys.readouterr().err


def _quoted(tmp_path, rows: int, every: int):
    """A CSV (x numbers, color, city) whose header stands again every ``every`` rows quoted otherwise
    ('"x","color","city"'), so no line repeats it byte for byte; and its reference."""
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"x": rng.integers(0, 1000, rows), "color": rng.choice(["red", "blue"], rows),
                          "city": rng.choice(["aa", "bb"], rows)})
    frame.iloc[:300].to_csv(tmp_path / "ref.csv", index=False)
    lines = frame.to_csv(index=False).splitlines()
    out = [lines[0]]
    for i in range(0, rows, every):
        if i:
            out.append('"x","color","city"')
        out.extend(lines[1 + i:1 + i + every])
    (tmp_path / "quoted.csv").write_text("\n".join(out) + "\n")
    return tmp_path / "quoted.csv"


@pytest.mark.parametrize("columns", [[], ["--columns", "color"]])
def test_a_header_quoted_otherwise_is_named_by_its_rows_in_the_first_block(tmp_path, capsys, columns):
    path = _quoted(tmp_path, 600, 100)
    memory = _drift(tmp_path, capsys, path, engine="memory")
    stream = _drift(tmp_path, capsys, path, *columns)
    assert memory[0] == stream[0] == 2, (memory, stream)
    assert f"{path}: its data rows 101, 202, 303, 404 and 505 repeat its header line 'x,color,city' " in stream[1]
    assert stream[1] == memory[1]


@pytest.mark.parametrize("every, rows", [(30_000, "30001, 60002, 90003 and 120004"), (100_000, "100001")])
def test_a_header_quoted_otherwise_in_many_batches_is_named_by_its_rows(tmp_path, capsys, monkeypatch, every, rows):
    """Every 30,000 rows (the first block, 1 MiB, holds two: 'x' read as text, each batch holding one): the file's
    lines are read once (review 60: once per batch, O(batches x file), and then no refusal). Every 100,000 rows
    (past the first block, 'x' numbers there, the type change fails): read_table's words, not "column 'x'
    holds whole numbers (int64) in its first rows but 'x' on row 100000"."""
    from ctloop import storage

    path = _quoted(tmp_path, 150_000, every)
    memory = _drift(tmp_path, capsys, path, engine="memory")
    calls = []
    scan = storage.header_lines_again
    monkeypatch.setattr(storage, "header_lines_again", lambda stream: calls.append(1) or scan(stream))
    stream = _drift(tmp_path, capsys, path)
    assert memory[0] == stream[0] == 2, (memory, stream)
    assert f"its data row{'s' if ',' in rows else ''} {rows} repeat" in stream[1]
    assert stream[1] == memory[1]
    assert len(calls) == 1


def test_a_trailing_comma_header_repeated_in_the_first_block_is_refused(tmp_path, capsys):
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"codes": rng.integers(0, 9, 200), "target": rng.integers(0, 2, 200),
                          "c": rng.choice(["x", "y"], 200)})
    text = "".join(line + ",\n" for line in frame.to_csv(index=False).splitlines())
    lines = text.splitlines(keepends=True)
    (tmp_path / "ref.csv").write_text("".join(lines[:100]))
    (tmp_path / "cur.csv").write_text("".join(lines[:60] + lines[:1] + lines[60:]))
    for engine in ("memory", "stream"):
        rc, err = _drift(tmp_path, capsys, tmp_path / "cur.csv", engine=engine)
        assert rc == 2, (engine, err)
        assert ": line 61 repeats its header line 'codes,target,c,' (CSV" in err, (engine, err)


def test_a_column_text_in_its_first_rows_only_is_judged_on_the_file_by_both_engines(tmp_path, capsys):
    """'A1' in the first rows, numbers after, the header line again past the first block: read_table reads the
    column as text (the header line made no column text), and the streamed reader, which judged the later batch
    alone (all numbers there but 'code'), refused the file (review 60, code_late.csv); both read it now."""
    rng = np.random.default_rng(9)
    codes = ["A1"] * 100 + [str(v) for v in rng.integers(0, 99999, 249_900)]
    cities = rng.choice(["aa", "bb"], 250_000)
    lines = [f"{c},{t}" for c, t in zip(codes, cities, strict=True)]
    (tmp_path / "ref.csv").write_text("code,city\n" + "\n".join(lines[:2000]) + "\n")
    (tmp_path / "cur.csv").write_text("code,city\n" + "\n".join(lines[:200_000] + ["code,city"] + lines[200_000:])
                                      + "\n")
    for engine in ("memory", "stream"):
        rc, err = _drift(tmp_path, capsys, tmp_path / "cur.csv", engine=engine)
        assert rc in (0, 1), (engine, err)


def test_columns_named_as_numbers_are_read_by_both_engines(tmp_path, capsys):
    """Review 60 (third): '2023,2024,region' again among rows of integers under '2023' and '2024' and words under
    'region': pandas reads '2023' as a number in a column of numbers, so read_table reads the file; the streamed
    reader, reading every column as text to judge it, found '2023' and '2024' made text and refused it (read at
    09cc77d6). A column named as a number is never one a header line made text (storage.may_be_made_text)."""
    rng = np.random.default_rng(11)
    lines = [f"{a},{b},{r}" for a, b, r in zip(rng.integers(0, 99, 2000), rng.integers(0, 99, 2000),
                                              rng.choice(["north", "south"], 2000), strict=True)]
    (tmp_path / "ref.csv").write_text("2023,2024,region\n" + "\n".join(lines[:500]) + "\n")
    (tmp_path / "cur.csv").write_text("2023,2024,region\n" + "\n".join(lines[:1000] + ["2023,2024,region"]
                                                                       + lines[1000:]) + "\n")
    for engine in ("memory", "stream"):
        rc, err = _drift(tmp_path, capsys, tmp_path / "cur.csv", engine=engine)
        assert rc in (0, 1) and "repeats its header line" not in err, (engine, err)


def test_the_file_is_judged_batch_by_batch_and_reading_stops_at_words(tmp_path, capsys, monkeypatch):
    """Review 60 (third): judging the file read it into one table of text (2e6 rows of four text columns: 1.3
    GiB where the streamed engine keeps 0.45-0.6 GiB), for a legitimate table of text concatenated with its
    header too. It reads batch by batch now, and stops at the batch whose values show no column made text."""
    import pyarrow.dataset as pads

    from ctloop.drift import streaming

    rng = np.random.default_rng(12)
    rows = 150_000
    words = [f"{a},{b}" for a, b in zip(rng.choice(["red", "blue"], rows), rng.choice(["aa", "bb"], rows),
                                        strict=True)]
    (tmp_path / "ref.csv").write_text("color,city\n" + "\n".join(words[:500]) + "\n")
    (tmp_path / "cur.csv").write_text("color,city\n" + "\n".join(words[:100] + ["color,city"] + words[100:]) + "\n")
    rc, err = _drift(tmp_path, capsys, tmp_path / "cur.csv")
    assert rc in (0, 1) and "repeats its header line" not in err, err
    batches, tables = [], []

    class Counted:  # the file's fragment, its reads counted (pyarrow's types take no patch)
        def __init__(self, fragment):
            self.fragment = fragment

        def __getattr__(self, name):
            return getattr(self.fragment, name)

        def to_batches(self, *a, **k):
            for batch in self.fragment.to_batches(*a, **k):
                batches.append(batch.num_rows)
                yield batch

        def to_table(self, *a, **k):
            tables.append(1)
            return self.fragment.to_table(*a, **k)

    fragment = Counted(next(pads.dataset(str(tmp_path / "cur.csv"), format="csv").get_fragments()))
    assert streaming._file_header_rows(fragment, {}) == []
    assert len(batches) == 1 and batches[0] < rows and not tables, (batches, tables)


def test_no_file_header_is_read_to_know_its_unnamed_columns(tmp_path, capsys, monkeypatch):
    """Review 60 (third): every file's first batch read the file's header again (a GET per file on an object
    store) before knowing whether any row was a header line; the names come from the file's schema now."""
    from ctloop.drift import streaming

    rng = np.random.default_rng(13)
    (tmp_path / "parts").mkdir()
    for i in range(5):
        pd.DataFrame({"x": rng.integers(0, 9, 50), "c": rng.choice(["a", "b"], 50)}).to_csv(
            tmp_path / "parts" / f"p{i}.csv", index=False)
    pd.DataFrame({"x": rng.integers(0, 9, 50), "c": rng.choice(["a", "b"], 50)}).to_csv(tmp_path / "ref.csv",
                                                                                     index=False)
    calls = []
    real = streaming._csv_header
    monkeypatch.setattr(streaming, "_csv_header", lambda fs, path: calls.append(path) or real(fs, path))
    rc, err = _drift(tmp_path, capsys, tmp_path / "parts")
    assert rc in (0, 1), err
    assert len(calls) <= 2, calls  # the reference's and the dataset's first file (separator, unnamed), not each


def test_a_header_that_says_unnamed_is_a_name_for_both_engines(tmp_path, capsys):
    """Review of stop 60's own bd1a9053: a file written by pd.read_csv(f).to_csv(g, index=False) of a file saved
    with its index has the header 'Unnamed: 0,ts,v' written out; taking that name for an empty header field, the
    streamed reader missed the header line again ("column 'Unnamed: 0' is string in the current data ...")."""
    import io

    frame = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=200, freq="h").astype(str), "v": range(200)})
    again = pd.read_csv(io.StringIO(frame.to_csv()))
    assert list(again.columns) == ["Unnamed: 0", "ts", "v"]
    text = again.to_csv(index=False)
    (tmp_path / "ref.csv").write_text(text)
    (tmp_path / "cur.csv").write_text(text + text)
    for engine in ("memory", "stream"):
        rc, err = _drift(tmp_path, capsys, tmp_path / "cur.csv", engine=engine)
        assert rc == 2 and ": line 202 repeats its header line 'Unnamed: 0,ts,v'" in err, (engine, err)


def test_dates_written_as_digits_then_with_dashes_are_dates_across_batches(tmp_path):
    """Review of stop 60's own bd1a9053: '20240105' reads as a number and as an ISO date; judging dates only where
    a batch was not numbers lost them, so a column of such dates in one batch and '2024-01-05' in the next was not
    made text by the header line there, where read_table (the whole column: dates) refuses the file."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.dataset as pads

    from ctloop.drift import streaming

    lines = [f"2024010{1 + i % 9},w{i % 3}" for i in range(100)] + ["day,x"] + \
        [f"2024-01-0{1 + i % 9},w{i % 3}" for i in range(300)]
    (tmp_path / "cur.csv").write_text("day,x\n" + "\n".join(lines) + "\n")
    fmt = pads.CsvFileFormat(read_options=pacsv.ReadOptions(block_size=1000))  # several batches
    fragment = next(pads.dataset(str(tmp_path / "cur.csv"), format=fmt).get_fragments())
    text = pa.schema([pa.field("day", pa.string()), pa.field("x", pa.string())])
    assert len(list(fragment.to_batches(schema=text))) > 2
    assert streaming._file_header_rows(fragment, {}) == [101]
