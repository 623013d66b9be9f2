"""A label file of its header only (or a Parquet file of no rows) without the key or label column:
refused (exit 2, the store untouched) with "column 'label' breaks rule 'required' in 0 row(s)",
which reads as if no row broke it. Now a rule broken by data of no rows says no count
(``errors.DataValidationError``) and the label file's line says it holds no rows."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.errors import DataValidationError


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_header_only_label_file_missing_a_column_says_it_holds_no_rows(tmp_path, capsys, suffix):
    path = tmp_path / f"labels.{suffix}"
    if suffix == "csv":
        path.write_text("request_id,outcome\n")
    else:
        pd.DataFrame(
            {"request_id": pd.Series([], dtype=object), "outcome": pd.Series([], dtype=float)}
        ).to_parquet(path)
    store = tmp_path / "store"
    assert main(["labels", "ingest", "--labels", str(path), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert err == (
        "error: data contract violated (1 rule(s)): column 'label' breaks rule 'required': column is missing from "
        f"{path}, which holds no rows (columns: 'request_id', 'outcome')\n"
    ), err
    assert not store.exists()


def test_a_file_with_rows_missing_a_column_still_counts_them(tmp_path, capsys):
    path = tmp_path / "labels.csv"
    path.write_text("request_id,outcome\nr1,1\nr2,0\n")
    assert (
        main(["labels", "ingest", "--labels", str(path), "--store", str(tmp_path / "store")]) == 2
    )
    err = capsys.readouterr().err
    assert "column 'label' breaks rule 'required' in 2 row(s): column is missing from " in err, err
    assert "which holds no rows" not in err, err  # said only of a file of no rows
    assert str(DataValidationError([("a", "rows", 0, "no rows")])).endswith(
        "column 'a' breaks rule 'rows': no rows"
    )
