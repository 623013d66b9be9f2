"""Round 45, monitoring on real late labels: a ';' label file is named as one, as training's
reader (``storage.read_table``) names it, and nothing is written."""

from __future__ import annotations

import pytest

from ctloop.errors import DataSourceError
from ctloop.labels.store import ingest_labels


@pytest.mark.parametrize("body", ["request_id;label\na1;0,5\na2;1,5\n", "request_id;label\na1;0\na2;1\n"],
                         ids=["decimal-commas", "whole-numbers"])
def test_a_semicolon_label_file_is_named_by_its_separator_and_nothing_is_written(tmp_path, body):
    source = tmp_path / "labels.csv"
    source.write_text(body)
    store = tmp_path / "store"
    # was, with decimal commas: "its rows have one field more than its header ... a delimiter at the end of each line"
    with pytest.raises(DataSourceError, match=r"one column 'request_id;label': a CSV separated by ';'"):
        ingest_labels(str(source), str(store))
    assert not store.exists()
