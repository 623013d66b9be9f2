"""Round 61, hostile label files: the label store's ``;`` refusal in read_table's words (item 5), and keys that
can never match a logged id (item 3)."""

from __future__ import annotations

import gzip

import pytest

from ctloop.cli import main


def _store_files(store) -> list[tuple[str, bytes]]:
    return sorted((str(p.relative_to(store)), p.read_bytes()) for p in store.rglob("*") if p.is_file()) \
        if store.exists() else []


# item 5: a ';' label file -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "said"), [
    ("r1;0,5\nr2;1,25\n", "decimal commas (e.g. '0,5')"),
    ("r1;1,000\nr2;2,500\n", "thousands separators or decimal commas"),
])
@pytest.mark.parametrize("gz", [False, True])
def test_a_semicolon_label_file_is_refused_in_read_tables_words_naming_its_decimal_commas(
        tmp_path, capsys, rows, said, gz):
    """Before: "write it with ','", which would split '0,5' in two; read_table (storage.refuse_other_separator,
    given the file's first bytes) named the decimal commas and pandas.read_csv(path, sep=';', decimal=',')."""
    from ctloop.errors import DataSourceError
    from ctloop.storage import read_table

    data = ("request_id;label\n" + rows).encode()
    path = tmp_path / ("labels.csv.gz" if gz else "labels.csv")
    path.write_bytes(gzip.compress(data) if gz else data)
    store = tmp_path / "store"
    assert main(["labels", "ingest", "--labels", str(path), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert said in err and "pandas.read_csv(path, sep=';'" in err and "write it with ','" not in err, err
    with pytest.raises(DataSourceError) as read:
        read_table(str(path))
    assert str(read.value) in err  # the same words as read_table's
    assert _store_files(store) == []


def test_a_semicolon_label_file_without_commas_in_its_numbers_is_told_to_use_commas(tmp_path, capsys):
    path = tmp_path / "labels.csv"
    path.write_text("request_id;label\nr1;1\nr2;0\n")
    assert main(["labels", "ingest", "--labels", str(path), "--store", str(tmp_path / "store")]) == 2
    assert "write it with ',' or as Parquet" in capsys.readouterr().err
