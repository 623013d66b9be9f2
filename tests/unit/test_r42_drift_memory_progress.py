"""``ctloop drift`` with the memory engine (and ``--calibrate``, in memory whatever the size)
printed nothing on stderr until the verdict: long work on a big table gave no sign of life,
where the streamed engine prints throttled progress lines. Now the memory engine says the
columns compared and the calibration splits done on stderr, throttled as the streamed lines
(the last of each always), and nothing with ``--quiet`` (round 42)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.drift import engine


def _sides(tmp_path):
    rng = np.random.default_rng(3)
    for name, shift in (("ref", 0.0), ("cur", 0.3)):
        frame = pd.DataFrame({"x": rng.normal(shift, 1, 400), "c": rng.choice(["a", "b", "c"], 400)})
        frame.to_parquet(tmp_path / f"{name}.parquet")
    return str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet")


@pytest.mark.parametrize("extra", [[], ["--calibrate", "3"]], ids=["detect", "calibrate"])
def test_the_memory_engine_reports_progress_on_stderr(tmp_path, capsys, extra):
    ref, cur = _sides(tmp_path)
    assert main(["drift", "--reference", ref, "--current", cur, "--engine", "memory", "--no-report", *extra]) == 0
    captured = capsys.readouterr()
    assert "memory engine: 2/2 columns compared" in captured.err
    if extra:
        assert "memory engine: calibration: 3/3 random splits of the reference" in captured.err
    assert "memory engine" not in captured.out  # the table on stdout stays clean


@pytest.mark.parametrize("extra", [[], ["--calibrate", "3"]], ids=["detect", "calibrate"])
def test_quiet_prints_no_progress(tmp_path, capsys, extra):
    ref, cur = _sides(tmp_path)
    argv = ["drift", "--reference", ref, "--current", cur, "--engine", "memory", "--no-report", "--quiet", *extra]
    assert main(argv) == 0
    assert capsys.readouterr().err == ""


def test_the_api_calls_back_once_per_column_and_split():
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"x": rng.normal(size=300), "y": rng.normal(size=300), "c": rng.choice(["a", "b"], 300)})
    cur = ref.sample(frac=1.0, random_state=1).reset_index(drop=True)
    calls: list[tuple[int, int]] = []
    engine.detect(ref, cur, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    steps: list[tuple[str, int, int]] = []
    engine.detect_calibrated(ref, cur, rounds=4, progress=lambda *a: steps.append(a))
    assert [s for s in steps if s[0] == "splits"] == [("splits", k, 4) for k in range(1, 5)]
    assert [s for s in steps if s[0] == "columns"][-1] == ("columns", 3, 3)
