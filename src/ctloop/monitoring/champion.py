"""What a monitoring window is judged against: the champion, read from the registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ctloop.columns import RESERVED_TRAINING
from ctloop.errors import RegistryError
from ctloop.metrics import TASKS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

TAG_TASK = "ctloop.task"
TAG_METRIC = "ctloop.metric."  # + gate metric (registration tags)
TAG_GATE_METRIC = "ctloop.metric.challenger."  # + metric: the champion's value at its gate
TAG_CHAMPION_SINCE = "ctloop.champion_since"


@dataclass
class Champion:
    """The champion's version, task, features, classes, training reference and gate metrics."""

    version: str
    task: str
    features: list[str]
    classes: list | None
    reference: pd.DataFrame | None
    gate_metrics: dict[str, float] = field(default_factory=dict)
    since: pd.Timestamp | None = None

    def gate_value(self, metric: str) -> float | None:
        """What the champion achieved on ``metric`` at its gate (its validation value), if recorded."""
        return self.gate_metrics.get(metric)


def load(registry: Any, model_name: str, *, with_reference: bool = True) -> Champion | None:
    """The current champion of ``model_name``, or None when there is none."""
    import pandas as pd

    mv = registry.champion(model_name)
    if mv is None:
        return None
    meta = registry.load_meta(model_name, mv.version)
    task = mv.tags.get(TAG_TASK) or meta.get("task") or "classification"
    if task not in TASKS:  # a tag edited by hand: else "task 'Classification' must be ..." naming neither
        where = f"tag {TAG_TASK}" if mv.tags.get(TAG_TASK) else "its metadata's task"
        raise RegistryError(f"model {model_name!r} version {mv.version}: {where} is {task!r}, not one of "
                            f"{', '.join(TASKS)}: set it to what ctloop wrote, or delete the tag")
    reference = registry.load_reference(model_name, mv.version) if with_reference else None
    features = list(meta.get("features") or ([c for c in reference.columns if c not in RESERVED_TRAINING]
                                             if reference is not None else []))
    classes = (list(meta.get("classes") or []) or None) if task == "classification" else None
    def tag(key: str, parse: Any) -> Any:
        try:
            return parse(mv.tags[key])
        except (ValueError, TypeError, OverflowError):  # a tag edited by hand in the MLflow UI
            raise RegistryError(f"model {model_name!r} version {mv.version}: tag {key} is {mv.tags[key]!r}, which "
                                f"ctloop cannot read as {'a time' if parse is not float else 'a number'}: set it to "
                                "what ctloop wrote, or delete it") from None

    gate = {k[len(TAG_GATE_METRIC):]: tag(k, float) for k in mv.tags if k.startswith(TAG_GATE_METRIC)}
    # the gate's comparison with the champion it replaced (ctloop.monitoring.policy.paid)
    gate.update({k[len(TAG_METRIC):]: tag(k, float) for k in mv.tags
                 if k.startswith(TAG_METRIC) and k.endswith((".delta", ".ci_low"))})
    since = tag(TAG_CHAMPION_SINCE, pd.Timestamp) if mv.tags.get(TAG_CHAMPION_SINCE) else None
    if since is None or since is pd.NaT:
        since = pd.Timestamp("1970-01-01T00:00:00Z")
    since = since.tz_localize("UTC") if since.tzinfo is None else since.tz_convert("UTC")
    return Champion(mv.version, task, features, classes, reference, gate, since)


__all__ = ["Champion", "load", "TAG_GATE_METRIC"]
