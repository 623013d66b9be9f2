"""A Parquet label file naming twice a column ingest never reads (review E of round 48): round 48
refused every repeated name, so ``request_id, label, note, note`` (ingested before) was refused.
Now only a repeated key, label, instance or label_time is refused, and the other repeated columns
are not read."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.errors import DataSourceError
from ctloop.labels.store import ingest_labels, read_labels


def _write(path, names: list[str]) -> str:
    arrays = {
        "request_id": ["a", "b"],
        "label": [1, 0],
        "note": ["x", "y"],
        "instance": [0, 0],
        "label_time": ["2026-01-01T00:00:00Z"] * 2,
    }
    pq.write_table(pa.Table.from_arrays([pa.array(arrays[n]) for n in names], names=names), path)
    return str(path)


def test_repeated_unread_column_ingested(tmp_path) -> None:
    source = _write(tmp_path / "labels.parquet", ["request_id", "label", "note", "note"])
    assert ingest_labels(source, str(tmp_path / "store")) == 2
    stored = read_labels(str(tmp_path / "store"))
    assert sorted(stored["request_id"]) == ["a", "b"] and sorted(stored["label"]) == [0, 1]


@pytest.mark.parametrize("repeated", ["request_id", "label", "instance", "label_time"])
def test_repeated_read_column_refused(tmp_path, repeated: str) -> None:
    names = [
        "request_id",
        "label",
        "note",
        *([repeated] if repeated in ("instance", "label_time") else []),
    ]
    source = _write(tmp_path / "labels.parquet", [*names, repeated])
    with pytest.raises(DataSourceError, match=f"has column '{repeated}' twice"):
        ingest_labels(source, str(tmp_path / "store"))
    assert not (tmp_path / "store").exists()
