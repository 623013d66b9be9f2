"""KFP interface of ``score_batch``."""

from typing import NamedTuple

from kfp.dsl import Metrics, Output

from ctloop.kfp_support import component


@component
def score_batch(
    model_name: str,
    scoring: dict,
    score_metrics: Output[Metrics],
    run_id: str = "",
    tracking_uri: str = "",
    scored_at: str = "",
) -> NamedTuple("ScoreOutputs", [("rows", int), ("model_version", str), ("files", int)]):
    """Score a table with the registry's ``champion`` (or ``scoring.alias``) in bounded memory (docs/batch-scoring.md).

    Resolves the alias, loads that version only once its model file matched the sha256 recorded
    at training, checks the input (every feature present, numeric features numeric, the id column
    present with unique ids) before writing anything, then reads, scores and writes
    ``scoring.batch_rows`` rows at a time: ``<output>/part-<run id>-<chunk>.parquet`` with
    ``request_id``, the predictions, ``model_name``, ``model_version``, ``run_id`` and
    ``scored_at``. With ``scoring.log_root`` the rows are also logged into the inference log
    (the sink's layout and column types), so monitoring and late labels cover them. A retry
    rewrites the same files. Code: ``ctloop.components.score.core.score_batch``.

    Args:
        model_name: Registered model name.
        scoring: The ``scoring`` section (``ctloop.config.ScoringConfig``; docs/configuration.md):
            ``data`` and ``output`` (required), ``alias``, ``id_column``, ``batch_rows``,
            ``log_root``.
        score_metrics: Output Metrics: ``rows``, ``chunks``, ``rows_per_second``.
        run_id: Written with every prediction and in the file names; the pipeline passes its
            run id; empty = a new ``score-<time>-<hex>``.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        scored_at: The scoring time (ISO 8601, UTC) written with every row; it also picks the
            inference log's ``date=`` partition; empty = now, or on a retry (same ``run_id``, with
            ``scoring.log_root``) the first attempt's time and version, recorded under
            ``<log_root>/_batch_runs``; a time other than that record's is refused.

    Returns:
        rows: Rows scored.
        model_version: The version that scored.
        files: Prediction files written.
    """
    from collections import namedtuple

    from ctloop.components.score.core import score_batch as score
    from ctloop.scoring import every, new_run_id, scoring_time

    result = score(model_name, scoring, run_id=run_id or new_run_id(), tracking_uri=tracking_uri,
                   scored_at=scoring_time(scored_at),
                   progress=every(10.0, lambda line: print(f"ctloop: {line}", flush=True)))
    score_metrics.log_metric("rows", result.rows)
    score_metrics.log_metric("chunks", result.chunks)
    score_metrics.log_metric("rows_per_second", round(result.rows / result.seconds, 1) if result.seconds else 0.0)
    print(f"ctloop: {result.summary()}")
    return namedtuple("ScoreOutputs", ["rows", "model_version", "files"])(
        result.rows, result.model_version, len(result.files))
