"""The monitoring pipeline: scheduled more often than training (e.g. hourly). docs/monitoring.md.

::

    plan_monitoring ─ ParallelFor(partition): summarise_partition   (monitoring.partitions tasks)
          └──────────────────────────────┬───────────────┘
    monitor_model (merges the partial states, judges, records)
      ├─ a rule fired:  trigger_training (a continuous-training run via the KFP API; marks the
      │                 window triggered only once the run exists)
      └─ otherwise:     record_decision (monitor_ok / cooldown)
    exit handler: record_run_outcome
"""

from kfp import dsl

from ctloop.components.monitor.component import (
    monitor_model,
    plan_monitoring,
    summarise_partition,
    trigger_training,
)
from ctloop.components.record.component import record_decision, record_run_outcome
from ctloop.config import PlatformConfig
from ctloop.ops.settings import apply_step_settings

PIPELINE_NAME = "monitoring"


def build(platform: PlatformConfig | None = None):
    """The pipeline, with the per-step cluster settings of ``platform`` compiled in."""
    platform = platform or PlatformConfig()

    def step(task, name):
        return apply_step_settings(task, name, platform)

    @dsl.pipeline(name=PIPELINE_NAME, description="ctloop monitoring: drift and realized performance of served "
                  "traffic, kept as MLflow time series and Prometheus metrics; triggers continuous training when a "
                  "rule fires.")
    def monitoring(
        model_name: str,
        monitoring: dict,
        training_parameters: dict,
        as_of: str = "",
        kfp_host: str = "",
        experiment: str = "ctloop",
        tracking_uri: str = "",
    ):
        """Judge the latest window of served traffic; retrain when a rule fires.

        Args:
            model_name: Registered model / InferenceService name.
            monitoring: The ``monitoring`` section (``MonitoringConfig``): ``log_root`` is required;
                ``window`` should match the schedule (hourly → ``1h``).
            training_parameters: Parameters of the continuous-training run a fired rule starts (its
                ``data``, ``training``, ``gate``, ``drift``, ``rollout`` sections); ``ctloop apply``
                fills them from ``ctloop.yaml``.
            as_of: End of the window (ISO 8601); empty = one minute before the run (core.LIVE_SETTLE).
            kfp_host: KFP API URL for the triggered run (empty = in-cluster, KFP in ``KFP_INSTALL_NAMESPACE``,
                else ``kubeflow``; on multi-user KFP the run goes to this run's profile namespace). An https
                host from a private CA: ``KFP_CA_FILE`` in ctloop-settings, the CA in ConfigMap ``ctloop-kfp-ca``.
            experiment: KFP experiment of triggered runs (the version of the ``continuous-training``
                pipeline that the model's ``ct-`` schedule in it runs, with the image and mounts it was
                compiled with).
            tracking_uri: MLflow tracking URI (empty = ``MLFLOW_TRACKING_URI``).
        """
        run_id = dsl.PIPELINE_JOB_ID_PLACEHOLDER
        outcome = record_run_outcome(model_name=model_name, pipeline=PIPELINE_NAME, tracking_uri=tracking_uri,
                                     pipeline_run_id=run_id)
        apply_step_settings(outcome, "record_run_outcome", platform)
        with dsl.ExitHandler(outcome, name="record-outcome"):
            plan = step(plan_monitoring(model_name=model_name, monitoring=monitoring, as_of=as_of,
                                        tracking_uri=tracking_uri), "plan_monitoring")
            with dsl.ParallelFor(plan.outputs["Output"], name="partitions") as partition:
                part = step(summarise_partition(plan=plan.outputs["plan"], partition=partition, monitoring=monitoring),
                            "summarise_partition")
            monitor = step(monitor_model(model_name=model_name, monitoring=monitoring, as_of=as_of,
                                         tracking_uri=tracking_uri, plan=plan.outputs["plan"],
                                         partials=dsl.Collected(part.outputs["state"])), "monitor_model")
            with dsl.If(monitor.outputs["retrain"] == True, name="retrain"):  # noqa: E712
                step(trigger_training(model_name=model_name, reason=monitor.outputs["reason"],
                                      training_parameters=training_parameters, kfp_host=kfp_host,
                                      experiment=experiment, monitor_run_id=monitor.outputs["monitor_run_id"], tracking_uri=tracking_uri),
                     "trigger_training")
            with dsl.Else(name="no-retrain"):
                step(record_decision(model_name=model_name, decision="monitor_ok", reason=monitor.outputs["reason"],
                                     tracking_uri=tracking_uri, pipeline_run_id=run_id), "record_decision")

    return monitoring


monitoring = build()
