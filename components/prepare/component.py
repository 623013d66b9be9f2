"""KFP interface of ``prepare_data``."""

from typing import NamedTuple

from kfp.dsl import Artifact, Dataset, Output

from ctloop.kfp_support import component


@component
def prepare_data(
    data: dict,
    train_data: Output[Dataset],
    holdout_data: Output[Dataset],
    current_data: Output[Dataset],
    data_profile: Output[Artifact],
) -> NamedTuple("PrepareOutputs", [("digest", str), ("train_rows", int), ("holdout_rows", int)]):
    """Read, validate and split the training data by time.

    Reads a CSV or Parquet table (a local path or an object-store URI), validates it against the
    data contract (a violation fails the step naming the column, the rule and how many rows break
    it), selects the time window, drops duplicate rows and rows without a target, and splits
    train/holdout by time.

    Args:
        data: The ``data`` section (``ctloop.config.DataConfig``; docs/configuration.md): ``uri``,
            ``target`` and ``time_column`` are required; ``format``, ``time_format``, ``contract``,
            ``window``, ``as_of``, ``current_window``, ``holdout_fraction``, ``recency_half_life`` have
            defaults.
        train_data: Output Dataset (Parquet): the older part of the window, for training; carries
            ``_ctloop_weight`` when ``recency_half_life`` is set.
        holdout_data: Output Dataset (Parquet): the latest ``holdout_fraction`` of the window, for
            the evaluation gate.
        current_data: Output Dataset (Parquet): the last ``current_window`` of data, compared with
            the champion's reference by ``detect_drift``.
        data_profile: Output JSON profile: row counts (read, selected, duplicates and null targets
            dropped), window bounds, per-column statistics, target distribution, the digest.

    Returns:
        digest: sha256 content fingerprint of the selected window (after dedupe, time-sorted).
        train_rows: Rows in ``train_data``.
        holdout_rows: Rows in ``holdout_data``.
    """
    import json
    from collections import namedtuple

    from ctloop.artifacts import write_dataset
    from ctloop.components.prepare import core
    from ctloop.config import DataConfig
    from ctloop.storage import read_table

    cfg = DataConfig.from_dict(data)
    # with a time format, the time column's text as written (a CSV's 01052024 is no number)
    frame = read_table(cfg.uri, cfg.format or None, text_columns=(cfg.time_column,) if cfg.time_format else ())
    print(f"ctloop: read {len(frame)} rows × {frame.shape[1]} columns from {cfg.uri}")
    prepared = core.run(frame, cfg)
    for artifact, part in ((train_data, prepared.train), (holdout_data, prepared.holdout),
                           (current_data, prepared.current)):
        write_dataset(artifact.path, part)
        artifact.metadata.update({"rows": len(part), "columns": len(part.columns),
                                  "digest": prepared.digest, "format": "parquet"})
    with open(data_profile.path, "w") as fh:
        json.dump(prepared.profile, fh, indent=2, default=str)
    data_profile.metadata.update(core.profile_summary(prepared.profile))
    print(f"ctloop: {core.describe(prepared)}")
    return namedtuple("PrepareOutputs", ["digest", "train_rows", "holdout_rows"])(
        prepared.digest, len(prepared.train), len(prepared.holdout)
    )
