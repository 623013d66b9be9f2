"""``--calibrate`` with a requested threshold, and with a correction.

Calibration promises to "only remove false alarms" (``engine.calibrate_thresholds``): a calibrated
threshold is never looser than the column's own. It was capped by the method's default instead, so
``--threshold 0.001 --calibrate 20`` judged KS p-values against up to 0.05 and called drifted
columns the run without ``--calibrate`` did not (and ``--method wasserstein --threshold 0.5``
against thresholds near 0.2). Now the cap is the threshold the column has without calibration.

A ``--correction bonferroni`` applies once: to the calibrated thresholds (the calibration's random
splits are judged without it). The second test pins that.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine


def _frames(shift=0.15):
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({f"x{i}": rng.normal(size=600) for i in range(4)})
    cur = pd.DataFrame({f"x{i}": rng.normal(loc=shift, size=300) for i in range(4)})
    return ref, cur


@pytest.mark.parametrize(("method", "threshold"), [(None, 0.001), ("wasserstein", 0.5)])
def test_a_calibrated_threshold_is_never_looser_than_the_requested_one(method, threshold):
    ref, cur = _frames()
    plain = engine.detect(ref, cur, method=method, threshold=threshold)
    result, calibration = engine.detect_calibrated(ref, cur, rounds=20, method=method, threshold=threshold)
    p_value = plain.columns[0].method == "ks"
    for col in result.columns:
        assert (col.threshold <= threshold) if p_value else (col.threshold >= threshold), col
        assert calibration[col.column]["threshold"] == col.threshold
    drifted = {c.column for c in plain.columns if c.drifted}
    assert {c.column for c in result.columns if c.drifted} <= drifted  # no alarm the plain run did not raise
    assert result.drifted == plain.drifted is False


def test_bonferroni_divides_the_calibrated_thresholds_once():
    ref, cur = _frames(shift=0.0)
    result, calibration = engine.detect_calibrated(ref, cur, rounds=20, correction="bonferroni")
    k = len(result.columns)
    for col in result.columns:
        assert col.threshold == pytest.approx(calibration[col.column]["threshold"] / k)
        assert calibration[col.column]["threshold"] <= 0.05


def test_the_cli_records_calibrated_thresholds_within_the_requested_one(tmp_path):
    from ctloop.cli import main

    ref, cur = _frames()
    ref.to_parquet(tmp_path / "r.parquet")
    cur.to_parquet(tmp_path / "c.parquet")
    code = main(["drift", "--reference", str(tmp_path / "r.parquet"), "--current", str(tmp_path / "c.parquet"),
                 "--threshold", "0.001", "--calibrate", "20", "--engine", "memory", "--no-report", "--quiet",
                 "--output", str(tmp_path / "out")])
    assert code == 0
    payload = json.loads((tmp_path / "out" / "drift.json").read_text())
    assert all(c["threshold"] <= 0.001 for c in payload["columns"])
    assert payload["drifted"] is False and payload["n_drifted"] == 0
