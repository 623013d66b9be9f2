"""A champion with a date (or time of day) feature: its reference.parquet column reads back as
``datetime.date`` objects (Parquet ``date32``), while the inference log holds what JSON carried,
ISO text ("2024-01-05"). Both engines refuse text against dates (DriftError), and the monitor's
drift step did not catch it: every window's judgement stopped (review B, finding 1). The logged
text is now read as dates/times (unparseable → missing), on the frame and the streamed path; a
column an engine still refuses is skipped with the reason, the window judged on the others."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ctloop.components.monitor import core
from ctloop.inference_log.reader import read_log
from ctloop.monitoring import window as W
from tests.monitoring.test_window_state import same_judgement
from tests.monitoring.window_support import END, MODEL, champion, config, write_log

DAY0 = dt.date(2025, 3, 1)


def _region_as(root, value) -> None:
    """Rewrite the log's ``region`` (and positional ``f2``) with ``value(row's grade)`` (a grade
    0..59 from the request id, so both logs of a test hold the same values)."""
    for path in sorted(root.rglob("*.parquet")):
        part = pq.read_table(path).to_pandas()
        for col in ("region", "f2"):
            if col in part.columns:
                grades = part["request_id"].map(lambda r: int(r.encode().hex()[-6:], 16) % 60)
                part[col] = [None if missing else value(g) for g, missing in zip(grades, part[col].isna(),
                                                                                   strict=True)]
        part.to_parquet(path, index=False)


def _judged(root, champ):
    cfg = config(root)
    window = core.bounds(END, cfg)
    frame = core.judge(window=window, logs=read_log(str(root), MODEL, window.read_from, window.end), labels=None,
                       champion=champ, history=[], previous=None, cfg=cfg, model_name=MODEL)
    state = W.collect(str(root), MODEL, core.window_spec(window, champ, None, cfg), None, batch_rows=97,
                      progress=False)
    streamed = core.judge_state(state=state, labels=None, champion=champ, history=[], previous=None, cfg=cfg,
                                model_name=MODEL)
    return frame, streamed


def _champion_with(values) -> object:
    champ = champion()
    grades = np.random.default_rng(3).integers(0, 60, len(champ.reference))
    champ.reference["region"] = pd.Series([values(int(g)) for g in grades], dtype=object)
    return champ


def test_logged_iso_dates_are_compared_as_the_reference_dates(tmp_path):
    write_log(tmp_path / "logs", n=900, seed=4)
    _region_as(tmp_path / "logs", lambda g: (DAY0 + dt.timedelta(days=int(g))).isoformat())
    champ = _champion_with(lambda g: DAY0 + dt.timedelta(days=g))
    frame, streamed = _judged(tmp_path / "logs", champ)
    same_judgement(frame, streamed)
    assert "region" in frame.drift_scores and not frame.drifted["region"]  # the same days: no drift
    assert not any("region" in w for w in frame.warnings)


def test_logged_iso_times_are_compared_as_the_reference_times(tmp_path):
    write_log(tmp_path / "logs", n=900, seed=4)
    _region_as(tmp_path / "logs", lambda g: dt.time(g % 24, g).isoformat())
    champ = _champion_with(lambda g: dt.time(g % 24, g))
    frame, streamed = _judged(tmp_path / "logs", champ)
    same_judgement(frame, streamed)
    assert "region" in frame.drift_scores and not frame.drifted["region"]


def test_unparseable_logged_dates_are_missing_values():
    ref = pd.DataFrame({"d": [DAY0, DAY0 + dt.timedelta(days=1)]})
    logged = pd.DataFrame({"d": ["2025-03-02", "not a date", None, "2025-03-01T10:30:00Z", 7]})
    out = W.coerce_like(logged, ref, ["d"])
    assert out["d"].tolist() == [dt.date(2025, 3, 2), None, None, dt.date(2025, 3, 1), None]
    spec_side = W.coerce_like(logged, [], ["d"], temporal=dict(W.temporal_columns(ref)))
    assert spec_side["d"].tolist() == out["d"].tolist()


def test_logged_iso_datetimes_are_read_in_the_reference_time_zone():
    ref = pd.DataFrame({"t": pd.to_datetime(["2025-03-01T10:00:00Z"], utc=True)})
    logged = pd.DataFrame({"t": ["2025-03-01T11:00:00+01:00", "junk"]})
    out = W.coerce_like(logged, ref, ["t"])
    assert str(out["t"].dtype) == str(ref["t"].dtype)
    assert out["t"].iloc[0] == ref["t"].iloc[0] and pd.isna(out["t"].iloc[1])


def test_a_column_an_engine_refuses_is_skipped_not_the_window(tmp_path):
    """Reference ``region`` stored as bytes (a Parquet BYTE_ARRAY without UTF8), logged as text:
    both engines refuse bytes against text. The window is judged on income and age, region is
    named as skipped with the engine's reason."""
    write_log(tmp_path / "logs", n=900, seed=4)
    champ = champion()
    champ.reference["region"] = champ.reference["region"].map(str.encode)
    frame, streamed = _judged(tmp_path / "logs", champ)
    for judged in (frame, streamed):
        assert set(judged.drift_scores) == {"income", "age"}
        assert judged.tags["drift_skipped"] == "region"
        assert any("drift skipped 1 column(s): region (" in w and "never match" in w for w in judged.warnings)
        assert judged.record["drift_share"] is not None
