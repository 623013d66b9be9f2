"""Round 58's hunt at the data boundary (/tmp/r58dt/data: 36 hostile CSV and Parquet files through ``ctloop
backtest --data``). BOMs, NUL bytes, CRLF in quoted fields, latin-1 bytes, UTF-16, duplicate and empty names,
nested features, a one-class target were each one line, exit 2, nothing written. Two were not:

- a header of many columns and no rows: pandas 2.3.3 reads a header-only CSV in time quadratic in its columns
  (``pandas/io/parsers/c_parser_wrapper.py`` ``read``: ``{k: v for k, v in col_dict.items() if k in columns}``,
  ``columns`` a list): 8,000 columns took 2.2 s, 100,000 more than two minutes (killed), 10**6 hours; and the
  refusal then listed every column (a line of 989,011 bytes for 100,000);
- a Parquet struct column as the target: ``TypeError: unhashable type: 'dict'`` from ``check_labels`` (pandas'
  ``unique``), a traceback; the train core refused it already (``check_target_nested``)."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.errors import DataSourceError
from ctloop.storage import read_table
from tests.helpers import run_main

ARGS = ["--target", "y", "--time-column", "ts", "--window", "7D", "--policy", "never", "--quiet"]


def test_a_wide_header_without_rows_is_refused_at_once_naming_ten_columns(tmp_path, capsys, monkeypatch):
    path = tmp_path / "wide.csv"
    path.write_text(
        "ts,y," + ",".join(f"c{i}" for i in range(20_000)) + "\r\n\n\n", encoding="utf-8"
    )
    out = tmp_path / "out"

    def quadratic(*args, **kwargs):  # 20,000 columns: about 15 s in pandas' reader (2.2 s for 8,000)
        raise AssertionError("a header-only CSV went to pandas.read_csv")

    # the header is read without pandas (not a timed bound: a 10 s alarm failed once on a loaded machine in
    # round 58's full run); the alarm only catches a hang
    monkeypatch.setattr(pd, "read_csv", quadratic)
    code, _, err = run_main(
        ["backtest", "--data", str(path), *ARGS, "--output", str(out)], capsys, hang_s=120
    )
    assert code == 2 and not out.exists(), (code, err[:300])
    assert err.strip().splitlines() == [
        "error: data contract violated (1 rule(s)): column '*' breaks rule 'rows': the data have no rows (its "
        "columns: 'ts', 'y', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7' and 19992 more)"
    ]


@pytest.mark.parametrize(
    "header",
    [
        b"ts,y",
        b'\xef\xbb\xbfts,"a,b",,y',
        b" a , b\t,,",
        b'"x""y",z\r',
        b"\xc3\xa9t\xc3\xa9,1,2.5",
    ],
)
def test_a_header_only_csv_reads_as_pandas_reads_it(tmp_path, header):
    """The linear path gives the frame pandas gives for a header it reads quickly: the names as pandas makes
    them (a BOM dropped, an empty name 'Unnamed: 2', a repeated one 'a.1', a quoted comma kept), text
    columns, no rows; blank lines after it are no rows."""
    path = tmp_path / "h.csv"
    path.write_bytes(header + b"\n \n\n")
    frame, pandas = read_table(str(path)), pd.read_csv(io.BytesIO(header + b"\n"))
    assert list(frame.columns) == list(pandas.columns) and len(frame) == 0
    assert [str(t) for t in frame.dtypes] == [str(t) for t in pandas.dtypes]


def test_a_struct_target_is_one_line(tmp_path, capsys):
    n = 40
    ts = pa.array([f"2025-01-{1 + i % 28:02d}" for i in range(n)])
    y = pa.StructArray.from_arrays(
        [pa.array(range(n)), pa.array([i % 2 for i in range(n)])], names=["a", "b"]
    )
    pq.write_table(
        pa.Table.from_arrays([ts, pa.array([0.5] * n), y], names=["ts", "x", "y"]),
        tmp_path / "d.parquet",
    )
    out = tmp_path / "out"
    code, _, err = run_main(
        ["backtest", "--data", str(tmp_path / "d.parquet"), *ARGS, "--output", str(out)],
        capsys,
        hang_s=30,
    )
    assert code == 2 and not out.exists(), err  # was 1: TypeError: unhashable type: 'dict'
    assert err.strip().splitlines() == [
        "error: data contract violated (1 rule(s)): column 'y' breaks rule 'dtype' in 40 row(s): nested values "
        "(dict; e.g. {'a': 0, 'b': 0}): a target needs one class or number per row"
    ]


def test_a_header_only_csv_naming_a_column_twice_is_refused_as_before(tmp_path):
    (tmp_path / "h.csv").write_bytes(b"a,a,b\n")
    with pytest.raises(
        DataSourceError, match=r"has column 'a' twice \(columns 1 and 2\): a table names each column once: rename one"
    ):
        read_table(str(tmp_path / "h.csv"))


def test_a_table_beyond_the_process_memory_is_one_line(tmp_path):
    """A gzip file of 200 MB of rows (a 'zip bomb' of 0.9 MB) read under a memory limit 100 MB above the
    process' own (RLIMIT_AS, set in a child interpreter once its readers are imported, so that this process
    keeps its own): was pandas' MemoryError, a traceback (exit 1); the drift reader said it in one line already.
    The child is a new interpreter run to its end (round 58's review: a forked pytest, holding pyarrow's threads,
    was killed but never reaped, a leaked process at every session's end)."""
    import gzip
    import subprocess
    import sys

    bomb = tmp_path / "bomb.csv.gz"
    member = gzip.compress(
        b"1,2,3,4,5\n" * 1_000_000, compresslevel=1
    )  # gzip members, one after another
    bomb.write_bytes(gzip.compress(b"a,b,c,d,e\n") + member * 20)
    (tmp_path / "small.csv").write_bytes(b"a,b\n1,2\n")
    child = f"""
import resource
from ctloop.errors import DataSourceError
from ctloop.storage import read_table
read_table({str(tmp_path / "small.csv")!r})  # the readers imported before the limit
used = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (used + (100 << 20),) * 2)
try:
    read_table({str(bomb)!r})
    print("read")
except DataSourceError as exc:
    print(f"DataSourceError: {{exc}}")
"""
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=60, check=False
    )
    said = done.stdout.strip() or done.stderr.strip()[-2000:]  # what escaped is the finding
    assert said.startswith(
        f"DataSourceError: {bomb} does not fit in this process's memory: it ran out while "
        f"reading the {bomb.stat().st_size:,} bytes stored (gzip-compressed"
    ), said
