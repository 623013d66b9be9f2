"""``ctloop backtest --compare never,always,drift,default`` on a table with a record id (a
different text in every row: shuttle telemetry exported with its record number) printed the same
note, "column 'record_id' has a different value in every row (an ID?)", once per policy: four
identical lines for one table, in one process (``--jobs 1``) or in several. A note on the data is
shown once per comparison now."""

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd

from ctloop.backtest import BacktestConfig, compare
from ctloop.config import GateConfig, TrainingConfig


def _telemetry(n: int = 600, seed: int = 47) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "ts": pd.Timestamp("2024-03-01") + pd.to_timedelta(np.sort(rng.random(n)) * 3, unit="D"),
        "record_id": [f"SHT-{i:07d}" for i in range(n)],
        "f1": rng.integers(30, 60, n),
        "f5": rng.normal(40, 10, n),
    })
    frame["anomaly"] = (frame["f1"] > 52) | (rng.random(n) < 0.05)
    return frame


def _config() -> BacktestConfig:
    return BacktestConfig(target="anomaly", time_column="ts", window="1D", train_window="1D",
                          training=TrainingConfig(estimator="logistic_regression"),
                          gate=GateConfig(thresholds={"roc_auc": 0.5}, bootstrap_rounds=5))


def _id_notes(caught) -> list[str]:
    return [str(w.message) for w in caught if "'record_id' has a different value in every row" in str(w.message)]


def test_a_note_on_the_data_is_shown_once_per_comparison():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        reports = compare(_telemetry(), _config(), ["never", "always"], jobs=1)
    assert set(reports) == {"never", "always"}
    assert len(_id_notes(seen)) == 1, _id_notes(seen)


def test_a_compare_process_returns_its_notes_for_the_parent_to_show_once():
    # --jobs N: each policy's process printed its own copy; it sends them to the parent now
    # (compare shows them under the one-per-comparison rule above; test_fix47e_compare_notes.py)
    import pickle
    import queue
    from functools import partial

    from ctloop.backtest import _replay_policy, _send_note

    notes: queue.Queue = queue.Queue()
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        warnings.showwarning = partial(_send_note, notes)  # as _start_worker sets it in the process
        report = _replay_policy(_telemetry(), replace(_config(), policy="always"), None)
    assert report.retrains > 0
    assert _id_notes(shown) == []  # not printed by the process
    sent = [notes.get_nowait() for _ in range(notes.qsize())]
    assert [pickle.loads(category) for text, category, *_ in sent if "'record_id'" in text] == [UserWarning]
