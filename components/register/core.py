"""Registration: what a registered version records about how it was made, and how it is released.
KFP-free."""

from __future__ import annotations

from typing import Any

from ctloop.config import RolloutConfig

TAG_PREFIX = "ctloop."
# What happens after registration (register_model's ``route`` output; the pipeline branches on it)
ROLLOUT, PROMOTE, PENDING_APPROVAL, REGISTERED = "rollout", "promote", "pending-approval", "registered"
ROUTES = (ROLLOUT, PROMOTE, PENDING_APPROVAL, REGISTERED)


def release_route(cfg: RolloutConfig) -> tuple[str, str]:
    """``(route, reason)`` for an approved, registered challenger.

    * ``approval: required`` → ``pending-approval``: nothing is deployed or promoted until a person
      runs ``ctloop approve`` (which starts the rollout or the promotion);
    * ``inference_service`` set → ``rollout``: validate, canary, analyse, promote or roll back;
    * ``auto_promote`` → ``promote``: the registry champion moves now;
    * otherwise ``registered``: an operator promotes it.
    """
    if cfg.approval == "required":
        target = (f"the canary on {cfg.namespace}/{cfg.inference_service}" if cfg.inference_service
                  else "the registry promotion")
        return PENDING_APPROVAL, f"approval required (rollout.approval): {target} waits for `ctloop approve`"
    if cfg.inference_service:
        return ROLLOUT, f"rolling out to {cfg.namespace}/{cfg.inference_service} ({cfg.strategy})"
    if cfg.auto_promote:
        return PROMOTE, "auto_promote: promoted in the registry"
    return REGISTERED, "auto_promote is off: the rollout or an operator promotes this version"


def registration_tags(
    *,
    meta: dict[str, Any],
    gate_metrics: dict[str, Any],
    gate_reason: str,
    dataset_digest: str,
    pipeline_run_id: str,
    pipeline_run_name: str,
    code_version: str,
) -> dict[str, str]:
    """The model-version tags written at registration.

    Keys: ``ctloop.pipeline_run_id``, ``ctloop.pipeline_run_name``, ``ctloop.dataset_digest``,
    ``ctloop.gate_decision`` (``approved``), ``ctloop.gate_reason``, ``ctloop.code_version``,
    ``ctloop.task``, ``ctloop.estimator``, ``ctloop.target`` and one ``ctloop.metric.<name>`` per
    numeric gate metric.
    """
    tags: dict[str, str] = {
        "ctloop.pipeline_run_id": pipeline_run_id,
        "ctloop.pipeline_run_name": pipeline_run_name,
        "ctloop.dataset_digest": dataset_digest or str(meta.get("dataset_digest", "")),
        "ctloop.gate_decision": "approved",
        "ctloop.gate_reason": gate_reason,
        "ctloop.code_version": code_version,
        "ctloop.task": str(meta.get("task", "")),
        "ctloop.estimator": str(meta.get("estimator", "")),
        "ctloop.target": str(meta.get("target", "")),
        "ctloop.sklearn_version": str(meta.get("sklearn_version", "")),
    }
    for name, value in sorted(gate_metrics.items()):
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        tags[f"{TAG_PREFIX}metric.{name}"] = f"{float(value):.6g}"
    return tags


__all__ = ["TAG_PREFIX", "ROUTES", "ROLLOUT", "PROMOTE", "PENDING_APPROVAL", "REGISTERED", "release_route",
           "registration_tags"]
