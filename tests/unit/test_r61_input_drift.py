"""Round 61, ``ctloop drift`` on hostile files: the stream engine names a file as the user wrote it, with the
flag (item 6); a column read as text names the value that made it text (item 4)."""

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


# item 4: a column read as text names the value that made it text ------------------------------------------------


@pytest.mark.parametrize(("at", "engine", "said"), [
    (3, "memory", "made text by 'n/a?' (row 4), in the current data"),
    (150, "memory", "made text by 'n/a?' (row 151), in the current data"),
    (3, "stream", "made text by 'n/a?', in the current data"),
    (150, "stream", "made text by 'n/a?', in the current data"),
])
def test_a_column_read_as_text_names_the_first_value_that_is_no_number(tmp_path, capsys, at, engine, said):
    """Before: "column 'a' is object (text) in the current data but float64 in the reference", no value: a
    user had to search the file for the word among the numbers."""
    _tables(tmp_path)
    rng = np.random.default_rng(1)
    cur = pd.DataFrame({"a": rng.normal(size=200).round(3).astype(str), "b": rng.choice(["x", "y"], 200)})
    cur.loc[at, "a"] = "n/a?"
    cur.to_csv(tmp_path / "words.csv", index=False)
    assert main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "words.csv"),
                 "--engine", engine, "--no-report", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "column 'a' is" in err and said in err and "--exclude a" in err, err


def test_the_reference_side_names_its_word_too(tmp_path, capsys):
    _tables(tmp_path)
    ref = pd.read_csv(tmp_path / "ref.csv")
    ref["a"] = ref["a"].astype(str)
    ref.loc[7, "a"] = "-"
    ref.to_csv(tmp_path / "ref_words.csv", index=False)
    assert main(["drift", "--reference", str(tmp_path / "ref_words.csv"), "--current", str(tmp_path / "cur.csv"),
                 "--engine", "memory", "--no-report", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "column 'a' is object, made text by '-' (row 8), in the reference but numeric in the current data" in err, err


def test_first_word_skips_numbers_and_gaps():
    from ctloop.drift.engine import first_word

    assert first_word(pd.Series(["1", None, " 2.5 ", "1e3", "x", "y"], dtype=object)) == "'x' (row 5)"
    assert first_word(pd.Series(["1", "2"], dtype=object)) is None
    assert first_word({"1": 3, "abc": 1}, rows=False) == "'abc'"
