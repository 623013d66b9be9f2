"""A directory holding a file whose name is not UTF-8 (bytes of Latin-1, a Windows share mounted
without iocharset) was a traceback: Arrow's listing raised UnicodeDecodeError (``ctloop drift
--reference DIR``, ``ctloop score --data DIR``), a glob UnicodeEncodeError, and the local lister
returned surrogate-escaped names Arrow then failed on. Now a table read names the file in one line."""

from __future__ import annotations

import os

import pytest

from ctloop import storage
from ctloop.cli import main

CSV = "ts,x,y\n2024-01-01,1.0,0\n2024-01-02,2.0,1\n2024-01-03,1.5,0\n"


@pytest.fixture
def mixed_dir(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "good.csv").write_text(CSV, encoding="utf-8")
    with open(os.path.join(os.fsencode(d), b"caf\xe9.csv"), "w", encoding="utf-8") as f:  # Latin-1 'café'
        f.write(CSV)
    return d


def test_the_local_listers_still_list_it(mixed_dir):
    # the blob import reads such files with Python's open (tests/inference_log/test_hunt_sink_blob_import.py)
    assert storage.list_files(str(mixed_dir)) == [f"{mixed_dir}/caf\udce9.csv", f"{mixed_dir}/good.csv"]


@pytest.mark.parametrize("pattern", ["{d}", "{d}/*.csv", "{d}/**"])
def test_drift_names_the_file_in_one_line(mixed_dir, tmp_path, capsys, pattern):
    (tmp_path / "ref.csv").write_text(CSV, encoding="utf-8")
    code = main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", pattern.format(d=mixed_dir),
                 "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err and "caf\\xe9.csv" in err[-1] and "not UTF-8" in err[-1]


def test_utf8_names_are_listed_as_before(tmp_path):
    d = tmp_path / "data"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "café 1.csv").write_text(CSV, encoding="utf-8")
    assert storage.list_files(str(d)) == [f"{d}/sub/café 1.csv"]


def test_a_file_uri_listing_names_it_percent_encoded_and_reads_it_back(mixed_dir):
    # review E: under a file:// root the listed name went through quote(), a UnicodeEncodeError
    # on its surrogate escape; now %E9, which parse() decodes back to the same bytes
    root = f"file://{mixed_dir}"
    listed = storage.list_files(root)
    assert listed == [f"{root}/caf%E9.csv", f"{root}/good.csv"]
    assert [o.uri for o in storage.list_objects(root)] == listed
    assert storage.read_bytes(listed[0]) == storage.read_bytes(listed[1])
