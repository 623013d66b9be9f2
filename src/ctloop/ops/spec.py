"""``ctloop.yaml``: one versioned file declaring a team's continuous-training setup.

::

    apiVersion: ctloop.dev/v1alpha1
    kind: ContinuousTraining
    kfp: {host: https://kfp.example.com, namespace: team-a, experiment: credit-ct}
    models:
      - name: credit-default
        data: {uri: gs://bucket/credit.parquet, contract: {...}}
        target: default
        time_column: application_date
        estimator: {name: hist_gradient_boosting, hyperparameters: {max_iter: 300}}
        gate: {thresholds: {roc_auc: 0.72}, tolerance: 0.01, slice_column: region}
        drift: {share: 0.5}
        schedule: {cron: "0 0 3 * * *"}

Validation reports every problem with its path and a fix (``models[1].schedule.cron: ...``);
unknown keys get a did-you-mean. ``pipeline_parameters`` maps a model to the parameters of the
``continuous-training`` pipeline — the one place where that mapping lives.
"""

from __future__ import annotations

import copy
import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctloop.errors import ConfigError

API_VERSION = "ctloop.dev/v1alpha1"
KIND = "ContinuousTraining"

# section -> {key: (type(s), default)}; None default = required
_NUM = (int, float)
SCHEMA: dict[str, dict[str, tuple[Any, Any]]] = {
    "root": {
        "apiVersion": (str, None),
        "kind": (str, None),
        "kfp": (dict, {}),
        "defaults": (dict, {}),
        "models": (list, None),
    },
    "kfp": {
        "host": (str, ""),
        "namespace": (str, ""),
        "experiment": (str, "ctloop"),
        "image": (str, ""),
        "service_account": (str, ""),
        "pvc_mounts": (list, []),
    },
    "model": {
        "name": (str, None),
        "data": (dict, None),
        "target": (str, None),
        "time_column": (str, None),
        "task": (str, "classification"),
        "window": (str, "180D"),
        "current_window": (str, "30D"),
        "holdout_fraction": (_NUM, 0.2),
        "recency_half_life": (str, ""),
        "estimator": (dict, {}),
        "gate": (dict, {}),
        "drift": (dict, {}),
        "schedule": (dict, {}),
        "tracking_uri": (str, ""),
        "auto_promote": (bool, True),
        "rollout": (dict, {}),
    },
    "data": {"uri": (str, None), "format": (str, ""), "contract": (dict, {})},
    "estimator": {
        "name": (str, "hist_gradient_boosting"),
        "hyperparameters": (dict, {}),
        "search_iterations": (int, 0),
    },
    "gate": {
        "thresholds": (dict, None),
        "primary_metric": (str, ""),
        "tolerance": (_NUM, 0.01),
        "slice_column": (str, ""),
        "bootstrap_rounds": (int, 1000),
    },
    "drift": {
        "share": (_NUM, 0.5),
        "method": (str, ""),
        "threshold": (_NUM, -1.0),
        "column_methods": (dict, {}),
        "column_thresholds": (dict, {}),
        "correction": (str, ""),
        "calibration_rounds": (int, 0),
        "force_retrain": (bool, False),
    },
    "rollout": {
        "inference_service": (str, None),
        "namespace": (str, None),
        "strategy": (str, "canary"),
        "traffic_plan": (list, [5, 25, 50, 100]),
        "interval_seconds": (int, 300),
        "rules": (dict, {}),
        "max_failed_checks": (int, 1),
        "prometheus_url": (str, ""),
        "inference_log_root": (str, ""),
        "labels_root": (str, ""),
    },
    "schedule": {
        "cron": (str, None),
        "no_catchup": (bool, True),
        "max_concurrency": (int, 1),
        "enabled": (bool, True),
    },
}


@dataclass
class ModelSpec:
    name: str
    values: dict[str, Any]
    schedule: dict[str, Any] | None


@dataclass
class Spec:
    kfp: dict[str, Any]
    models: list[ModelSpec] = field(default_factory=list)
    path: str = ""


