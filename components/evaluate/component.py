"""KFP interface of ``evaluate_model``."""

from typing import NamedTuple, Optional

from kfp.dsl import ClassificationMetrics, Dataset, Input, Markdown, Metrics, Model, Output

from ctloop.kfp_support import component


@component
def evaluate_model(
    model: Input[Model],
    holdout_data: Input[Dataset],
    model_name: str,
    metrics: Output[Metrics],
    classification_metrics: Output[ClassificationMetrics],
    summary: Output[Markdown],
    gate: Optional[dict] = None,
    tracking_uri: str = "",
) -> NamedTuple("EvaluateOutputs", [("approved", bool), ("reason", str), ("champion_version", str),
                                    ("judged", bool)]):
    """The gate: score the challenger and the current champion on the same holdout and decide.

    Fail-safe: with no threshold configured nothing is approved; without a champion only the
    absolute thresholds apply; with a champion the challenger must also not be confidently worse
    on the primary metric (paired bootstrap interval of challenger − champion entirely below
    ``-tolerance``), overall and in the worst slice of ``slice_column``. Holdout labels the
    challenger never saw in training count as errors (and the reason says so); so do those the
    champion never saw, and the reason counts them, and names each feature the champion learnt with
    values that has none in the holdout (``ctloop.unseen``, as the backtest's windows say them).

    Args:
        model: The challenger, a Model from ``train_model`` (its metadata names the task and target;
            its ``skops_sha256`` metadata, kept by KFP outside the artifact store, must match the
            file before it is loaded).
        holdout_data: Dataset from ``prepare_data`` (its ``holdout_data`` output). A model trained
            since a candidate start (model meta ``training_start``) is judged on its newest rows
            since that start, which it never saw (``ctloop.retrain.gate_rows``).
        model_name: Registered model whose ``champion`` alias is the baseline.
        metrics: Output Metrics: every ``challenger.<metric>``, ``champion.<metric>``, and the
            comparison ``delta``, ``ci_low``, ``ci_high`` of the primary metric; ``approved`` (0/1).
        classification_metrics: Output ClassificationMetrics: ROC curve and confusion matrix of the
            challenger (classification only) for the KFP UI.
        summary: Output Markdown: the decision with its reason, metric, check and slice tables.
        gate: The ``gate`` section (``ctloop.config.GateConfig``; docs/configuration.md):
            ``thresholds`` (e.g. ``{"roc_auc": 0.7, "log_loss": 0.5}``: ``>=`` for
            accuracy/precision/recall/f1/roc_auc/r2, ``<=`` for log_loss/rmse/mae; empty = never
            approve), ``primary_metric``, ``tolerance``, ``slice_column``, ``bootstrap_rounds``,
            ``confidence``, ``seed``.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.

    Returns:
        approved: Whether the challenger may be registered and promoted.
        reason: One sentence per check, with values and bounds.
        champion_version: The champion compared against ("" if none).
        judged: False when the holdout could not compare the challenger with the champion (an
            undefined interval, e.g. ROC AUC on one class): the rejection's audit record says so
            and monitoring does not read it as the champion's new normal
            (``ctloop.monitoring.policy.not_judged``).
    """
    import json
    from collections import namedtuple

    from ctloop.artifacts import load_model, read_dataset
    from ctloop.components.evaluate import core
    from ctloop.config import GateConfig
    from ctloop.errors import RegistryError
    from ctloop.registry import MlflowRegistry, stage_blocks, staged_note
    from ctloop.retrain import gate_rows

    cfg = GateConfig.from_dict(gate)
    challenger, meta = load_model(model.path, sha256=model.metadata.get("skops_sha256", ""))
    registry = MlflowRegistry(tracking_uri)
    champ = registry.champion(model_name)
    champion_model = registry.load_model(model_name, champ.version) if champ else None
    champion_meta = None  # the features it learnt from no row (ctloop.scoring.unused_features)
    if champ:
        try:
            champion_meta = registry.load_meta(model_name, champ.version)
        except RegistryError as exc:  # the model itself loaded, sha256-verified: it is still compared
            print(f"ctloop: the champion's model meta could not be read ({exc}); it is compared as trained")
    # a registry of MLflow's stage era (a Production version, no champion alias): refused, not a first
    # model; a Staging version alone was never approved: the first model, with a note
    versions = [] if champ else registry.versions(model_name)
    note = "; ".join(staged_note(model_name, versions, registry.tracking_uri))
    staged, stage_note = (note, "") if stage_blocks(versions) else ("", note)
    holdout = read_dataset(holdout_data.path)
    rows = gate_rows(holdout, meta)  # a model trained since a candidate start: the newest rows since it
    if len(rows) != len(holdout):
        print(f"ctloop: gating on the newest {len(rows)} of {len(holdout)} holdout rows: since "
              f"{meta['training_start']['candidate']}, the start the model was trained from")
    decision = core.run(challenger, rows, cfg, target=meta["target"], task=meta["task"], champion=champion_model,
                        staged=staged, stage_note=stage_note, champion_meta=champion_meta,
                        champion_version=champ.version if champ else "")
    for key, value in core.metric_values(decision).items():
        metrics.log_metric(key, value)
    metrics.metadata["champion_version"] = champ.version if champ else ""
    if "roc" in decision.curves:
        roc = decision.curves["roc"]
        classification_metrics.log_roc_curve(roc["fpr"], roc["tpr"], roc["thresholds"])
    if "confusion_matrix" in decision.curves:
        cm = decision.curves["confusion_matrix"]
        classification_metrics.log_confusion_matrix(cm["labels"], cm["matrix"])
    with open(summary.path, "w") as fh:
        fh.write(core.render_markdown(decision))
    summary.metadata["decision"] = json.loads(json.dumps(decision.to_dict(), default=str)).get("checks", [])
    print(f"ctloop: gate {'APPROVED' if decision.approved else 'REJECTED'} "
          f"(champion {'v' + champ.version if champ else 'none'}): {decision.reason}")
    return namedtuple("EvaluateOutputs", ["approved", "reason", "champion_version", "judged"])(
        decision.approved, decision.reason, champ.version if champ else "", decision.judged
    )
