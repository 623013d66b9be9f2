"""The dataset reader (``ctloop drift``, ``ctloop score --data``) and names starting with '_' or
'.' (review B, F7 and the glob suspicion).

* F7: a directory whose only files are scratch-named (``g/_x.csv``, ``g/_data/y.csv``: left out
  as pyarrow.dataset leaves them out, default ``ignore_prefixes=['.', '_']``, pyarrow 25.0.1
  ``pyarrow/dataset.py``) was said to be "an empty directory". Now the message says what was
  left out and where to point to read it.
* A glob that writes the '_' (``g/_*.csv``) "matched no files": the scratch rule was applied to
  names the pattern itself spells out. Now such a name is read; ``g/*.csv`` still leaves
  ``_x.csv`` out (as a shell's ``*`` leaves out ``.x`` unless the pattern writes the dot), and
  says so when nothing else matched.
"""

from __future__ import annotations

import pytest

from ctloop.drift import streaming
from ctloop.errors import DataSourceError


@pytest.fixture
def g(tmp_path):
    (tmp_path / "g" / "_data").mkdir(parents=True)
    (tmp_path / "g" / "_x.csv").write_text("a\n1\n")
    (tmp_path / "g" / "_data" / "y.csv").write_text("a\n2\n")
    return tmp_path / "g"


def test_a_directory_of_only_scratch_names_says_what_was_left_out(g):
    with pytest.raises(DataSourceError) as err:
        streaming.open_source(str(g))
    message = str(err.value)
    assert "empty directory" not in message and "\n" not in message
    assert "_data/y.csv" in message and f"point at {g}/_data" in message
    assert streaming.open_source(f"{g}/_data").files == [f"{g}/_data/y.csv"]  # the pointer reads


@pytest.mark.parametrize("pattern, want", [("_*.csv", ["_x.csv"]), ("_*/*.csv", ["_data/y.csv"]),
                                           ("**/_*.csv", ["_x.csv"]), ("_*", ["_data/y.csv", "_x.csv"])])
def test_a_glob_that_writes_the_underscore_reads_those_names(g, pattern, want):
    assert streaming.open_source(f"{g}/{pattern}").files == [f"{g}/{w}" for w in want]


@pytest.mark.parametrize("pattern", ["*.csv", "*", "**/*.csv"])
def test_a_glob_that_does_not_leaves_them_out_and_says_so(g, pattern):
    with pytest.raises(DataSourceError, match=r"matches only names starting with '_' or '\.'.*write the '_'"):
        streaming.open_source(f"{g}/{pattern}")


def test_scratch_below_a_written_underscore_is_still_left_out(g):
    (g / "_data" / "_temporary").mkdir()
    (g / "_data" / "_temporary" / "z.csv").write_text("a\n3\n")
    # round 53: a directory a glob matches is read as when named on its own: without _SUCCESS refused too
    with pytest.raises(DataSourceError, match="no _SUCCESS"):
        streaming.open_source(f"{g}/_*")
    (g / "_data" / "_SUCCESS").write_bytes(b"")  # round 52: else a Spark job still writing, refused as read_table refuses it
    assert streaming.open_source(f"{g}/_*").files == [f"{g}/_data/y.csv", f"{g}/_x.csv"]
    assert streaming.open_source(f"{g}/_data").files == [f"{g}/_data/y.csv"]
