"""Registration tags: what a registered version records about how it was made. KFP-free."""

from __future__ import annotations

from typing import Any

TAG_PREFIX = "ctloop."


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
