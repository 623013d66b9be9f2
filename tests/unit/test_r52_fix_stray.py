"""Review of r52-fix-h1b (7a5fcb9a): the stray-name rule refused common files beside data, and read_table's
advice for them could not succeed.

* ``NOTES.txt``, ``LICENSE.txt``, a ``NOTICE``, Frictionless' ``datapackage.json``, DVC's ``a.csv.dvc`` and
  ``.md5``/``.sha1``/``.sha256`` checksums were refused; now left out with the warning, each by its producer
  (``storage.NO_DATA_EXTENSIONS``/``NO_DATA_STEMS``/``NO_DATA_NAMES``). A ``part-1.txt`` is refused still.
* read_table advised "give the format (data.format: parquet or csv)" for any unknown name; following it read
  the extra file as a table and failed again ("its file a.csv has no column 'MIT', which LICENSE.txt has").
  A name with an extension is now told to move out of the directory (drift: or a glob); only a name
  without one (a Hive job's ``000000_0``) is told to give the format, which reads it.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from ctloop import storage
from ctloop.drift import streaming
from tests.unit.test_r52_fix_h1_listing import _refusal, _write  # one writer, one refusal reader

A = pd.DataFrame({"x": [1, 2]})


CSV = b"x\n1\n2\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("NOTES.txt", b"exported 2026-12-01\n"),  # people
        ("LICENSE.txt", b"MIT License\n"),  # people: the reviewer's "no column 'MIT'"
        ("NOTICE", b"Copyright 2026\n"),  # Apache License 2.0, section 4(d)
        # Frictionless Data Package descriptor, "MUST be named datapackage.json" (specs.frictionlessdata.io)
        ("datapackage.json", b'{"resources": [{"path": "a.csv"}]}'),
        ("a.csv.dvc", b"outs:\n- md5: 0f\n  path: a.csv\n"),  # `dvc add a.csv` (DVC 3.x)
        ("a.csv.md5", b"0f  a.csv\n"),  # md5sum a.csv > a.csv.md5 (GNU coreutils)
        ("a.csv.sha1", b"0f  a.csv\n"),  # Maven Central's checksum beside each artifact
        ("a.csv.sha256", b"0f  a.csv\n"),  # sha256sum
    ],
)
def test_a_file_no_table_writer_produces_is_left_out(tmp_path, name, data):
    # was: "cannot tell the format of its file"
    root = _write(tmp_path / "t", {"a.csv": CSV, name: data})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert storage.read_table(root)["x"].tolist() == [1, 2]
        assert len(streaming.open_source(root).files) == 1
    assert any("left out 1 file(s)" in str(w.message) and name in str(w.message) for w in caught)


@pytest.mark.parametrize(
    "name", ["part-1.txt", "notes_2026-12.txt", "notes.2026-12.txt", "licenses.csv.gz.txt", "a.json"]
)
def test_a_name_a_table_writer_may_produce_is_refused_with_advice_that_works(tmp_path, name):
    root = _write(tmp_path / "t", {"a.csv": CSV, name: b"x\n3\n4\n"})
    said = _refusal(lambda: storage.read_table(root))
    assert f"cannot tell the format of its file {name} from its name" in said, said
    assert "data.format" not in said, said  # was the only advice: read it as CSV and fail again
    assert f"move {name} out of {root}" in said, said
    said = _refusal(lambda: streaming.open_source(root))
    assert f"move {name} out of {root}" in said and f"({root}/*.csv)" in said, said


def test_a_name_without_an_extension_is_told_to_give_the_format_which_reads_it(tmp_path):
    root = _write(tmp_path / "t", {"000000_0": CSV})  # a Hive job's part: data.format reads it
    said = _refusal(lambda: storage.read_table(root))
    assert "give the format (data.format: parquet or csv)" in said and "move" not in said, said
    assert storage.read_table(root, "csv")["x"].tolist() == [1, 2]


def test_a_part_named_by_a_stem_and_a_date_is_read_with_the_format_given(tmp_path):
    """``notes.2026-12.txt`` beside ``part-1.txt``, ``data.format: csv``: its stem is ``notes`` but it is a
    CSV part named by its month; it was left out, half the rows read (final review of round 52)."""
    root = _write(tmp_path / "t", {"part-1.txt": CSV, "notes.2026-12.txt": b"x\n3\n4\n"})
    assert sorted(storage.read_table(root, "csv")["x"].tolist()) == [1, 2, 3, 4]


def test_a_directory_of_txt_parts_alone_is_told_to_give_the_format(tmp_path):
    """Every part a CSV named ``.txt``, none with a table extension: "move part-1.txt out" could not
    help; giving the format reads them all (final review of round 52)."""
    root = _write(tmp_path / "t", {"part-1.txt": CSV, "part-2.txt": b"x\n3\n4\n"})
    said = _refusal(lambda: storage.read_table(root))
    assert "give the format (data.format: parquet or csv)" in said and "move" not in said, said
    assert sorted(storage.read_table(root, "csv")["x"].tolist()) == [1, 2, 3, 4]
