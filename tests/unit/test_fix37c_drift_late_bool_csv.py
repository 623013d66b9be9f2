"""A True/False column empty in one CSV file's first block (Arrow types it null; pyarrow 25.0.1
``ReadOptions.block_size`` 1 MiB) and filled further down was typed text by ``_csv_seen_type``
(float64 or text only), while the other side's file, filled from its first row, was typed bool by
Arrow's inference: the same values as bool on one side and text on the other — a drift alarm on
a column that did not drift (review revD p10.py), where the memory engine (``pandas.read_csv``
reads both as bool) finds none. The column is now bool when all its values are Arrow's CSV
true/false words (``ConvertOptions.true_values``/``false_values``, as Arrow infers)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

N = 30_000
FILLED_FROM = 27_000  # past the first MiB of the file: the first block holds no value of 'late'


def _write(path, late, seed):
    rng = np.random.default_rng(seed)
    pd.DataFrame({"a": rng.normal(size=N), "pad": ["p" * 30] * N, "late": late}).to_csv(path, index=False)


def _run(tmp_path, ref, cur, engine):
    from ctloop.cli import main

    out = tmp_path / f"out-{engine}"
    code = main(["drift", "--reference", str(ref), "--current", str(cur), "--engine", engine, "--columns", "a,late",
                 "--no-report", "--quiet", "--output", str(out)])
    assert code == 0
    return {c["column"]: c for c in json.loads((out / "drift.json").read_text())["columns"]}


def _flags(n, seed):
    return np.where(np.random.default_rng(seed).integers(0, 2, n) == 1, "True", "False")


def test_a_true_false_column_filled_late_agrees_with_the_memory_engine(tmp_path):
    _write(tmp_path / "ref.csv", _flags(N, 1), 1)
    _write(tmp_path / "cur.csv", [""] * FILLED_FROM + list(_flags(N - FILLED_FROM, 2)), 2)
    memory = _run(tmp_path, tmp_path / "ref.csv", tmp_path / "cur.csv", "memory")
    stream = _run(tmp_path, tmp_path / "ref.csv", tmp_path / "cur.csv", "stream")
    assert stream["late"]["kind"] == memory["late"]["kind"]
    assert stream["late"]["drifted"] == memory["late"]["drifted"] is False
    assert abs(stream["late"]["score"] - memory["late"]["score"]) < 1e-9


def test_words_beside_true_false_are_still_text(tmp_path):
    late = [""] * FILLED_FROM + list(_flags(N - FILLED_FROM, 2))
    late[-1] = "maybe"
    for name in ("ref.csv", "cur.csv"):
        _write(tmp_path / name, late, 1)
    stream = _run(tmp_path, tmp_path / "ref.csv", tmp_path / "cur.csv", "stream")
    memory = _run(tmp_path, tmp_path / "ref.csv", tmp_path / "cur.csv", "memory")
    assert stream["late"]["kind"] == memory["late"]["kind"] == "categorical"
    assert stream["late"]["drifted"] is False
