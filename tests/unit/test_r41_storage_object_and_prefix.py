"""An object ``e`` beside objects under ``e/`` (round 41, item 3): ``s3://b/e`` — and ``s3://b/e/``,
which names the prefix — read only the object (pyarrow's ``get_file_info`` answers File for it and
drops a trailing '/', pyarrow 25.0.1), so the files under ``e/`` were never read and the message said
``holds no .parquet or .csv files (e.g. b/e)``; with a Parquet object ``e`` the prefix's rows would be
left out without a word. Which one is meant cannot be told, and pyarrow cannot be made to read the
prefix: such a source is refused in one line naming the object and a file under the prefix (exit 2).
A source naming a file, or a prefix with no object of its name, reads as before."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import fresh_bucket


@pytest.fixture(params=("gs", "s3", "az"))
def root(request, stores, monkeypatch, tmp_path):
    return fresh_bucket(stores[request.param], monkeypatch, tmp_path / "home", "ctloop")


def _parquet(rows: int) -> bytes:
    buf = io.BytesIO()
    pd.DataFrame({"a": [float(i) for i in range(rows)]}).to_parquet(buf)
    return buf.getvalue()


@pytest.mark.parametrize("slash", ["", "/"])
def test_an_object_beside_a_prefix_of_its_name_is_refused(root, slash, capsys):
    storage.write_bytes(f"{root}/e", _parquet(3))
    storage.write_bytes(f"{root}/e/x.parquet", _parquet(5))
    with pytest.raises(DataSourceError, match=r"both an object and a prefix .*e/x\.parquet"):
        streaming.open_source(f"{root}/e{slash}")
    code = main(["drift", "--reference", f"{root}/e{slash}", "--current", f"{root}/e/x.parquet", "--no-report",
                 "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err


def test_a_file_and_a_prefix_alone_read_as_before(root):
    storage.write_bytes(f"{root}/d/x.parquet", _parquet(5))
    storage.write_bytes(f"{root}/d/y.parquet", _parquet(2))
    assert streaming.open_source(f"{root}/d").check_files().dataset.to_table().num_rows == 7
    assert streaming.open_source(f"{root}/d/x.parquet").check_files().dataset.to_table().num_rows == 5