# A valid value per field, shown in "required" and type errors (other fields show their default).
EXAMPLES: dict[str, str] = {
    "apiVersion": API_VERSION,
    "kind": KIND,
    "models": "[{name: credit-default, data: {uri: ...}, ...}] (see examples/ctloop.yaml)",
    "model": "{name: credit-default, data: {uri: ...}, target: ..., time_column: ...}",
    "kfp.host": "https://kfp.example.com/pipeline",
    "kfp.namespace": "team-credit",
    "kfp.image": "registry.example.com/ml/ctloop:0.1.0",
    "kfp.service_account": "pipeline-runner",
    "kfp.pvc_mounts": '["ctloop-inference-log-records:/mnt/inference-log"]',
    "name": "credit-default",
    "data": "{uri: gs://bucket/credit.parquet}",
    "target": "default",
    "time_column": "application_date",
    "recency_half_life": "30D",
    "tracking_uri": "http://mlflow.mlflow.svc:5000",
    "data.uri": "gs://bucket/credit.parquet",
    "data.format": "parquet",
    "data.contract": "{columns: {income: {dtype: float, min: 0}}}",
    "estimator.hyperparameters": "{max_iter: 300}",
    "gate.thresholds": "{roc_auc: 0.7}",
    "gate.primary_metric": "roc_auc",
    "gate.slice_column": "region",
    "drift.method": "psi",
    "drift.column_methods": "{income: wasserstein}",
    "drift.column_thresholds": "{income: 0.2}",
    "drift.correction": "fdr",
    "drift.calibration_rounds": "20",
    "rollout": "{inference_service: credit-default, namespace: ctloop}",
    "rollout.inference_service": "credit-default",
    "rollout.namespace": "ctloop",
    "rollout.rules": "{max_error_rate: 0.01, min_requests: 200}",
    "rollout.prometheus_url": "http://prometheus.monitoring.svc:9090",
    "rollout.inference_log_root": "gs://ctloop-inference-log",
    "rollout.labels_root": "gs://ctloop-labels",
    "schedule": '{cron: "0 0 3 * * *"}',
    "schedule.cron": '"0 0 3 * * *"',
}


def _type_name(t) -> str:
    if isinstance(t, tuple):
        return "number"
    return {str: "string", dict: "mapping", list: "list", bool: "true/false", int: "integer"}[t]


def _example(section: str, key: str) -> str:
    for k in (f"{section}.{key}", key):
        if k in EXAMPLES:
            return EXAMPLES[k]
    default = SCHEMA[section].get(key, (None, None))[1]
    if isinstance(default, bool):
        return str(default).lower()
    if default in ("", {}, None):
        return "..."
    return json.dumps(default)


def _section(data: Any, section: str, path: str, errors: list[str]) -> dict[str, Any]:
    schema = SCHEMA[section]
    if not isinstance(data, dict):
        fix = (
            "see examples/ctloop.yaml"
            if section == "root"
            else f"e.g. {EXAMPLES.get(section, '{...}')}"
        )
        errors.append(
            f"{path or '(top level)'}: expected a mapping, got {type(data).__name__} {data!r}; {fix}"
        )
        return {}
    out: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{path}.{key}".lstrip(".")
        if key not in schema:
            close = difflib.get_close_matches(str(key), list(schema), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(schema)}"
            errors.append(f"{where}: unknown key; {hint}")
            continue
        types, _ = schema[key]
        ok = isinstance(value, types) and not (types in (int, _NUM) and isinstance(value, bool))
        if not ok:
            errors.append(
                f"{where}: expected {_type_name(types)}, got {value!r}; "
                f"e.g. {key}: {_example(section, key)}"
            )
            continue
        out[key] = value
    for key, (_, default) in schema.items():
        if key not in out:
            if default is None and key not in data:
                where = f"{path}.{key}".lstrip(".")
                errors.append(f"{where}: required; add e.g. {key}: {_example(section, key)}")
            elif default is not None:
                out[key] = copy.deepcopy(default)
    return out


