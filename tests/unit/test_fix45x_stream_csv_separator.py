"""A ';' CSV with decimal commas (a European spreadsheet's export) read by the streaming source
(batch scoring, `ctloop drift`) got pyarrow's raw "CSV parse error: Row #2: Expected 1 columns,
got 2": pyarrow.dataset infers the schema from the first rows and fails before the one-column
separator check could run. Now the header is read and the separator named, in the words of
ctloop.storage.refuse_other_separator (training's read_table and the label store say the same)."""

from __future__ import annotations

import pytest

from ctloop.drift.streaming import open_source
from ctloop.errors import DataSourceError

SEMICOLON = "^{path} has one column 'a;b': a CSV separated by ';'\\? ctloop reads comma-separated CSV"


@pytest.mark.parametrize(
    "text",
    ["a;b\n1,5;2\n3,5;4\n", "a;b\n1;2\n3;4\n", "\ufeffa;b\n1,5;2\n"],
    ids=["decimal-commas", "plain", "bom"],
)
def test_a_semicolon_csv_is_named_by_its_separator(tmp_path, text):
    path = tmp_path / "scores.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataSourceError, match=SEMICOLON.format(path=path)):
        open_source(str(path))


def test_a_comma_csv_with_a_bad_row_keeps_pyarrows_reason(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match="Expected 2 columns, got 3"):
        open_source(str(path)).dataset.to_table()
