"""A CSV label file whose rows have one field more than its header is refused also when its header
is longer than 64 KiB (review revC #2).

Round 40 refused such a file (pandas reads it with the first field as an implicit index: every row
shifted by one column, the label's field as the key) in the batched read only; a header beyond
``CSV_HEADER_BYTES`` is read whole (``_ingest_whole``, ``read_table``), where the shifted rows were
still stored: ``appended 2 labels`` keyed by the labels' values. Main's c6938ad (storage: ``read_table``
refuses such a CSV) closed that path before this fix round reached it; this guards the labels side.
"""

from __future__ import annotations

from ctloop.cli import main
from ctloop.labels.store import CSV_HEADER_BYTES


def _wide(rows: list[list[str]], extra: int) -> str:
    names = ["request_id", "label", *(f"extra_column_{i:05d}" for i in range(CSV_HEADER_BYTES // 18 + 10))]
    assert len(",".join(names)) > CSV_HEADER_BYTES
    fill = ["0"] * (len(names) - 2)
    return "\n".join([",".join(names), *(",".join([*r, *fill, *[""] * extra]) for r in rows)]) + "\n"


def test_a_wide_csv_read_whole_with_rows_longer_than_its_header_is_refused(tmp_path, capsys):
    (tmp_path / "labels.csv").write_text(_wide([["a", "yes"], ["b", "no"]], 1))
    store = tmp_path / "store"
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(store)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "one field more than its header" in err, err
    assert not list(store.rglob("*.parquet"))


def test_a_wide_well_formed_csv_is_read_whole_as_before(tmp_path, capsys):
    (tmp_path / "labels.csv").write_text(_wide([["a", "yes"], ["b", "no"]], 0))
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "s")]) == 0
    assert "appended 2 labels" in capsys.readouterr().out
