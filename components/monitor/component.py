"""KFP interfaces of ``monitor_model``, ``trigger_training`` and ``ingest_labels``."""

from typing import NamedTuple, Optional

from kfp.dsl import Artifact, Input, Metrics, Output

from ctloop.kfp_support import component


@component
def monitor_model(
    model_name: str,
    monitoring: dict,
    monitor_metrics: Output[Metrics],
    as_of: str = "",
    tracking_uri: str = "",
    plan: Optional[Input[Artifact]] = None,
    partials: Optional[Input[list[Artifact]]] = None,
) -> NamedTuple("MonitorOutputs", [("retrain", bool), ("rule", str), ("reason", str), ("monitor_run_id", str),
                                   ("warnings", str)]):
    """Judge the latest window of served traffic and decide whether to retrain (docs/monitoring.md).

    Reads only the ``date=`` partitions of the inference log that the window and the label
    lookback need, in bounded memory (two streaming passes with column projection; duplicates
    and half rows merged exactly once), or merges the partial states of a fan-out
    (``plan_monitoring`` → ``summarise_partition`` per partition). Drift: the window's logged features against the champion's training
    reference (the statistics of ``detect_drift``; v1 list instances logged as ``f0..fN`` are
    mapped to the champion's feature order). Realized metric: every prediction of the last
    ``label_lookback`` whose label has arrived, per ``model_version`` and per revision; the
    rules use the rows served by the champion version. Each window is one MLflow run in
    experiment ``<model_name>-monitoring`` (metrics with the window end as timestamp), and the
    rules are applied over that history (the last windows and the last successful trigger). The
    window's metrics are also pushed to a Prometheus Pushgateway when one is configured (a failed
    push is a warning). Code: ``ctloop.components.monitor.core.judge``.

    Args:
        model_name: Registered model (and InferenceService) name.
        monitoring: The ``monitoring`` section (``ctloop.config.MonitoringConfig``;
            docs/configuration.md): ``log_root`` (required), ``window``, ``labels_root``,
            ``rules``, ``metric``, ``score_column``, ``label_lookback``, ``min_labels``,
            ``pushgateway_url``.
        monitor_metrics: Output Metrics: ``rows``, ``drift_share``, ``drift_score_<feature>``,
            ``empty_features`` (features the champion learnt with values and none in the window),
            ``realized`` and ``realized_rows`` (when labelled), ``unseen_labels`` (a classifier's labels
            of a class the champion never saw, errors at their share in ``realized``).
        as_of: End of the window (ISO 8601); empty = one minute before the run (``core.LIVE_SETTLE``).
            A plan's window wins.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        plan: The window's fan-out plan (``plan_monitoring``); none = read the window here.
        partials: The partitions' states (``summarise_partition``, collected over the fan-out).

    Returns:
        retrain: Whether a rule fired (outside the cooldown).
        rule: The rule that decided (``drift``, ``realized_floor``, ``realized_drop``, ``volume``,
            ``cooldown`` or ``none``).
        reason: The decision in words, with the numbers, and any warning.
        monitor_run_id: The MLflow run of this window (``trigger_training`` marks it triggered).
        warnings: What could not be judged (e.g. drift not computed: features not matched);
            empty when everything was.
    """
    from collections import namedtuple

    from ctloop.components.monitor import steps

    out = steps.monitor(model_name, monitoring, as_of=as_of, tracking_uri=tracking_uri,
                        plan_dir=plan.path if plan is not None else "",
                        partial_dirs=[p.path for p in partials or []])
    result = out.result
    for key, value in result.output_metrics().items():
        monitor_metrics.log_metric(key, value)
    for warning in [*result.warnings, *([out.pushed] if out.pushed else [])]:
        print(f"ctloop: WARNING: monitor {model_name}: {warning}")
    print(f"ctloop: {result.summary(model_name)}")
    return namedtuple("MonitorOutputs", ["retrain", "rule", "reason", "monitor_run_id", "warnings"])(
        result.verdict.fire, result.verdict.rule, result.reason, out.run_id, "; ".join(result.warnings))


@component
def plan_monitoring(
    model_name: str,
    monitoring: dict,
    plan: Output[Artifact],
    as_of: str = "",
    tracking_uri: str = "",
) -> list:
    """Plan the fan-out of a monitoring window over ``monitoring.partitions`` tasks (docs/monitoring.md, Scale).

    Fixes the window (``as_of``, else one minute before the run: ``core.LIVE_SETTLE``), reads the
    champion and the monitoring history (what each partition collects), lists the window's inference-log files, finds the
    ``(request_id, instance)`` keys that repeat anywhere in the window (one pass over those two
    columns, in bounded memory: spilled to local disk past 4M keys) and splits the files into
    contiguous groups of about equal size. Code: ``ctloop.components.monitor.steps.plan``.

    Args:
        model_name: Registered model (and InferenceService) name.
        monitoring: The ``monitoring`` section (``ctloop.config.MonitoringConfig``); ``partitions``
            sets the number of groups.
        plan: Output: the plan (window, state spec, schema, repeated keys, file groups).
        as_of: End of the window (ISO 8601); empty = one minute before the run (``core.LIVE_SETTLE``).
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.

    Returns:
        The partition numbers ``0..partitions-1`` (the fan-out's items; one ``Output`` list, which
        kfp.local's ParallelFor resolves, unlike a named output).
    """
    from ctloop.components.monitor import steps

    return steps.plan(model_name, monitoring, plan.path, as_of=as_of, tracking_uri=tracking_uri)


