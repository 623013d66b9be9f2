"""A key with an empty path segment (``d/a//b.csv``: valid on S3 and GCS, what a tool joining ``prefix/``
with ``/name`` writes) below an ``s3://`` or ``gs://`` source (round 41, item 2): pyarrow 25.0.1 lists it
and then refuses to open it, ``ArrowInvalid: Empty path component in path b/d/a//b.csv``: a traceback
(exit 1) for CSV files (the reader's first-bytes check let ``ArrowInvalid``, a ``ValueError``, through),
pyarrow's "Could not read schema ... Is this a 'parquet' file?" for Parquet. Now such a key is refused
before pyarrow sees the source, in one line naming it and the fix, as an Azure blob of that shape already
was (``storage.refuse_unlistable``: the SDK's listing, one more per prefix or glob source)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import fresh_bucket


@pytest.fixture(params=("gs", "s3"))
def root(request, stores, monkeypatch, tmp_path):
    return fresh_bucket(stores[request.param], monkeypatch, tmp_path / "home", "ctloop")


def _data(ext: str) -> bytes:
    frame = pd.DataFrame({"a": [float(i) for i in range(40)]})
    if ext == "csv":
        return frame.to_csv(index=False).encode()
    buf = io.BytesIO()
    frame.to_parquet(buf)
    return buf.getvalue()


@pytest.mark.parametrize("ext", ["csv", "parquet"])
@pytest.mark.parametrize("source", ["d", "d/", "d/**/*.{ext}"])
def test_a_key_with_an_empty_segment_is_one_line(root, ext, source, capsys):
    storage.write_bytes(f"{root}/d/ok.{ext}", _data(ext))
    storage.write_bytes(f"{root}/d/a//b.{ext}", _data(ext))
    uri = f"{root}/{source.format(ext=ext)}"
    with pytest.raises(DataSourceError, match=rf"'ctloop/d/a//b\.{ext}' .* empty path segment"):
        streaming.open_source(uri)
    code = main(["drift", "--reference", uri, "--current", f"{root}/d/ok.{ext}", "--no-report", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err


def test_a_named_file_beside_such_a_key_reads(root):
    storage.write_bytes(f"{root}/d/ok.csv", _data("csv"))
    storage.write_bytes(f"{root}/d/a//b.csv", _data("csv"))
    assert streaming.open_source(f"{root}/d/ok.csv").check_files().dataset.to_table().num_rows == 40
