"""The batch-scoring pipeline: a table scored by the registry's champion, schedulable like
continuous training (e.g. nightly). docs/batch-scoring.md.

::

    score_batch (alias → verified model → chunks of scoring.batch_rows → predictions + inference log)
    exit handler: record_run_outcome
"""

from kfp import dsl

from ctloop.components.record.component import record_run_outcome
from ctloop.components.score.component import score_batch
from ctloop.config import PlatformConfig
from ctloop.ops.settings import apply_step_settings

PIPELINE_NAME = "batch-scoring"


def build(platform: PlatformConfig | None = None):
    """The pipeline, with the per-step cluster settings of ``platform`` compiled in."""
    platform = platform or PlatformConfig()

    @dsl.pipeline(name=PIPELINE_NAME, description="ctloop batch scoring: a table scored by the registry's champion "
                  "in bounded memory; predictions written with the model version and run id, rows logged into the "
                  "inference log for monitoring and late labels.")
    def batch_scoring(
        model_name: str,
        scoring: dict,
        tracking_uri: str = "",
    ):
        """Score a table with the version behind ``scoring.alias`` (default ``champion``).

        Args:
            model_name: Registered model name.
            scoring: The ``scoring`` section (``ScoringConfig``): ``data`` and ``output`` are
                required; ``alias``, ``id_column``, ``batch_rows``, ``log_root``.
            tracking_uri: MLflow tracking URI (empty = ``MLFLOW_TRACKING_URI``).
        """
        outcome = record_run_outcome(model_name=model_name, pipeline=PIPELINE_NAME, tracking_uri=tracking_uri,
                                     pipeline_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER)
        apply_step_settings(outcome, "record_run_outcome", platform)
        with dsl.ExitHandler(outcome, name="record-outcome"):
            apply_step_settings(score_batch(model_name=model_name, scoring=scoring, run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
                                            tracking_uri=tracking_uri), "score_batch", platform)

    return batch_scoring


batch_scoring = build()
