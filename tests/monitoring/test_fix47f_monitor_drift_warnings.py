"""What a monitoring window without a drift verdict says (round 47 fix F, items 3 and 4).

Round 47 gave a window of fewer than ``engine.MIN_ROWS`` requested rows no drift share, but a quiet
window whose log lacked a champion feature then said both "drift not computed: 23 requested rows
..." and "drift computed without 1 feature(s) missing from the log": the second contradicted the
first. And a window of no requested rows at all said nothing about drift (quieter than one of 1-29
rows). Now the missing features are named without a claim that drift was computed, and a window
without requests says drift was not computed; both readers alike (the frame and the streamed state).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.components.monitor import core
from ctloop.inference_log.reader import read_log
from ctloop.monitoring import window as W
from ctloop.monitoring.champion import Champion
from tests.monitoring.window_support import END, FEATURES, MODEL, champion, config, write_log


def _judged(root, champ, end=END):
    cfg = config(root)
    window = core.bounds(end, cfg)
    frame = core.judge(window=window, logs=read_log(str(root), MODEL, window.read_from, window.end), labels=None,
                       champion=champ, history=[], previous=None, cfg=cfg, model_name=MODEL)
    state = W.collect(str(root), MODEL, core.window_spec(window, champ, None, cfg), None, batch_rows=97,
                      progress=False)
    streamed = core.judge_state(state=state, labels=None, champion=champ, history=[], previous=None, cfg=cfg,
                                model_name=MODEL)
    return frame, streamed


def _champion_with_an_extra_feature() -> Champion:
    c = champion()
    reference = c.reference.copy()
    reference["extra"] = np.random.default_rng(1).normal(size=len(reference))
    return Champion("1", "classification", [*FEATURES, "extra"], [0, 1], reference, {"roc_auc": 0.8}, c.since)


def test_a_quiet_window_names_missing_features_without_claiming_drift_was_computed(tmp_path):
    write_log(tmp_path / "logs", n=200, seed=4)
    for judged in _judged(tmp_path / "logs", _champion_with_an_extra_feature()):
        assert judged.record["drift_share"] is None
        assert any(w.startswith("drift not computed: ") for w in judged.warnings), judged.warnings
        assert "features missing from the log: ['extra']" in judged.warnings, judged.warnings
        assert not any(w.startswith("drift computed") for w in judged.warnings), judged.warnings


def test_a_busy_window_still_says_drift_was_computed_without_them(tmp_path):
    write_log(tmp_path / "logs", n=900, seed=4)
    for judged in _judged(tmp_path / "logs", _champion_with_an_extra_feature()):
        assert judged.record["drift_share"] is not None
        assert "drift computed without 1 feature(s) missing from the log: ['extra']" in judged.warnings


def test_a_window_without_requests_says_drift_was_not_computed(tmp_path):
    write_log(tmp_path / "logs", n=200, seed=4)
    later = END + pd.Timedelta("30D")  # nothing logged in that window
    for judged in _judged(tmp_path / "logs", champion(), end=later):
        assert judged.record["rows"] == 0 and judged.record["drift_share"] is None
        assert "no requested rows in the window: drift not computed" in judged.warnings, judged.warnings