@component
def summarise_partition(
    plan: Input[Artifact],
    partition: int,
    monitoring: dict,
    state: Output[Artifact],
):
    """The mergeable state of one partition of a monitoring window (docs/monitoring.md, Scale).

    Streams the partition's files batch by batch (only the columns the judgement uses): counts,
    the drift summary of the requested rows aligned to the champion's features, the served rows
    whose key has a label; rows whose key repeats in the window are kept aside for
    ``monitor_model``'s exact merge. Code: ``ctloop.components.monitor.steps.summarise``.

    Args:
        plan: The window's plan (``plan_monitoring``).
        partition: Which group of the plan's files (``0..partitions-1``).
        monitoring: The ``monitoring`` section (its ``labels_root`` is read for the label keys).
        state: Output: the partial state (``state.json``, ``labelled.parquet``, ``held.parquet``).
    """
    from ctloop.components.monitor import steps

    steps.summarise(plan.path, partition, monitoring, state.path)


@component
def trigger_training(
    model_name: str,
    reason: str,
    training_parameters: Optional[dict] = None,
    kfp_host: str = "",
    experiment: str = "ctloop",
    pipeline: str = "continuous-training",
    monitor_run_id: str = "",
    tracking_uri: str = "",
) -> NamedTuple("TriggerOutputs", [("run_id", str)]):
    """Start a continuous-training run through the KFP API, recording why.

    The run is created in this process (``ctloop.ops.platform.Platform.create_run``) from the version
    of ``pipeline`` that the model's ``ct-<model_name>`` schedule runs (what ``ctloop apply`` pinned,
    with its image, resources and volume mounts; the newest upload only when no schedule pins one),
    with ``drift.force_retrain`` set. On multi-user KFP the run goes to this pod's profile namespace
    and authenticates with the pipelines token (the ``access-ml-pipeline`` PodDefault,
    docs/operations.md). The monitoring window that decided is marked ``triggered=true``
    only once the run was created; a failed call marks it ``triggered=failed`` with
    ``trigger_error``, records a ``retrain_trigger_failed`` audit event and fails this step (the
    next window decides again: a failed trigger starts no cooldown). Code:
    ``ctloop.monitoring.trigger.start_training``.

    Args:
        model_name: Registered model to retrain (passed as ``model_name``).
        reason: The rule that fired, recorded in the audit trail and the run name.
        training_parameters: Parameters of the continuous-training run (its ``data``,
            ``training``, ``gate``, ``drift``, ``rollout`` sections; ``ctloop apply`` fills them from
            ``ctloop.yaml``).
        kfp_host: KFP API URL; empty means in-cluster (the ml-pipeline service of ``KFP_INSTALL_NAMESPACE``,
            else ``kubeflow``, over plain HTTP, with the pod's pipelines token). An https host is verified with
            the CA bundle the key ``KFP_CA_FILE`` of ConfigMap ``ctloop-settings`` names (env ``CTLOOP_KFP_CA_FILE``;
            the ConfigMap ``ctloop-kfp-ca`` is mounted at ``/etc/ctloop/kfp-ca``).
        experiment: KFP experiment of the triggered run (and of the model's ``ct-`` schedule).
        pipeline: Uploaded continuous-training pipeline; the version the ``ct-`` schedule runs starts.
        monitor_run_id: MLflow run of the monitoring window that decided (``monitor_model``'s
            ``monitor_run_id``); empty = none to mark.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.

    Returns:
        run_id: The KFP run id of the triggered continuous-training run.
    """
    from collections import namedtuple

    from ctloop.monitoring import trigger
    from ctloop.monitoring.store import MonitoringStore
    from ctloop.ops.platform import task_platform
    from ctloop.registry import MlflowRegistry

    registry = MlflowRegistry(tracking_uri)
    run_id = trigger.start_training(registry, MonitoringStore(registry.client, model_name),
                                    lambda: task_platform(kfp_host),
                                    model_name=model_name, reason=reason, params=training_parameters,
                                    experiment=experiment, pipeline=pipeline, monitor_run_id=monitor_run_id)
    print(f"ctloop: triggered continuous training of {model_name} (KFP run {run_id}): {reason}")
    return namedtuple("TriggerOutputs", ["run_id"])(run_id)


@component
def ingest_labels(
    labels_uri: str,
    labels_root: str,
    key: str = "request_id",
    label_column: str = "label",
) -> NamedTuple("LabelOutputs", [("rows", int)]):
    """Append ground truth to the label store, keyed by request id or a business key.

    Keys are stored as text (a numeric key read from CSV joins the string ``meta_*`` columns of
    the log); a store holds one key, and an ingest with another key is refused. Labels without
    an ``instance`` column only join single-instance requests (docs/monitoring.md).

    Args:
        labels_uri: CSV or Parquet file (local or gs://) with the key column, the label, and
            optionally ``instance`` (index within a batched request) and ``label_time`` (ISO 8601).
        labels_root: Label store root; labels land in ``<labels_root>/labels/``.
        key: Join key with the inference log: ``request_id`` or a business key carried in a
            metadata header (``meta_<header>``, e.g. ``meta_x_order_id``).
        label_column: Column holding the label: the class as the model was trained with (all numbers
            or all names) or the target value of a regressor.

    Returns:
        rows: Labels appended.
    """
    from collections import namedtuple

    from ctloop.labels.store import ingest_labels as ingest

    rows = ingest(labels_uri, labels_root, key=key, label=label_column)
    print(f"ctloop: appended {rows} labels keyed by {key} from {labels_uri}")
    return namedtuple("LabelOutputs", ["rows"])(rows)
