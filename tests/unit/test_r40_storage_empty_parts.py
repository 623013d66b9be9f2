"""A zero-byte file inside a data directory (Hadoop's ``part-00003`` of a reducer with no output, an
empty CSV a job wrote for an empty partition, a ``touch``-ed placeholder) failed the whole input:
pyarrow cannot infer a schema from it ("Empty CSV file or block: cannot infer number of columns",
"Parquet file size is 0 bytes"), so ``ctloop drift`` / ``ctloop score --data DIR`` refused every
other file's rows with it (round 39, left alone).

The rule, for every format: a zero-byte file holds no rows and no columns, and a directory or glob
reading it leaves it out, as Spark does (``PartitioningAwareFileIndex.listFiles``:
``isNonEmptyFile(f) = isDataPath(f.getPath) && f.getLen > 0``, Spark 3.5,
sql/core/src/main/scala/org/apache/spark/sql/execution/datasources/PartitioningAwareFileIndex.scala),
on local disk and on object stores alike. A file named on its own that is empty is still refused,
and a directory whose files are all empty says so in one line.
"""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import fresh_bucket

CSV = b"x,c\n1.5,a\n2.5,b\n"


def _parquet(frame: pd.DataFrame) -> bytes:
    import io

    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


PARQUET = _parquet(pd.DataFrame({"x": [1.5, 2.5], "c": ["a", "b"]}))
FILES = {
    "csv": {"part-00000.csv": CSV, "part-00003.csv": b"", "part-00004.csv": CSV},
    "csv.gz": {"part-00000.csv.gz": gzip.compress(CSV), "part-00003.csv.gz": b"", "part-00004.csv.gz": gzip.compress(CSV)},
    "parquet": {"part-00000.parquet": PARQUET, "part-00003.parquet": b"", "part-00004.parquet": PARQUET},
}


def _write(root: str, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        storage.write_bytes(f"{root}/{name}", data)


@pytest.mark.parametrize("kind", sorted(FILES))
@pytest.mark.parametrize("empty_first", [True, False])
def test_an_empty_part_file_holds_no_rows_and_the_others_are_read(tmp_path, kind, empty_first):
    files = dict(FILES[kind])
    if empty_first:  # listed first, its schema was the dataset's
        files = {name.replace("part-00003", "part-00000-a"): data for name, data in files.items()}
    _write(str(tmp_path / "d"), files)
    src = streaming.open_source(str(tmp_path / "d"))
    assert len(src.files) == 2 and all("00003" not in f for f in src.files)
    src = src.check_files()
    assert src.dataset.to_table().num_rows == 4
    # the glob of the same files too
    glob = streaming.open_source(str(tmp_path / "d" / "part-*"))
    assert len(glob.files) == 2 and glob.dataset.to_table().num_rows == 4


def test_an_empty_file_under_a_hive_directory_is_left_out(tmp_path):
    _write(str(tmp_path / "d"), {"date=2026-12-01/part-0.csv": CSV, "date=2026-12-02/part-0.csv": b"",
                                 "date=2026-12-03/part-0.csv": CSV})
    src = streaming.open_source(str(tmp_path / "d"))
    assert src.partition_keys == ["date"] and len(src.files) == 2
    assert src.dataset.to_table().num_rows == 4


def test_drift_over_a_directory_with_an_empty_part_file(tmp_path, capsys):
    rows = b"x,c\n" + b"".join(b"%d.5,%s\n" % (i, b"ab"[i % 2 : i % 2 + 1]) for i in range(40))
    _write(str(tmp_path / "d"), {"part-00000.csv": rows, "part-00003.csv": b"", "part-00004.csv": rows})
    code = main(["drift", "--reference", str(tmp_path / "d"), "--current", str(tmp_path / "d"), "--engine", "stream",
                 "--quiet", "--no-report", "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err


def test_a_directory_of_empty_files_only_is_one_line(tmp_path):
    _write(str(tmp_path / "d"), {"part-00000.csv": b"", "part-00001.csv": b""})
    for source in ("d", "d/part-*", "**/*.csv"):
        with pytest.raises(DataSourceError) as caught:
            streaming.open_source(str(tmp_path / source))
        message = str(caught.value)
        assert "\n" not in message and "2 file(s)" in message and "0 bytes" in message, message


def test_an_empty_file_named_on_its_own_is_still_refused(tmp_path):
    _write(str(tmp_path / "d"), FILES["csv"])
    with pytest.raises(DataSourceError):
        streaming.open_source(str(tmp_path / "d" / "part-00003.csv")).dataset.to_table()


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["gs", "s3", "az"])
def test_an_empty_part_object_on_an_object_store_is_left_out(stores, scheme, monkeypatch, tmp_path):
    root = fresh_bucket(stores[scheme], monkeypatch, tmp_path / "home", "d")
    _write(root, {**FILES["parquet"], "part-00000-a.parquet": b""})
    src = streaming.open_source(root).check_files()
    assert len(src.files) == 2 and src.dataset.to_table().num_rows == 4
    _write(f"{root}/empty", {"part-0.csv": b""})
    with pytest.raises(DataSourceError) as caught:
        streaming.open_source(f"{root}/empty")
    assert "0 bytes" in str(caught.value)
