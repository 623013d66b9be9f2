"""KFP interface of ``prepare_data``."""

from typing import NamedTuple, Optional

from kfp.dsl import Artifact, Dataset, Output

from ctloop.kfp_support import component


@component
def prepare_data(
    data_uri: str,
    target: str,
    time_column: str,
    train_data: Output[Dataset],
    holdout_data: Output[Dataset],
    current_data: Output[Dataset],
    data_profile: Output[Artifact],
    contract: Optional[dict] = None,
    window: str = "90D",
    as_of: str = "",
    current_window: str = "30D",
    holdout_fraction: float = 0.2,
    recency_half_life: str = "",
    data_format: str = "",
) -> NamedTuple("PrepareOutputs", [("digest", str), ("train_rows", int), ("holdout_rows", int)]):
    """Read, validate and split the training data by time.

    Reads a CSV or Parquet table from a local path or ``gs://bucket/object``, validates it
    against the data contract (a violation fails the step naming the column, the rule and how
    many rows break it), selects the time window, drops duplicate rows and rows without a
    target, and splits train/holdout by time.

    Args:
        data_uri: Table to read: a local path or ``gs://bucket/object`` ending in ``.csv``,
            ``.csv.gz`` or ``.parquet`` (or set ``data_format``).
        target: Name of the label column.
        time_column: Name of the event-time column used for the window and the split.
        train_data: Output Dataset (Parquet): the older part of the window, for training; carries
            ``_ctloop_weight`` when ``recency_half_life`` is set.
        holdout_data: Output Dataset (Parquet): the latest ``holdout_fraction`` of the window, for
            the evaluation gate.
        current_data: Output Dataset (Parquet): the last ``current_window`` of data, compared with
            the champion's reference by ``detect_drift``.
        data_profile: Output JSON profile: row counts (read, selected, duplicates and null targets
            dropped), window bounds, per-column statistics, target distribution, the digest.
        contract: Data contract: ``{"min_rows": N, "columns": {name: {"dtype":
            int|float|number|bool|category|string|datetime, "required": bool, "min": x, "max": y,
            "allowed": [...], "max_null_fraction": f}}}``. Empty: no checks beyond target/time.
        window: Training window ending at ``as_of``, a duration such as ``90D``, ``12h`` or
            ``1000min``; empty means all data up to ``as_of``.
        as_of: End of the window (ISO 8601 date-time); empty means the latest time in the data.
        current_window: Duration of the recent slice written to ``current_data``.
        holdout_fraction: Share (0..1) of the window's rows, latest first, held out.
        recency_half_life: Optional duration; train rows get weight ``0.5 ** (age / half_life)``.
        data_format: ``csv`` or ``parquet`` to override the extension.

    Returns:
        digest: sha256 content fingerprint of the selected window (after dedupe, time-sorted).
        train_rows: Rows in ``train_data``.
        holdout_rows: Rows in ``holdout_data``.
    """
    import json
    from collections import namedtuple

    from ctloop.artifacts import write_dataset
    from ctloop.components.prepare import core
    from ctloop.storage import read_table

    frame = read_table(data_uri, data_format or None)
    print(f"ctloop: read {len(frame)} rows × {frame.shape[1]} columns from {data_uri}")
    prepared = core.prepare(
        frame,
        target=target,
        time_column=time_column,
        contract=contract or None,
        window=window or None,
        as_of=as_of or None,
        current_window=current_window or None,
        holdout_fraction=holdout_fraction,
        recency_half_life=recency_half_life or None,
    )
    for artifact, part in ((train_data, prepared.train), (holdout_data, prepared.holdout),
                           (current_data, prepared.current)):
        write_dataset(artifact.path, part)
        artifact.metadata.update({"rows": len(part), "columns": len(part.columns),
                                  "digest": prepared.digest, "format": "parquet"})
    with open(data_profile.path, "w") as fh:
        json.dump(prepared.profile, fh, indent=2, default=str)
    p = prepared.profile
    data_profile.metadata.update({k: p[k] for k in ("rows_in", "rows_used", "duplicates_dropped",
                                                    "null_target_dropped", "train_rows", "holdout_rows")})
    print(f"ctloop: window {p['window']['start']} .. {p['window']['end']}: {p['rows_used']} rows used "
          f"({p['duplicates_dropped']} duplicates, {p['null_target_dropped']} null targets dropped); "
          f"train {p['train_rows']}, holdout {p['holdout_rows']}, current {p['current_rows']}; "
          f"digest {prepared.digest[:12]}")
    return namedtuple("PrepareOutputs", ["digest", "train_rows", "holdout_rows"])(
        prepared.digest, len(prepared.train), len(prepared.holdout)
    )
