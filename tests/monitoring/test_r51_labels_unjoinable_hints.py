"""What the monitor says when labels and a real producer's log cannot meet, in both of its paths (the
in-memory frame and the streamed window state, ``_judged``), as ``ctloop labels report`` says it:

* KServe's payload logger logs a call under its CloudEvent ``ce-id`` (``request_id``: the incoming
  ``Ce-Id`` or a new UUID, KServe v0.20.0 ``pkg/logger/handler.go``) and a business id only as a
  ``ce-metadata`` header column ``meta_<header>`` (``logger.metadataHeaders``). Labels ingested keyed by the
  business column's own name (``loan_id``) joined nothing and the monitor said only "the log has no
  column 'loan_id'", not that it logs ``meta_x_loan_id``.
* A v2 (open inference protocol) response is logged as ``prediction_<output>[_<j>]``: KServe v0.20.0's
  sklearn server answers ``predict_proba`` with ``{"name": "output-0", "shape": [N, 2]}`` (``kserve/utils/utils.py``
  ``get_predict_response``), a model with several outputs one column set per output. The monitor's
  warning said only "the log has no score column 'prediction_1'"; the report named the logged
  score columns and what to pass.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from tests.monitoring.test_hunt_labels_window import END, _judged

IDS = [
    str(uuid.UUID(int=i + 1, version=4)) for i in range(40)
]  # ce-ids as the payload logger makes them
LOANS = [f"L{i:04d}" for i in range(40)]


def _log(root: Path, predictions: dict[str, np.ndarray]) -> None:
    day = root / "model=m" / "date=2026-01-05" / "revision=r1"
    day.mkdir(parents=True)
    for k, part in enumerate(np.array_split(np.arange(len(IDS)), 2)):
        pd.DataFrame(
            {
                "request_id": [IDS[i] for i in part],
                "instance": 0,
                "model": "m",
                "revision": "r1",
                "model_version": "1",
                "has_request": True,
                "has_response": True,
                "meta_x_loan_id": [LOANS[i] for i in part],
                "time": [
                    (END - pd.Timedelta(minutes=30) + pd.Timedelta(seconds=int(i))).isoformat()
                    for i in part
                ],
                **{c: v[part] for c, v in predictions.items()},
            }
        ).to_parquet(day / f"part-{k}.parquet")


def _ingest(tmp_path: Path, key: str, keys: list[str]) -> None:
    (tmp_path / "labels.csv").write_text(
        f"{key},label\n" + "".join(f"{k},{i % 2}\n" for i, k in enumerate(keys))
    )
    assert (
        main(
            [
                "labels",
                "ingest",
                "--labels",
                str(tmp_path / "labels.csv"),
                "--store",
                str(tmp_path / "store"),
                "--key",
                key,
            ]
        )
        == 0
    )


P = np.linspace(0.05, 0.95, 40)


@pytest.mark.parametrize("partitions", [1, 2])
def test_labels_keyed_by_a_business_column_the_log_has_as_a_header_name_the_header_column(
    tmp_path, capsys, partitions
):
    _log(tmp_path / "logs", {"prediction_0": 1 - P, "prediction_1": P})
    _ingest(tmp_path, "loan_id", LOANS)
    frame, streamed = _judged(tmp_path, partitions)
    said = (
        "the inference log has no column 'loan_id' to join the labels on (its header columns: meta_x_loan_id; "
        "labels join on request_id, the CloudEvent ce-id, or a meta_<header> column: ingest them into a new store with their key column named "
        "meta_x_loan_id and --key meta_x_loan_id)"
    )
    assert said in frame.tags["label_join"], frame.tags["label_join"]
    assert streamed.tags["label_join"] == frame.tags["label_join"]


@pytest.mark.parametrize(
    "outputs, columns",
    [
        # KServe's sklearn server: one output of the class probabilities, [N, 2]
        (
            {"prediction_output-0_0": 1 - P, "prediction_output-0_1": P},
            "prediction_output-0_0, prediction_output-0_1",
        ),
        # a model with two outputs: the class and its probabilities
        (
            {
                "prediction_label": (P > 0.5).astype(int),
                "prediction_proba_0": 1 - P,
                "prediction_proba_1": P,
            },
            "prediction_label, prediction_proba_0, prediction_proba_1",
        ),
    ],
)
@pytest.mark.parametrize("partitions", [1, 2])
def test_a_v2_response_without_the_default_score_column_is_said_with_the_logged_ones(
    tmp_path, capsys, outputs, columns, partitions
):
    _log(tmp_path / "logs", outputs)
    _ingest(tmp_path, "request_id", IDS)
    frame, streamed = _judged(tmp_path, partitions)
    said = (
        f"realized metric not computed: the log has no score column 'prediction_1'; its score columns: {columns}: "
        "set monitoring.score_column to one of them"
    )
    assert said in frame.warnings, frame.warnings
    assert said in streamed.warnings, streamed.warnings
    assert frame.record["realized"] is None and streamed.record["realized"] is None


@pytest.mark.parametrize("partitions", [1, 2])
def test_a_v2_response_without_the_default_score_column_says_prediction_drift_is_not_computed(
    tmp_path, partitions
):
    """Without labels (they lag; prediction drift is the early signal) the window computed no
    ``psi`` and said nothing: the ``prediction_psi`` rule could never fire for a v2 model."""
    from ctloop.components.monitor import core
    from ctloop.config import MonitoringConfig
    from ctloop.inference_log.reader import read_log
    from ctloop.monitoring import window as W
    from ctloop.monitoring.champion import Champion

    gate = {
        "roc_auc": 0.8,
        **{f"score_q{q}": q / 100 for q in range(10, 100, 10)},
    }  # the gate's score deciles
    champion = Champion(
        "1", "classification", ["x"], [0, 1], None, gate, pd.Timestamp("2026-01-01", tz="UTC")
    )
    cfg = MonitoringConfig.from_dict({"log_root": str(tmp_path / "logs"), "window": "2h"})
    window = core.bounds(END, cfg)
    for name, columns in (
        ("v1", {"prediction_0": 1 - P, "prediction_1": P}),
        ("v2", {"prediction_output-0_0": 1 - P, "prediction_output-0_1": P}),
    ):
        cfg = MonitoringConfig.from_dict({"log_root": str(tmp_path / name), "window": "2h"})
        _log(tmp_path / name, columns)
        frame = core.judge(
            window=window,
            logs=read_log(str(tmp_path / name), "m", window.read_from, window.end),
            labels=None,
            champion=champion,
            history=[],
            previous=None,
            cfg=cfg,
            model_name="m",
        )
        plan = W.plan(
            str(tmp_path / name),
            "m",
            core.window_spec(window, champion, None, cfg),
            partitions,
            progress=False,
        )
        state = W.merge_partials(
            [W.collect_partition(plan, i, None, progress=False) for i in range(partitions)], None
        )
        streamed = core.judge_state(
            state=state,
            labels=None,
            champion=champion,
            history=[],
            previous=None,
            cfg=cfg,
            model_name="m",
            consume=True,
        )
        said = (
            "prediction drift not computed: the log has no score column 'prediction_1'; its score columns: "
            "prediction_output-0_0, prediction_output-0_1: set monitoring.score_column to one of them"
        )
        for judged in (frame, streamed):
            if name == "v1":  # the same scores under the default name: computed, nothing said
                assert "psi" in judged.record and not any(
                    "prediction drift" in w for w in judged.warnings
                )
            else:
                assert "psi" not in judged.record and said in judged.warnings, judged.warnings


UNJOINED = "the inference log has no column {key!r} to join the labels on ({said})"
GENERIC = (
    "labels join on request_id, the CloudEvent ce-id, or a meta_<header> column: ingest them into a new "
    "store with their key column named meta_<header> and --key meta_<header>, the header listed in "
    "logger.metadataHeaders"
)


@pytest.mark.parametrize(
    "key, headers, said",
    [
        # an unrelated header was named as the one to ingest the labels under
        (
            "loan_id",
            ["meta_x_tenant", "meta_x_trace"],
            f"its header columns: meta_x_tenant, meta_x_trace; {GENERIC}",
        ),
        # the key as its header is written (X-Loan-Id: meta_x_loan_id)
        (
            "Loan-Id",
            ["meta_x_loan_id", "meta_a_tenant"],
            "its header columns: meta_a_tenant, meta_x_loan_id; labels join on request_id, the CloudEvent ce-id, or a "
            "meta_<header> column: ingest them into a new store with their key column named meta_x_loan_id and "
            "--key meta_x_loan_id",
        ),
        # two headers end with the key: both named, neither chosen
        (
            "loan_id",
            ["meta_x_loan_id", "meta_x_old_loan_id"],
            "its header columns: meta_x_loan_id, meta_x_old_loan_id; labels join on request_id, the CloudEvent ce-id, or "
            "a meta_<header> column: ingest them into a new store with their key column named one of meta_x_loan_id, "
            "meta_x_old_loan_id and --key that name",
        ),
        # the CloudEvent id itself: logged as request_id
        (
            "ce-id",
            ["meta_x_tenant"],
            "the payload logger logs the CloudEvent ce-id as request_id: ingest them into a "
            "new store with their key column named request_id and --key request_id",
        ),
        (
            "ce_id",
            [],
            "the payload logger logs the CloudEvent ce-id as request_id: ingest them into a new store with "
            "their key column named request_id and --key request_id",
        ),
    ],
)
def test_a_key_the_log_lacks_names_only_the_header_columns_that_match_it(key, headers, said):
    from ctloop.labels.join import join_labels

    logs = pd.DataFrame(
        {
            "request_id": IDS[:3],
            "instance": 0,
            "has_request": True,
            "has_response": True,
            "prediction_1": P[:3],
            **{h: "x" for h in headers},
        }
    )
    labels = pd.DataFrame(
        {key: LOANS[:3], "label": [0, 1, 0], "label_time": "2026-01-05T00:00:00Z"}
    )
    assert join_labels(logs, labels).problem == UNJOINED.format(key=key, said=said)


@pytest.mark.parametrize("partitions", [1, 2])
def test_an_unrelated_header_column_is_not_named_in_either_path(tmp_path, capsys, partitions):
    _log(tmp_path / "logs", {"prediction_0": 1 - P, "prediction_1": P})
    _ingest(tmp_path, "account_id", LOANS)
    frame, streamed = _judged(tmp_path, partitions)
    said = UNJOINED.format(key="account_id", said=f"its header columns: meta_x_loan_id; {GENERIC}")
    assert said in frame.tags["label_join"], frame.tags["label_join"]
    assert streamed.tags["label_join"] == frame.tags["label_join"]