def _check_model(m: dict[str, Any], path: str, errors: list[str]) -> None:
    from ctloop.components.evaluate.core import CLASSIFICATION_METRICS, REGRESSION_METRICS
    from ctloop.components.prepare.core import DataContract
    from ctloop.components.train.core import ESTIMATORS
    from ctloop.drift.stats import METHODS
    from ctloop.ops.cron import validate_cron
    from ctloop.timeutil import parse_duration

    if m.get("task") not in ("classification", "regression"):
        errors.append(f"{path}.task: must be classification or regression, got {m.get('task')!r}")
    for key in ("window", "current_window", "recency_half_life"):
        if m.get(key):
            try:
                parse_duration(m[key])
            except ConfigError as exc:
                errors.append(f"{path}.{key}: {exc}")
    if not 0 < float(m.get("holdout_fraction", 0.2)) < 1:
        errors.append(f"{path}.holdout_fraction: must be between 0 and 1, e.g. 0.2")
    data = m.get("data") or {}
    if data.get("format") and data["format"] not in ("csv", "parquet"):
        errors.append(f"{path}.data.format: csv or parquet, got {data['format']!r}")
    try:
        DataContract.from_dict(data.get("contract") or None)
    except ConfigError as exc:
        errors.append(f"{path}.data.{exc}")
    est = m.get("estimator") or {}
    if est.get("name") and est["name"] not in ESTIMATORS:
        close = difflib.get_close_matches(est["name"], list(ESTIMATORS), n=1)
        errors.append(
            f"{path}.estimator.name: unknown estimator {est['name']!r}"
            + (
                f"; did you mean {close[0]!r}?"
                if close
                else f"; use one of {', '.join(ESTIMATORS)}"
            )
        )
    gate = m.get("gate") or {}
    valid = CLASSIFICATION_METRICS if m.get("task") == "classification" else REGRESSION_METRICS
    thresholds = gate.get("thresholds")
    if isinstance(thresholds, dict) and m.get("task") in ("classification", "regression"):
        if not thresholds:
            errors.append(
                f"{path}.gate.thresholds: empty — the gate would never approve; e.g. {{{valid[-2 if m.get('task') == 'classification' else 0]}: ...}}"
            )
        for k, v in thresholds.items():
            if k not in valid:
                close = difflib.get_close_matches(str(k), valid, n=1)
                errors.append(
                    f"{path}.gate.thresholds.{k}: not a {m.get('task')} metric"
                    + (
                        f"; did you mean {close[0]!r}?"
                        if close
                        else f"; use one of {', '.join(valid)}"
                    )
                )
            elif isinstance(v, bool) or not isinstance(v, _NUM):
                errors.append(
                    f"{path}.gate.thresholds.{k}: expected a number, got {v!r}; e.g. {k}: 0.7"
                )
    drift = m.get("drift") or {}
    if drift.get("method") and drift["method"] not in METHODS:
        errors.append(
            f"{path}.drift.method: unknown method {drift['method']!r}; use one of {', '.join(METHODS)}"
        )
    if not 0 < float(drift.get("share", 0.5)) <= 1:
        errors.append(f"{path}.drift.share: must be in (0, 1], e.g. 0.5")
    if drift.get("correction") not in (None, "", "bonferroni", "fdr"):
        errors.append(
            f"{path}.drift.correction: {drift['correction']!r} is not a correction; use bonferroni, fdr or leave it out"
        )
    if int(drift.get("calibration_rounds", 0) or 0) < 0:
        errors.append(f"{path}.drift.calibration_rounds: must be >= 0 (0 = no calibration), e.g. 20")
    ro = m.get("rollout") or {}
    if ro:
        from ctloop.serving.analysis import Rules
        from ctloop.serving.rollout import STRATEGIES

        if ro.get("strategy") not in STRATEGIES:
            errors.append(
                f"{path}.rollout.strategy: use one of {', '.join(STRATEGIES)}, got {ro.get('strategy')!r}"
            )
        plan = ro.get("traffic_plan") or []
        if (
            not plan
            or any(isinstance(p, bool) or not isinstance(p, int) or not 0 < p <= 100 for p in plan)
            or plan != sorted(plan)
        ):
            errors.append(
                f"{path}.rollout.traffic_plan: increasing percentages in 1..100, e.g. [5, 25, 50, 100]"
            )
        try:
            Rules.from_dict(ro.get("rules"))
        except ConfigError as exc:
            errors.append(f"{path}.rollout.rules: {exc}")
    schedule = m.get("schedule") or {}
    if schedule.get("cron"):
        try:
            validate_cron(schedule["cron"])
        except ConfigError as exc:
            errors.append(f"{path}.schedule.cron: {exc}")
    mc = schedule.get("max_concurrency", 1)
    if isinstance(mc, int) and not 1 <= mc <= 10:
        errors.append(
            f"{path}.schedule.max_concurrency: KFP allows 1-10, got {mc}; use 1 (one run at a time)"
        )


