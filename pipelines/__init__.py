"""ctloop pipelines. Importing a pipeline module imports kfp and the component interfaces."""

from __future__ import annotations

from collections.abc import Callable


def all_pipelines() -> dict[str, Callable]:
    """``{pipeline name: pipeline function}`` for every pipeline ctloop ships."""
    from ctloop.pipelines.continuous_training import continuous_training
    from ctloop.pipelines.monitoring import monitoring
    from ctloop.pipelines.rollout import rollout

    return {"continuous-training": continuous_training, "monitoring": monitoring, "rollout": rollout}
