"""What the trigger tests on a real (sqlite) MLflow store share: a model's registry and
monitoring store, and a KFP double that only records the runs it was asked to create."""

from __future__ import annotations

import mlflow

from ctloop.monitoring.store import MonitoringStore
from ctloop.registry import MlflowRegistry


class RecordingPlatform:
    """The one call a monitoring trigger makes of ``ctloop.ops.platform.Platform``; run ids in order."""

    def __init__(self):
        self.runs: list[str] = []

    def create_run(self, pipeline, *, experiment, params, run_name, schedule="", run_id=""):
        self.runs.append(f"kfp-run-{len(self.runs) + 1}")
        return self.runs[-1]


def trigger_loop(tracking_uri: str, model: str) -> tuple[MlflowRegistry, MonitoringStore, RecordingPlatform]:
    """A registered ``model``, its monitoring store and a recording platform."""
    mlflow.set_tracking_uri(tracking_uri)
    registry = MlflowRegistry(tracking_uri)
    registry.client.create_registered_model(model)
    return registry, MonitoringStore(registry.client, model), RecordingPlatform()