def _defaults(defaults: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    """``defaults`` (merged into every model): any model key except ``name``."""
    schema = SCHEMA["model"]
    out = {}
    for key, value in defaults.items():
        if key == "name":
            errors.append("defaults.name: every model needs its own name; move it into models[]")
        elif key not in schema:
            close = difflib.get_close_matches(str(key), list(schema), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(schema)}"
            errors.append(f"defaults.{key}: unknown key; {hint}")
        else:
            out[key] = value
    return out


def _merge(defaults: dict[str, Any], model: dict[str, Any]) -> dict[str, Any]:
    """A model over the defaults: sections (mappings) merge one level deep, the model wins."""
    out = copy.deepcopy(defaults)
    for key, value in model.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def parse_spec(data: Any, path: str = "") -> Spec:
    """Validate a loaded spec; raises ConfigError listing every problem with its path."""
    errors: list[str] = []
    root = _section(data, "root", "", errors)
    if root.get("apiVersion") not in (None, API_VERSION):
        errors.append(f"apiVersion: expected {API_VERSION!r}, got {root.get('apiVersion')!r}")
    if root.get("kind") not in (None, KIND):
        errors.append(f"kind: expected {KIND!r}, got {root.get('kind')!r}")
    kfp = (
        _section(root.get("kfp", {}), "kfp", "kfp", errors)
        if "kfp" in root
        else _section({}, "kfp", "kfp", errors)
    )
    from ctloop.compiler import parse_pvc_mount

    for i, mount in enumerate(kfp.get("pvc_mounts") or []):
        try:
            parse_pvc_mount(mount)
        except ConfigError as exc:
            errors.append(f"kfp.pvc_mounts[{i}]: {exc}")
    defaults = _defaults(root.get("defaults") or {}, errors)
    models: list[ModelSpec] = []
    seen: set[str] = set()
    for i, raw in enumerate(root.get("models") or []):
        mpath = f"models[{i}]"
        merged = _merge(defaults, raw) if isinstance(raw, dict) else raw
        m = _section(merged, "model", mpath, errors)
        for sub in ("data", "estimator", "gate", "drift", "rollout", "schedule"):
            if sub in m and (sub not in ("schedule", "rollout") or m[sub]):
                m[sub] = _section(m[sub], sub, f"{mpath}.{sub}", errors)
        if m.get("name"):
            if m["name"] in seen:
                errors.append(
                    f"{mpath}.name: {m['name']!r} is declared twice; model names must be unique"
                )
            seen.add(m["name"])
        if not any(e.startswith((f"{mpath}.", f"{mpath}:")) for e in errors):
            _check_model(m, mpath, errors)
        models.append(
            ModelSpec(name=m.get("name", ""), values=m, schedule=m.get("schedule") or None)
        )
    if root.get("models") == []:
        errors.append("models: empty; declare at least one model")
    if errors:
        where = f"{path}: " if path else ""
        raise ConfigError(f"{where}{len(errors)} problem(s) in the spec:\n  " + "\n  ".join(errors))
    return Spec(kfp=kfp, models=models, path=path)


def load_spec(path: str | Path) -> Spec:
    import yaml

    p = Path(path)
    if not p.exists():
        raise ConfigError(f"spec file {p} does not exist (see examples/ctloop.yaml)")
    try:
        data = yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p} is not valid YAML: {exc}") from exc
    return parse_spec(data, str(p))


def pipeline_parameters(model: ModelSpec) -> dict[str, Any]:
    """The ``continuous-training`` pipeline parameters for one declared model."""
    m = model.values
    data, est, gate, drift = (
        m["data"],
        m.get("estimator") or {},
        m.get("gate") or {},
        m.get("drift") or {},
    )
    return {
        "data_uri": data["uri"],
        "target": m["target"],
        "time_column": m["time_column"],
        "task": m["task"],
        "contract": data.get("contract") or {},
        **({"data_format": data["format"]} if data.get("format") else {}),
        "window": m["window"],
        "current_window": m["current_window"],
        "holdout_fraction": float(m["holdout_fraction"]),
        "recency_half_life": m["recency_half_life"],
        "model_name": m["name"],
        "estimator": est.get("name", "hist_gradient_boosting"),
        "hyperparameters": est.get("hyperparameters") or {},
        "search_iterations": int(est.get("search_iterations", 0)),
        "thresholds": gate["thresholds"],
        "primary_metric": gate.get("primary_metric", ""),
        "tolerance": float(gate.get("tolerance", 0.01)),
        "slice_column": gate.get("slice_column", ""),
        "bootstrap_rounds": int(gate.get("bootstrap_rounds", 1000)),
        "drift_share": float(drift.get("share", 0.5)),
        "drift_method": drift.get("method", ""),
        "drift_threshold": float(drift.get("threshold", -1.0)),
        "column_methods": drift.get("column_methods") or {},
        "column_thresholds": drift.get("column_thresholds") or {},
        "drift_correction": drift.get("correction") or "",
        "drift_calibration_rounds": int(drift.get("calibration_rounds", 0) or 0),
        "force_retrain": bool(drift.get("force_retrain", False)),
        "tracking_uri": m["tracking_uri"],
        "auto_promote": bool(m["auto_promote"]),
        **_rollout_parameters(m.get("rollout") or {}),
    }


def _rollout_parameters(ro: dict[str, Any]) -> dict[str, Any]:
    if not ro:
        return {"inference_service": ""}
    return {
        "inference_service": ro["inference_service"],
        "namespace": ro["namespace"],
        "strategy": ro.get("strategy", "canary"),
        "traffic_plan": list(ro.get("traffic_plan") or [5, 25, 50, 100]),
        "analysis_interval_seconds": int(ro.get("interval_seconds", 300)),
        "analysis_rules": ro.get("rules") or {},
        "max_failed_checks": int(ro.get("max_failed_checks", 1)),
        "prometheus_url": ro.get("prometheus_url", ""),
        "inference_log_root": ro.get("inference_log_root", ""),
        "labels_root": ro.get("labels_root", ""),
    }


__all__ = [
    "API_VERSION",
    "KIND",
    "Spec",
    "ModelSpec",
    "parse_spec",
    "load_spec",
    "pipeline_parameters",
]
