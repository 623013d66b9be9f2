"""Registration: what a registered version records about how it was made, and how it is released.
KFP-free."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ctloop.config import RolloutConfig
from ctloop.registry import TAG_GATE_CHAMPION, TAG_GATE_DECISION

TAG_PREFIX = "ctloop."
# What happens after registration (register_model's ``route`` output; the pipeline branches on it).
# DECIDED: a retried task's version was decided since its earlier attempt (approved, promoted, rolled back, ...):
# nothing is deployed, promoted or tagged (MlflowRegistry.register's ``decided_since``)
ROLLOUT, PROMOTE, PENDING_APPROVAL, REGISTERED = "rollout", "promote", "pending-approval", "registered"
DECIDED = "decided"
ROUTES = (ROLLOUT, PROMOTE, PENDING_APPROVAL, REGISTERED, DECIDED)


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


def registration_id(*, model_name: str, model_uri: str, pipeline_run_id: str, pipeline_task_name: str,
                    pipeline_task_id: str, step: str = "register") -> str:
    """What identifies one registration in every attempt of one KFP task (32 hex digits), or "" outside KFP
    (a task placeholder empty or not filled in): then each call registers anew.

    KFP 2.17.0 retries a task's executor pod only (``backend/src/v2/compiler/argocompiler/container.go``
    ~578-587); its ``KFP_POD_NAME``, ``KFP_POD_UID`` and ``KFP_RETRY_INDEX`` differ per attempt. The run id,
    task name and task id placeholders are filled in once per task by its driver
    (``backend/src/v2/driver/resolve.go`` ~436-446; the task id is the enclosing DAG execution's id there,
    so the name tells tasks of one DAG apart and the id iterations of a ParallelFor), and the model URI is
    the task's input: all the same in every attempt. ``step``: another record of the same task (its
    ``record_event``: ``register`` and ``approval_requested`` get ids of their own).

    Three paths reach a task again with this id: a cluster ``retryStrategy`` ``OnFailure``/``Always``
    (when it fails), Argo's ``templateDefaults`` ``OnError`` as KFP installs it (a pod error), and a
    manual "Retry run" (2.17.0 ``backend/src/common/util/workflow.go`` ``GenerateRetryExecution`` keeps
    the succeeded driver), possibly days later. Each finishes the version the earlier attempt registered
    (``MlflowRegistry.register``), or, when that version was decided since (approved, promoted, rolled
    back, ...), changes nothing and routes :data:`DECIDED`.
    """
    parts = (pipeline_run_id, pipeline_task_name, pipeline_task_id)
    if not all(parts) or any("{{$." in part for part in parts):
        return ""
    text = json.dumps([step, model_name, model_uri, *parts])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


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
    :data:`ctloop.registry.TAG_GATE_DECISION` (``approved``), ``ctloop.gate_reason``, ``ctloop.code_version``,
    ``ctloop.task``, ``ctloop.estimator``, ``ctloop.target``, one ``ctloop.metric.<name>`` per
    numeric gate metric and :data:`ctloop.registry.TAG_GATE_CHAMPION`, the champion the gate compared the model
    with (``evaluate_model``'s metrics metadata ``champion_version``; "" for none; absent there, not written).
    """
    tags: dict[str, str] = {
        "ctloop.pipeline_run_id": pipeline_run_id,
        "ctloop.pipeline_run_name": pipeline_run_name,
        "ctloop.dataset_digest": dataset_digest or str(meta.get("dataset_digest", "")),
        TAG_GATE_DECISION: "approved",  # what the challenger rule reads (registry._never_challenger)
        "ctloop.gate_reason": gate_reason,
        "ctloop.code_version": code_version,
        "ctloop.task": str(meta.get("task", "")),
        "ctloop.estimator": str(meta.get("estimator", "")),
        "ctloop.target": str(meta.get("target", "")),
        "ctloop.sklearn_version": str(meta.get("sklearn_version", "")),
    }
    if "champion_version" in gate_metrics:  # what a promotion by this run checks (registry.refuse_champion_changed)
        tags[TAG_GATE_CHAMPION] = str(gate_metrics["champion_version"] or "")
    for name, value in sorted(gate_metrics.items()):
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        tags[f"{TAG_PREFIX}metric.{name}"] = f"{float(value):.6g}"
    return tags


__all__ = ["TAG_PREFIX", "ROUTES", "ROLLOUT", "PROMOTE", "PENDING_APPROVAL", "REGISTERED", "DECIDED", "release_route",
           "registration_id", "registration_tags"]
