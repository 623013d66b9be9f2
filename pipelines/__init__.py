"""ctloop pipelines. Importing a pipeline module imports kfp and the component interfaces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def all_pipelines(platform: Any = None) -> dict[str, Callable]:
    """``{pipeline name: pipeline function}`` for every pipeline ctloop ships, built with the cluster
    settings of ``platform`` (a :class:`ctloop.config.PlatformConfig`; default: its defaults)."""
    from ctloop.pipelines import batch_scoring, continuous_training, monitoring, rollout

    if platform is None:
        return {"continuous-training": continuous_training.continuous_training,
                "monitoring": monitoring.monitoring, "rollout": rollout.rollout,
                "batch-scoring": batch_scoring.batch_scoring}
    return {"continuous-training": continuous_training.build(platform), "monitoring": monitoring.build(platform),
            "rollout": rollout.build(platform), "batch-scoring": batch_scoring.build(platform)}
