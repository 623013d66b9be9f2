"""Faults of ``ctloop labels ingest`` found in round 38: a refusal naming rows that are not the
file's, and a traceback for a truncated gzip file."""

from __future__ import annotations

import gzip

import pandas as pd

from ctloop.cli import main


def test_a_conflict_in_a_parquet_file_written_from_a_filtered_frame_names_the_files_rows(tmp_path, capsys):
    """``df[df.label.notna()].to_parquet(path)`` keeps pandas' index (0, 2, 4) in the file: the
    refusal named "rows 1 and 5" of a file of 3 rows. Rows are the file's, 1 = the first."""
    frame = pd.DataFrame({"request_id": ["a", "x", "b", "y", "a"], "label": [1, None, 0, None, 0],
                          "label_time": "2026-02-01T10:00:00Z"})
    frame[frame["label"].notna()].to_parquet(tmp_path / "labels.parquet")
    code = main(["labels", "ingest", "--labels", str(tmp_path / "labels.parquet"), "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and "'a' has labels 1 and 0 with the same label_time (rows 1 and 3)" in err, err
    assert not (tmp_path / "s").exists()


def test_a_truncated_gzip_label_file_is_one_line_naming_the_file(tmp_path, capsys):
    """An upload cut short (``gsutil cp`` interrupted): EOFError "Compressed file ended before the
    end-of-stream marker was reached" came out as a traceback."""
    data = gzip.compress(b"request_id,label\n" + b"".join(b"r%d,1\n" % i for i in range(2000)))
    (tmp_path / "labels.csv.gz").write_bytes(data[: len(data) // 2])
    code = main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv.gz"), "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "labels.csv.gz is not a readable csv file" in err, err
    assert "Traceback" not in err and not (tmp_path / "s").exists()
