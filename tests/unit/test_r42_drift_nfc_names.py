"""Two columns whose names differ only in their Unicode form (``café`` composed, NFC, and
``cafe`` + U+0301, NFD: a header typed on macOS next to one typed elsewhere) are two columns;
the table and the verdict printed both as ``café``, so a reader could not tell which one drifted.
A name not in NFC now prints quoted with its non-ASCII characters escaped (round 42). Since r55-data drift refuses
such twins, as prepare_data does, each named apart."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.cli import main
from ctloop.drift import engine

NFC, NFD = "caf\u00e9", "cafe\u0301"


def test_a_decomposed_name_prints_apart_from_its_composed_twin():
    assert engine.shown_name(NFC) == NFC
    assert engine.shown_name(NFD) == "'cafe\\u0301'"
    assert eval(engine.shown_name(NFD)) == NFD  # noqa: S307 - a Python literal that reads back as the name


def test_twins_are_refused_naming_each_apart(tmp_path, capsys):
    # round 42 compared them as two columns (the table and the verdict naming the drifted one apart); r55-data:
    # refused by both engines as prepare_data refuses them (ctloop.contract.refuse_alike_names), each named apart
    rng = np.random.default_rng(5)
    pd.DataFrame({NFC: rng.normal(size=300), NFD: rng.normal(size=300)}).to_parquet(tmp_path / "ref.parquet")
    pd.DataFrame({NFC: rng.normal(size=300), NFD: rng.normal(3, 1, 300)}).to_parquet(tmp_path / "cur.parquet")
    for used in ("memory", "stream"):
        assert main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                     "--engine", used, "--no-report", "--quiet"]) == 2  # fmt: skip
        err = capsys.readouterr().err
        assert err.startswith(f"error: columns {NFC!r}, 'cafe\\u0301' differ only in surrounding spaces or "
                              "Unicode form"), err  # r55-data-fix: alike but for case is compared (a warning)
