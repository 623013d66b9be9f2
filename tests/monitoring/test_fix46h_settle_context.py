"""Fix 46h: the monitoring steps end a live window ``core.LIVE_SETTLE`` before the run and note an
``as_of`` closer to the run than that (core.window_end). Nothing tested that steps.context uses
it, and the note reached the window's MLflow record only when one task read the whole window: a
KFP run is always fanned out (plan_monitoring -> summarise_partition -> monitor_model), and
monitor_model's context reads the plan's end, not the clock, so it had no note to record. The
plan now keeps its notes (window.Plan.notes) and monitor() records them. A real local MLflow
(sqlite) store; the clock is ``ctloop.timeutil.utc_now``, monkeypatched."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from ctloop.components.monitor import core, steps
from ctloop.monitoring import window

NOW = pd.Timestamp("2026-03-02T10:00:07.5Z")
CLOSE = "2026-03-02T10:00:00Z"  # 7.5 s before the run: within the settle time


@pytest.fixture(scope="module")
def tracking(tmp_path_factory):
    import mlflow

    root = tmp_path_factory.mktemp("fix46h-settle")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    before = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)  # the monitoring store writes its runs with mlflow.start_run
    yield uri
    mlflow.set_tracking_uri(before)


@pytest.fixture
def setup(tracking, tmp_path, monkeypatch):
    monkeypatch.setattr("ctloop.timeutil.utc_now", lambda: NOW)
    (tmp_path / "log").mkdir()
    return tracking, {"log_root": str(tmp_path / "log")}, tmp_path


def test_a_live_window_ends_the_settle_time_before_the_run(setup):
    uri, cfg, _ = setup
    ctx = steps.context("live", cfg, tracking_uri=uri)
    assert ctx.window.end == NOW - pd.Timedelta(core.LIVE_SETTLE) == pd.Timestamp("2026-03-02T09:59:07.5Z")
    assert ctx.notes == []


def test_an_as_of_within_the_settle_time_is_kept_and_noted(setup):
    uri, cfg, _ = setup
    ctx = steps.context("close", cfg, as_of=CLOSE, tracking_uri=uri)
    assert ctx.window.end == pd.Timestamp(CLOSE)
    assert len(ctx.notes) == 1 and ctx.notes[0].startswith(f"the window ends {pd.Timestamp(CLOSE).isoformat()}")


def _warnings(uri: str, run_id: str) -> str:
    return MlflowClient(uri).get_run(run_id).data.tags.get("warnings", "")


def test_the_fanned_out_run_records_the_plans_note(setup):
    uri, cfg, tmp = setup
    parts = steps.plan("fanned", cfg, str(tmp / "plan"), as_of=CLOSE, tracking_uri=uri)
    assert window.Plan.load(str(tmp / "plan")).notes == steps.context("fanned", cfg, as_of=CLOSE, tracking_uri=uri).notes
    for p in parts:
        steps.summarise(str(tmp / "plan"), p, cfg, str(tmp / f"part{p}"))
    out = steps.monitor("fanned", cfg, tracking_uri=uri, plan_dir=str(tmp / "plan"),
                        partial_dirs=[str(tmp / f"part{p}") for p in parts])
    notes = [w for w in out.result.warnings if "less than 1min before it was read" in w]
    assert len(notes) == 1
    assert notes[0] in _warnings(uri, out.run_id) and f"WARNING: {notes[0]}" in out.result.reason


def test_the_single_task_run_records_its_note(setup):
    uri, cfg, _ = setup
    out = steps.monitor("single", cfg, as_of=CLOSE, tracking_uri=uri)
    assert len([w for w in out.result.warnings if "less than 1min before it was read" in w]) == 1
    assert "less than 1min before it was read" in _warnings(uri, out.run_id)


def test_a_plan_saved_without_notes_still_loads(setup):
    uri, cfg, tmp = setup
    steps.plan("old", cfg, str(tmp / "plan"), tracking_uri=uri)
    path = tmp / "plan" / "plan.json"
    data = json.loads(path.read_text())
    del data["notes"]  # as a plan of a release before the notes were saved
    path.write_text(json.dumps(data))
    assert window.Plan.load(str(tmp / "plan")).notes == []
