"""``ctloop labels ingest`` of a file without labels. A scheduled export of a quiet period is a
header with the right columns and no rows (a Parquet file of no rows, a JSON lines file of no
object): exit 0, nothing written, and one warning line saying nothing was ingested (before round
53: "appended 0 labels", nothing else). A file that is not one (no header, or without the key or
label column) is bad input: exit 2, one line naming the columns; a Parquet file of no rows without
the label column was "appended 0 labels", exit 0, where the same CSV header was refused."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from ctloop.cli import main

GOOD = "request_id,label\nr0,1\n"


def _ingest(tmp_path, name: str, data: bytes) -> int:
    (tmp_path / name).write_bytes(data)
    return main(
        ["labels", "ingest", "--labels", str(tmp_path / name), "--store", str(tmp_path / "store")]
    )


def _parquet(columns: dict) -> bytes:
    import io

    out = io.BytesIO()
    pd.DataFrame({c: pd.Series([], dtype=t) for c, t in columns.items()}).to_parquet(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "name, data, what",
    [
        ("h.csv", b"request_id,label\n", "its header only"),
        ("h.csv.gz", gzip.compress(b"request_id,label,label_time\n", mtime=0), "its header only"),
        ("h.parquet", _parquet({"request_id": str, "label": float}), "no rows"),
        ("h.jsonl", b"", "no JSON object"),
    ],
    ids=["csv", "csv.gz", "parquet", "jsonl"],
)
def test_a_file_of_no_labels_is_exit_0_with_one_warning_and_no_write(
    tmp_path, capsys, name, data, what
):
    assert _ingest(tmp_path, "good.csv", GOOD.encode()) == 0
    before = sorted(p.name for p in (tmp_path / "store" / "labels").iterdir())
    capsys.readouterr()
    assert _ingest(tmp_path, name, data) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == (
        f"warning: nothing ingested: {tmp_path / name} holds no labels ({what}); the label store "
        f"{tmp_path / 'store'} is unchanged\n"
    ), (out, err)  # was: "appended 0 labels keyed by request_id to …"
    assert sorted(p.name for p in (tmp_path / "store" / "labels").iterdir()) == before


@pytest.mark.parametrize(
    "name, data, said",
    [
        (
            "e.csv",
            b"",
            "has no header (it is empty): a CSV label file starts with a header naming its columns, "
            "at least 'request_id' and 'label'",
        ),
        ("e.csv.gz", gzip.compress(b"", mtime=0), "has no header (no columns or rows)"),
        ("w.csv", b"id,outcome\n", "column 'request_id' breaks rule 'required'"),
        # was: exit 0, "appended 0 labels"
        (
            "w.parquet",
            _parquet({"request_id": str, "outcome": float}),
            "column 'label' breaks rule 'required'",
        ),
    ],
    ids=["empty.csv", "empty.csv.gz", "wrong.csv", "wrong.parquet"],
)
def test_a_file_without_a_header_or_the_columns_is_exit_2_naming_them(
    tmp_path, capsys, name, data, said
):
    assert _ingest(tmp_path, name, data) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1, err
    assert not (tmp_path / "store").exists()
