"""Runs in ``<model>-monitoring`` that ctloop did not write (a notebook's run, a hand-set tag): a
``window_end`` that is no time with a zone is no window. It crashed every later monitoring run
(``DateParseError``; ``TypeError: Cannot compare tz-naive and tz-aware timestamps``) and
``ctloop monitor history`` with a traceback: monitoring stopped for good. A real (sqlite) MLflow
store. (The backtest's replay writes times without a zone throughout: those still compare.)"""

from __future__ import annotations

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from ctloop.cli import main
from ctloop.monitoring.store import MonitoringStore

END = "2026-01-05T12:00:00+00:00"


@pytest.mark.parametrize("foreign", ["yesterday", "2026-01-05T10:00:00", "NaT"])
def test_a_foreign_window_end_is_no_window(sqlite_tracking, foreign, capsys):
    client = MlflowClient(sqlite_tracking)
    exp = client.create_experiment("credit-monitoring")
    ours = client.create_run(exp, tags={"window_end": "2026-01-05T11:00:00+00:00", "triggered": "true",
                                        "kfp_run": "run-1", "champion_version": "1"})
    client.create_run(exp, tags={"window_end": foreign, "triggered": "true", "kfp_run": "run-x"})
    store = MonitoringStore(client, "credit")
    history = store.history(window_end=END, need=3, window="1h")
    assert [r["run_id"] for r in history] == [ours.info.run_id]
    assert store.previous(history, END)["run_id"] == ours.info.run_id
    assert store.newer_window(pd.Timestamp(END)) is None
    frame = store.windows()  # a time without a zone is listed as UTC; no time is no window
    assert ours.info.run_id in list(frame["run_id"]) and len(frame) == (2 if foreign[0].isdigit() else 1)
    assert main(["monitor", "history", "--model-name", "credit", "--tracking-uri", sqlite_tracking]) == 0
    assert "window(s)" in capsys.readouterr().out


def test_a_deleted_monitoring_experiment_is_one_line_before_the_window_is_judged(sqlite_tracking):
    """Someone deleted ``<model>-monitoring`` in the MLflow UI (to reset the history): MLflow keeps
    a deleted experiment's name (``get_experiment_by_name`` returns it) and refuses a run in it
    (mlflow 3.x ``sqlalchemy_store.create_run``: "must be in the 'active' state"), so every later
    window was judged and then failed at its record with an MlflowException traceback. Now the
    history read says so in one line with both ways out, before anything is judged."""
    from ctloop.errors import RegistryError

    client = MlflowClient(sqlite_tracking)
    exp = client.create_experiment("credit-monitoring")
    client.delete_experiment(exp)
    store = MonitoringStore(client, "credit")
    with pytest.raises(RegistryError, match=r"'credit-monitoring' \(id \d+\) is deleted.*mlflow experiments restore"):
        store.history(window_end=END, need=3, window="1h")
    assert store.windows().empty  # reading the history (ctloop monitor history) is no error
