"""A column named alike on both sides but in two Unicode normalisations (``café`` composed, NFC,
against ``cafe`` + a combining accent, NFD: macOS file names, some CSV exporters).

Both engines refuse the current side's lack of the reference column, but the line read "lacks
column(s) 'café' ...; it has 'café' that the reference lacks": two names that print the same.
It now says they differ only in their Unicode form and shows each escaped.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main

NFC, NFD = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")


@pytest.mark.parametrize("engine_name", ["memory", "stream"])
def test_names_differing_only_in_unicode_form_are_told_apart(tmp_path, capsys, engine_name):
    rng = np.random.default_rng(0)
    pd.DataFrame({NFC: rng.random(50), "x": rng.random(50)}).to_parquet(tmp_path / "ref.parquet")
    pd.DataFrame({NFD: rng.random(50), "x": rng.random(50)}).to_parquet(tmp_path / "cur.parquet")
    code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                 "--engine", engine_name, "--quiet", "--no-report"])
    err = capsys.readouterr().err
    assert code == 2
    (line,) = err.strip().splitlines()
    assert "differ only in their Unicode form" in line
    assert ascii(NFC) in line and ascii(NFD) in line
