"""A gzipped CSV named in capitals (``DAY-1.CSV.GZ``, as a Windows tool or an export names it).
``ctloop.storage.read_table`` (the memory engine, training) tells gzip by the bytes and reads it;
the streamed reader (``ctloop drift`` on a directory or with ``--engine stream``, ``ctloop
score``) renames for Arrow only the files whose extension says the wrong thing, and took
``.GZ`` for ``.gz``: Arrow picks the codec by the extension as written (``gz``, lower case:
``Codec::GetCompressionType``, arrow/cpp/src/arrow/util/compression.cc, pyarrow 25.0.1), so it
read the gzip stream as text and failed ("CSV parse error: Empty CSV file or block"). Now such
a file is read like any other gzipped CSV."""

from __future__ import annotations

import pandas as pd

from ctloop.drift import streaming
from ctloop.storage import read_table


def test_a_gzipped_csv_named_in_capitals_is_streamed(tmp_path):
    frame = pd.DataFrame({"a": [1.5, 2.5, 3.5], "b": ["x", "y", "z"]})
    (tmp_path / "d").mkdir()
    frame.to_csv(tmp_path / "d" / "DAY-1.CSV.GZ", index=False, compression="gzip")
    frame.to_csv(tmp_path / "d" / "day-2.csv.GZ", index=False)  # plain text under a capital GZ: Arrow reads it as is
    assert read_table(str(tmp_path / "d" / "DAY-1.CSV.GZ")).equals(frame)
    for uri in (tmp_path / "d" / "DAY-1.CSV.GZ", tmp_path / "d"):
        source = streaming.open_source(str(uri))
        got = source.dataset.to_table().to_pandas()
        assert got.equals(pd.concat([frame] * len(source.files), ignore_index=True))
