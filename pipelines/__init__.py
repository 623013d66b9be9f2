"""ctloop pipelines. Importing a pipeline module imports kfp and the component interfaces."""

from __future__ import annotations

from collections.abc import Callable


def all_pipelines() -> dict[str, Callable]:
    """``{pipeline name: pipeline function}`` for every pipeline ctloop ships."""
    from ctloop.pipelines.continuous_training import continuous_training

    found: dict[str, Callable] = {"continuous-training": continuous_training}
    from importlib.util import find_spec

    if find_spec("ctloop.pipelines.rollout") is not None:
        from ctloop.pipelines.rollout import rollout

        found["rollout"] = rollout
    return found
