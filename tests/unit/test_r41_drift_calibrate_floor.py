"""A calibrated p-value threshold never degenerates to 0.

A reference with a long tail of categories seen once (job titles, postcodes, product codes) puts
some of them in the small part of nearly every random split and none in the rest: chi-square
scores such a split p = 0 (a value unseen in the reference), so the low quantile of the splits'
p-values was 0.0, and with evidently's rule ``p < threshold`` the column could never drift again:
a window holding nothing but a brand-new category scored p = 0 against threshold 0 and was "no
drift". A calibrated p-value threshold is now at least ``(1 - quantile) x`` the column's own
threshold (docs/drift.md).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ctloop.cli import main
from ctloop.drift import engine


def _reference(n: int = 800, singletons: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    common = rng.choice(["clerk", "driver", "nurse", "teacher"], size=n - singletons, p=[0.4, 0.3, 0.2, 0.1])
    job = np.concatenate([common, [f"title-{i}" for i in range(singletons)]])
    frame = pd.DataFrame({"job": job, "income": rng.lognormal(10, 0.5, size=n)})
    return frame.sample(frac=1, random_state=0).reset_index(drop=True)


def _current(job) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    return pd.DataFrame({"job": job, "income": rng.lognormal(10, 0.5, size=len(job))})


def test_the_calibrated_threshold_of_a_long_tailed_column_is_not_zero():
    cur = _current(np.random.default_rng(3).choice(["clerk", "driver", "nurse", "teacher"], size=300))
    _, calibration = engine.detect_calibrated(_reference(), cur, rounds=20)
    job = calibration["job"]
    assert job["method"] == "chisquare"
    assert 0 < job["threshold"] <= job["default"]
    assert job["threshold"] >= (1 - 0.95) * job["default"]


def test_a_window_of_a_new_category_still_drifts_after_calibration():
    result, _ = engine.detect_calibrated(_reference(), _current(["astronaut"] * 300), rounds=20)
    job = {c.column: c for c in result.columns}["job"]
    assert job.score == 0.0
    assert job.drifted


def test_the_cli_records_a_usable_threshold(tmp_path, capsys):
    _reference().to_parquet(tmp_path / "ref.parquet")
    _current(["astronaut"] * 300).to_parquet(tmp_path / "cur.parquet")
    code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                 "--calibrate", "20", "--quiet", "--no-report", "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    payload = json.loads((tmp_path / "out" / "drift.json").read_text())
    assert payload["calibration"]["job"]["threshold"] > 0
    assert {c["column"]: c["drifted"] for c in payload["columns"]}["job"] is True
