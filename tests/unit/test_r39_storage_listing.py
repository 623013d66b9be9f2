"""What :func:`ctloop.storage.list_files` lists below a directory, the one rule every caller
shares with the dataset reader (``ctloop.drift.streaming.open_source``):

* a path component (below the listed directory) starting with ``_`` or ``.`` is not data:
  Spark's ``_temporary/`` attempt directories and ``_SUCCESS`` marker, Hadoop's ``.<name>.crc``
  checksum files, the ``.part-*`` in-progress files of Flink and Hadoop streaming writers. It is
  Hadoop's ``FileInputFormat.hiddenFileFilter`` (hadoop-mapreduce-client-core,
  ``org/apache/hadoop/mapred/FileInputFormat.java``: names starting with "_" or ".") and
  pyarrow.dataset's default ``ignore_prefixes=['.', '_']`` (pyarrow 25.0.1,
  ``pyarrow/dataset.py``). Before, ``list_files`` listed them, so
  a reader of its ``.parquet`` files took a half-written ``_temporary`` attempt for data;
* the suffix is matched without regard to case (``X.PARQUET``, ``Y.CSV.GZ``), as the dataset
  reader and :func:`ctloop.storage.table_format` match it; before, ``list_files(d, '.parquet')``
  left ``X.PARQUET`` out.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop import storage
from ctloop.drift import streaming


def _spark_output(root):
    """A Spark job's output directory while a task attempt is still writing, as
    ``FileOutputCommitter`` (algorithm version 1) lays it out."""
    table = pa.table({"a": [1, 2], "b": ["x", "y"]})
    attempt = root / "_temporary" / "0" / "_temporary" / "attempt_202612051010_0001_m_000001_1"
    attempt.mkdir(parents=True)
    pq.write_table(table, root / "part-00000-6d1c.c000.snappy.parquet")
    pq.write_table(table, attempt / "part-00001-6d1c.c000.snappy.parquet")
    (root / "_SUCCESS").write_bytes(b"")
    (root / ".part-00000-6d1c.c000.snappy.parquet.crc").write_bytes(b"crc\x00")
    (root / "_committed_1234").write_text('{"added": ["part-00000-6d1c.c000.snappy.parquet"], "removed": []}')
    pq.write_table(table, root / ".part-00002.parquet.inprogress.1f3a")
    pq.write_table(table, root / "EXPORT.PARQUET")
    (root / "date=2026-12-01").mkdir()
    pq.write_table(table, root / "date=2026-12-01" / "part-0.parquet")
    return root


def test_list_files_leaves_out_scratch_files_as_the_dataset_reader_does(tmp_path):
    root = _spark_output(tmp_path / "out")
    listed = storage.list_files(str(root), ".parquet")
    assert listed == sorted([f"{root}/EXPORT.PARQUET", f"{root}/date=2026-12-01/part-0.parquet",
                             f"{root}/part-00000-6d1c.c000.snappy.parquet"])
    assert sorted(listed) == sorted(streaming.open_source(str(root)).files)
    every = storage.list_files(str(root))
    assert not [f for f in every if "/_" in f[len(str(root)):] or "/." in f[len(str(root)):]]


def test_list_objects_leaves_out_scratch_files_too(tmp_path):
    root = _spark_output(tmp_path / "out")
    listed = [o.uri for o in storage.list_objects(str(root))]
    assert listed == [f"{root}/EXPORT.PARQUET", f"{root}/date=2026-12-01/part-0.parquet",
                      f"{root}/part-00000-6d1c.c000.snappy.parquet"]
    assert listed == storage.list_files(str(root))


def test_a_listed_directory_may_itself_start_with_an_underscore(tmp_path):
    """Only the components below the listed directory count: ctloop's own ``_quarantine`` and
    ``_imports`` directories are listed by naming them."""
    (tmp_path / "_quarantine" / "m").mkdir(parents=True)
    (tmp_path / "_quarantine" / "m" / "a.jsonl").write_text("{}\n")
    assert storage.list_files(str(tmp_path / "_quarantine"), ".jsonl") == [f"{tmp_path}/_quarantine/m/a.jsonl"]


@pytest.mark.parametrize("name,suffix", [("X.PARQUET", ".parquet"), ("y.Parquet", ".parquet"),
                                         ("Z.CSV.GZ", ".csv.gz"), ("r.JSON", ".json")])
def test_list_files_matches_the_suffix_in_any_case(tmp_path, name, suffix):
    (tmp_path / name).write_bytes(b"x")
    assert storage.list_files(str(tmp_path), suffix) == [f"{tmp_path}/{name}"]
    assert storage.list_files(f"file://{tmp_path}", suffix) == [f"file://{tmp_path}/{name}"]
