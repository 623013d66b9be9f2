"""A Parquet label file that names a column twice (pyarrow writes such a file: a join that kept both
sides' ``label``) is refused naming the column, as a CSV header is, exit 2, the store untouched.
Before round 48 ``ctloop labels ingest`` failed with a traceback (pandas' "AttributeError:
'DataFrame' object has no attribute 'dtype'", exit 1)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main


@pytest.mark.parametrize(("names", "said"), [(["request_id", "label", "label"], "column 'label' twice (columns 2 and 3)"),
                                             (["request_id", "label", "request_id"],
                                              "column 'request_id' twice (columns 1 and 3)")],
                         ids=["label", "key"])
def test_a_parquet_label_file_naming_a_column_twice_is_refused(tmp_path, capsys, names, said):
    src, store = tmp_path / "labels.parquet", tmp_path / "store"
    pq.write_table(pa.Table.from_arrays([pa.array(["a", "b"]), pa.array([1, 0]), pa.array(["c", "d"])], names=names),
                   src)
    assert main(["labels", "ingest", "--labels", str(src), "--store", str(store)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and said in err and str(src) in err, err
    assert not store.exists() or not any(store.rglob("*.parquet"))
