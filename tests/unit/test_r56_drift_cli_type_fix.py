"""``ctloop drift`` on a training Parquet file against a CSV export says how to go on.

Found trying docs/drift.md's first example, ``ctloop drift --reference train.parquet --current
last_week.csv``, on ``ctloop generate-data`` output: the Parquet file holds ``application_date`` as
datetime64, the CSV as text, and the command stopped with ``error: column 'application_date' is
object in the current data but datetime64[ns] in the reference: give it the same type in both
frames`` — "frames" a command-line user never made, and no flag to name. Its other column refusals
(inf values, a missing column) name ``--exclude``; a type that differs between the sides now does
too, in both engines, and a time column written as text is pointed at ``--time-column``.
``engine.detect`` called from Python keeps its own message (no flags there).
"""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.drift import engine
from ctloop.errors import DriftError


def _sides(tmp_path, current):
    times = pd.date_range("2025-01-01", periods=40, freq="h")
    reference = pd.DataFrame({"applied": times, "x": range(40), "code": ["a", "b"] * 20})
    reference.to_parquet(tmp_path / "train.parquet")
    current(reference).to_csv(tmp_path / "week.csv", index=False)
    return ["--reference", str(tmp_path / "train.parquet"), "--current", str(tmp_path / "week.csv")]


def _drift(*flags):
    return main(["drift", *flags, "--quiet", "--no-report"])


@pytest.mark.parametrize("engine_name", ["memory", "stream"])
def test_a_time_column_read_as_text_names_exclude_and_time_column(tmp_path, capsys, engine_name):
    sides = _sides(tmp_path, lambda frame: frame)
    code = _drift(*sides, "--engine", engine_name)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1, err
    assert err[0].startswith("error: column 'applied' is ")
    assert "in both frames" not in err[0]
    assert "--exclude applied" in err[0] and "--time-column applied" in err[0]
    assert _drift(*sides, "--engine", engine_name, "--exclude", "applied") == 0, (
        capsys.readouterr().err
    )


def test_numbers_against_text_names_exclude(tmp_path, capsys):
    sides = _sides(tmp_path, lambda frame: frame.assign(code=[1, 2] * 20))
    code = _drift(*sides, "--exclude", "applied")
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error: column 'code' is ") and "--exclude code" in err, err
    assert "--time-column" not in err


def test_the_library_keeps_its_message():
    times = pd.date_range("2025-01-01", periods=40, freq="h")
    with pytest.raises(DriftError, match=r"give it the same type in both frames$"):
        engine.detect(pd.DataFrame({"t": times}), pd.DataFrame({"t": times.astype(str)}))


@pytest.mark.parametrize("engine_name", ["memory", "stream"])
def test_with_a_time_column_given_a_second_date_names_only_exclude(tmp_path, capsys, engine_name):
    """There is one time column: with --time-column already given, a second date read as text
    was still pointed at ``--time-column closed``, which would unname the first."""
    sides = _sides(tmp_path, lambda frame: frame)
    reference = pd.read_parquet(tmp_path / "train.parquet")
    reference.assign(closed=reference["applied"]).to_parquet(tmp_path / "train.parquet")
    reference.assign(closed=reference["applied"]).to_csv(tmp_path / "week.csv", index=False)
    code = _drift(*sides, "--engine", engine_name, "--time-column", "applied")
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error: column 'closed' is ") and "--exclude closed" in err, err
    assert "--time-column" not in err
