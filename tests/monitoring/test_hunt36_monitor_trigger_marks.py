"""A retrain that started but could not be recorded: the KFP run was created, then MLflow failed to
mark the monitoring window (``set_tag``). The step died with an MlflowException traceback that
did not name the run it had started; an operator could not tell whether a retrain was running,
and retried the step (a second run). Now it fails with one line naming the started KFP run."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from mlflow.exceptions import MlflowException

from ctloop.errors import PlatformError
from ctloop.monitoring.trigger import start_training


def test_a_started_run_that_could_not_be_marked_is_named_in_one_line():
    events = []

    class Store:
        client = SimpleNamespace(get_run=lambda run_id: SimpleNamespace(data=SimpleNamespace(tags={})))

        def mark_triggered(self, run_id, kfp_run):
            raise MlflowException("API request to http://mlflow:5000 failed: Max retries exceeded")

        def mark_failed(self, run_id, error):
            raise AssertionError("the run started: it is no failed trigger")

    class Registry:
        def record_event(self, model_name, version, event):
            events.append(event)

    class Platform:
        def create_run(self, pipeline, *, experiment, params, run_name, schedule="", run_id=""):
            return "kfp-run-7"

    with pytest.raises(PlatformError) as info:
        start_training(Registry(), Store(), Platform(), model_name="credit", reason="drift", params={},
                       experiment="ctloop", monitor_run_id="window-run")
    message = str(info.value)
    assert "kfp-run-7" in message and "window-run" in message and "\n" not in message
    assert [e["event"] for e in events] == ["retrain_triggered"]  # the audit trail still says it started
