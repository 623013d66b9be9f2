"""A CSV label file whose data rows have one field more than its header (a delimiter at the end of
every line, or a column without a name) was read by pandas with its first column as the index: the
keys became the labels' values and the labels the next field's, without a word — ``a,1,0.5`` stored
the label 0.5 for the key ``1`` (a silent wrong join), ``a,1,`` refused as "labels without a value".
Now such a file is refused in one line saying so, exit 2, nothing stored.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main


@pytest.mark.parametrize("text", ["request_id,label\na,1,0.5\nb,0,0.25\n", "request_id,label\na,1,\nb,0,\n"])
def test_rows_longer_than_the_header_are_refused(tmp_path, capsys, text):
    (tmp_path / "labels.csv").write_text(text)
    store = tmp_path / "store"
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(store)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "one field more than its header" in err, err
    assert not list(store.rglob("*.parquet"))


def test_a_well_formed_file_is_read_as_before(tmp_path, capsys):
    (tmp_path / "labels.csv").write_text("request_id,label\na,1\nb,0\n")
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "store")]) == 0
    assert "appended 2 labels" in capsys.readouterr().out
