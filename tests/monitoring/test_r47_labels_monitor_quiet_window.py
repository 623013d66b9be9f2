"""A monitoring window with too few requests to judge drift gets no drift share (round 47).

``monitor_model`` compared any window's features with the champion's reference: on a quiet
window (a night hour, a few requests) a numeric feature's statistic is noise — against a
reference of more than 1,000 rows evidently's Wasserstein distance of 3 rows from the reference's
own distribution is past its threshold, ``drift: 2 of 2 columns drifted`` — and two quiet windows in a
row fired the ``drift_share`` rule (a retrain) with no change at all. As ``detect_drift`` and
``ctloop drift``, a window with fewer than ``engine.MIN_ROWS`` requested rows gets no drift
share (the drift rule is not evaluated on it) and a warning says why; both readers alike.
"""

from __future__ import annotations

import pandas as pd

from ctloop.components.monitor import core
from ctloop.drift.engine import MIN_ROWS
from ctloop.inference_log.reader import read_log
from ctloop.monitoring import window as W
from tests.monitoring.window_support import END, MODEL, champion, config, write_log


def _judged(root, champ):
    cfg = config(root)
    window = core.bounds(END, cfg)
    frame = core.judge(window=window, logs=read_log(str(root), MODEL, window.read_from, window.end), labels=None,
                       champion=champ, history=[], previous=None, cfg=cfg, model_name=MODEL)
    state = W.collect(str(root), MODEL, core.window_spec(window, champ, None, cfg), None, batch_rows=97,
                      progress=False)
    streamed = core.judge_state(state=state, labels=None, champion=champ, history=[], previous=None, cfg=cfg,
                                model_name=MODEL)
    return frame, streamed, state.counts["requested"]


def _big_reference():
    champ = champion()
    champ.reference = pd.concat([champ.reference] * 3, ignore_index=True)  # past 1,000 rows: Wasserstein
    return champ


def test_a_quiet_window_has_no_drift_share(tmp_path):
    write_log(tmp_path / "logs", n=200, seed=4)
    frame, streamed, requested = _judged(tmp_path / "logs", _big_reference())
    assert 0 < requested < MIN_ROWS
    for judged in (frame, streamed):
        assert judged.record["drift_share"] is None
        assert "drift_share" not in judged.series
        assert any(w.startswith(f"drift not computed: {requested} requested rows in the window, fewer than "
                                f"{MIN_ROWS}") for w in judged.warnings), judged.warnings


def test_a_window_of_enough_requests_is_judged(tmp_path):
    write_log(tmp_path / "logs", n=900, seed=4)
    frame, streamed, requested = _judged(tmp_path / "logs", _big_reference())
    assert requested >= MIN_ROWS
    assert frame.record["drift_share"] is not None and streamed.record["drift_share"] is not None
