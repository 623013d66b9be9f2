"""Round 61, ``ctloop drift`` on hostile files: the stream engine names a file as the user wrote it, with the
flag (item 6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main


def _tables(tmp_path) -> None:
    rng = np.random.default_rng(0)
    for name in ("ref", "cur"):
        pd.DataFrame({"a": rng.normal(size=200), "b": rng.choice(["x", "y"], 200)}).to_csv(
            tmp_path / f"{name}.csv", index=False)
    lines = (tmp_path / "cur.csv").read_text().splitlines()
    (tmp_path / "hdr.csv").write_text("\n".join([*lines[:100], "a,b", *lines[100:]]) + "\n")
    (tmp_path / "quote.csv").write_text("\n".join([*lines[:50], lines[50].split(",")[0] + ',"x', *lines[51:]]) + "\n")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "part-0.csv").write_text((tmp_path / "hdr.csv").read_text())


@pytest.mark.parametrize(("given", "said"), [
    ("hdr.csv", "--current: hdr.csv: line 101 repeats its header line 'a,b'"),
    ("./hdr.csv", "--current: ./hdr.csv: line 101 repeats its header line 'a,b'"),
    ("quote.csv", "--current: quote.csv is not a readable csv file"),
    ("parts/", "--current: parts/part-0.csv: line 101 repeats its header line"),
    ("parts", "--current: parts/part-0.csv: line 101 repeats its header line"),
])
def test_the_stream_engine_names_a_relative_path_as_written_with_its_flag(tmp_path, monkeypatch, capsys, given, said):
    """Before: 'error: /tmp/.../hdr.csv: line 101 ...' (the absolute path, no flag), where the memory engine
    said '--current: hdr.csv: ...' (read_table's words)."""
    _tables(tmp_path)
    monkeypatch.chdir(tmp_path)
    errs = {}
    for engine in ("stream", "memory"):
        assert main(["drift", "--reference", "ref.csv", "--current", given, "--engine", engine, "--no-report",
                     "--quiet"]) == 2
        errs[engine] = capsys.readouterr().err
    assert said in errs["stream"] and str(tmp_path) not in errs["stream"], errs
    if given in ("hdr.csv", "./hdr.csv", "quote.csv"):
        assert errs["stream"] == errs["memory"]


def test_an_absolute_path_stays_absolute(tmp_path, capsys):
    _tables(tmp_path)
    path = str(tmp_path / "hdr.csv")
    assert main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", path, "--engine", "stream",
                 "--no-report", "--quiet"]) == 2
    assert f"--current: {path}: line 101" in capsys.readouterr().err


def test_a_name_sharing_the_paths_start_is_not_rewritten():
    import os

    from ctloop.cli.drift import _as_written

    full = os.path.abspath("cur.csv")
    text = f"{full}2: x; {full}: y; {full}/p.csv"
    assert _as_written(text, ("cur.csv",)) == f"{full}2: x; cur.csv: y; cur.csv/p.csv"
