"""The KFP-free core of ``score_batch`` (and of ``ctloop score``): the ``scoring`` section parsed,
the registry opened, :func:`ctloop.scoring.score_section` called."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ctloop.config import ScoringConfig
from ctloop.scoring import Progress, ScoreResult, score_section


def score_batch(model_name: str, scoring: dict[str, Any] | ScoringConfig, *, run_id: str, tracking_uri: str = "",
                scored_at: datetime | None = None,
                progress: Callable[[Progress], None] | None = None,
                parameter: str = "tracking_uri") -> ScoreResult:
    """Score ``scoring.data`` with the version behind ``scoring.alias`` of ``model_name``. A local
    ``tracking_uri`` naming no store is a ConfigError naming ``parameter`` (nothing created)."""
    from ctloop.config import model_name as check_name
    from ctloop.errors import ConfigError
    from ctloop.registry import MlflowRegistry
    from ctloop.tracking import existing_store

    cfg = scoring if isinstance(scoring, ScoringConfig) else ScoringConfig.from_dict(scoring)
    problem = check_name(model_name)
    if problem:
        raise ConfigError(f"model_name: {model_name!r} {problem}")

    def registry() -> MlflowRegistry:  # opened after the input and output checks
        existing_store(tracking_uri, parameter=parameter)
        return MlflowRegistry(tracking_uri)

    return score_section(registry, model_name, cfg, run_id=run_id, scored_at=scored_at,
                         progress=progress)


__all__ = ["score_batch"]
