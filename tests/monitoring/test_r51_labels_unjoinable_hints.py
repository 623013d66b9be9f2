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
    "outputs, columns, score",
    [
        # KServe's sklearn server: one output of the class probabilities, [N, 2]
        (
            {"prediction_output-0_0": 1 - P, "prediction_output-0_1": P},
            "prediction_output-0_0, prediction_output-0_1",
            "prediction_output-0_1",
        ),
        # a model with two outputs: the class and its probabilities
        (
            {
                "prediction_label": (P > 0.5).astype(int),
                "prediction_proba_0": 1 - P,
                "prediction_proba_1": P,
            },
            "prediction_label, prediction_proba_0, prediction_proba_1",
            "prediction_proba_1",  # the class-1 probability, not the class (prediction_label)
        ),
    ],
)
@pytest.mark.parametrize("partitions", [1, 2])
def test_a_v2_response_without_the_default_score_column_is_said_with_the_logged_ones(
    tmp_path, capsys, outputs, columns, score, partitions
):
    _log(tmp_path / "logs", outputs)
    _ingest(tmp_path, "request_id", IDS)
    frame, streamed = _judged(tmp_path, partitions)
    said = (
        f"realized metric not computed: the log has no score column 'prediction_1'; its score columns: {columns}: "
        f"set monitoring.score_column to {score}"
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
            "prediction_output-0_0, prediction_output-0_1: set monitoring.score_column to prediction_output-0_1"
        )
        for judged in (frame, streamed):
            if name == "v1":  # the same scores under the default name: computed, nothing said
                assert "psi" in judged.record and not any(
                    "prediction drift" in w for w in judged.warnings
                )
            else:
                assert "psi" not in judged.record and said in judged.warnings, judged.warnings


def _both(
    root: Path,
    champion,
    cfg,
    partitions: int,
    labels_root: Path | None = None,
    batch_rows: int | None = None,
):
    """The window judged by the frame path and the streamed one (``partitions`` partitions of
    ``batch_rows``-row batches)."""
    from ctloop.components.monitor import core
    from ctloop.inference_log.reader import read_log
    from ctloop.labels.join import index_store
    from ctloop.labels.store import read_labels
    from ctloop.monitoring import window as W

    window = core.bounds(END, cfg)
    labels = read_labels(str(labels_root)) if labels_root else None
    frame = core.judge(
        window=window,
        logs=read_log(str(root), "m", window.read_from, window.end),
        labels=labels,
        champion=champion,
        history=[],
        previous=None,
        cfg=cfg,
        model_name="m",
    )
    index = index_store(str(labels_root)) if labels_root else None
    plan = W.plan(
        str(root), "m", core.window_spec(window, champion, None, cfg), partitions, progress=False
    )
    state = W.merge_partials(
        [
            W.collect_partition(plan, i, index, batch_rows=batch_rows, progress=False)
            for i in range(partitions)
        ],
        index,
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
    return frame, streamed


DECILES = {f"score_q{q}": q / 100 for q in range(10, 100, 10)}  # the gate's score deciles


def _champion(classes=(0, 1)):
    from ctloop.monitoring.champion import Champion

    return Champion(
        "1",
        "classification",
        ["x"],
        list(classes),
        None,
        {"roc_auc" if len(classes) == 2 else "roc_auc_ovr": 0.8, **DECILES},
        pd.Timestamp("2026-01-01", tz="UTC"),
    )


@pytest.mark.parametrize("partitions", [1, 2])
def test_a_v2_window_after_a_v1_log_in_the_lookback_says_its_rows_have_no_score(
    tmp_path, capsys, partitions
):
    """A switch from a v1 to a v2 response: a file of the label lookback (3 days back) holds
    ``prediction_1``, the window's rows only ``prediction_output-0_*``. The column was "logged", so the
    window computed no psi and no realized metric and said nothing, for up to a lookback (7 days)."""
    from ctloop.config import MonitoringConfig

    logs = tmp_path / "logs"
    _log(logs, {"prediction_output-0_0": 1 - P, "prediction_output-0_1": P})
    old = logs / "model=m" / "date=2026-01-02" / "revision=r1"
    old.mkdir(parents=True)
    pd.read_parquet(logs / "model=m" / "date=2026-01-05" / "revision=r1" / "part-0.parquet").drop(
        columns=["prediction_output-0_0", "prediction_output-0_1"]
    ).assign(
        request_id=[f"old-{i}" for i in range(20)],
        time=(END - pd.Timedelta(days=3)).isoformat(),
        prediction_0=1 - P[:20],
        prediction_1=P[:20],
    ).to_parquet(old / "part-0.parquet")
    _ingest(tmp_path, "request_id", IDS)
    cfg = MonitoringConfig.from_dict(
        {
            "log_root": str(logs),
            "window": "2h",
            "labels_root": str(tmp_path / "store"),
            "label_lookback": "7D",
            "min_labels": 1,
        }
    )
    frame, streamed = _both(logs, _champion(), cfg, partitions, tmp_path / "store")
    remedy = (
        "its score columns: prediction_0, prediction_1, prediction_output-0_0, prediction_output-0_1: "
        "set monitoring.score_column to prediction_output-0_1"
    )
    for judged in (frame, streamed):
        assert "psi" not in judged.record and judged.record["realized"] is None
        assert (
            f"prediction drift not computed: no served row in the window has a value in 'prediction_1'; {remedy}"
            in judged.warnings
        ), judged.warnings
        assert (
            f"realized metric not computed: none of the 40 labelled rows has a value in 'prediction_1'; {remedy}"
            in judged.warnings
        ), judged.warnings


@pytest.mark.parametrize(
    "outputs",
    [
        {"prediction": (P > 0.5).astype(int)},  # v1 predict: the classes
        {"prediction_output-0": (P > 0.5).astype(int)},
    ],
)  # v2 predict
@pytest.mark.parametrize("partitions", [1, 2])
def test_a_classifier_served_with_predict_is_not_told_to_score_on_its_classes(
    tmp_path, outputs, partitions
):
    """Its 0/1 classes were offered as monitoring.score_column: followed, the psi of 0/1 against the
    gate's score deciles was 6.81 on every window (a retrain each)."""
    from ctloop.config import MonitoringConfig

    _log(tmp_path / "logs", outputs)
    cfg = MonitoringConfig.from_dict({"log_root": str(tmp_path / "logs"), "window": "2h"})
    for judged in _both(tmp_path / "logs", _champion(), cfg, partitions):
        said = [w for w in judged.warnings if w.startswith("prediction drift not computed")]
        assert said == [
            f"prediction drift not computed: the log has no score column 'prediction_1'; its score "
            f"columns: {next(iter(outputs))}: the log holds class labels only: serve predict_proba"
        ], said


@pytest.mark.parametrize("partitions", [1, 2])
def test_a_v2_window_without_the_prediction_psi_rule_says_nothing_of_prediction_drift(
    tmp_path, partitions
):
    from ctloop.config import MonitoringConfig

    _log(tmp_path / "logs", {"prediction_output-0_0": 1 - P, "prediction_output-0_1": P})
    cfg = MonitoringConfig.from_dict(
        {"log_root": str(tmp_path / "logs"), "window": "2h", "rules": {"prediction_psi": None}}
    )
    for judged in _both(tmp_path / "logs", _champion(), cfg, partitions):
        assert not [w for w in judged.warnings if "prediction drift" in w], judged.warnings


@pytest.mark.parametrize("partitions", [1, 2])
def test_a_multiclass_v2_window_is_told_what_to_serve(tmp_path, partitions):
    """No score_column applies to a multiclass champion: the warning said only that."""
    from ctloop.config import MonitoringConfig

    probs = np.column_stack([1 - P, P / 2, P / 2])
    _log(tmp_path / "logs", {f"prediction_output-0_{j}": probs[:, j] for j in range(3)})
    cfg = MonitoringConfig.from_dict({"log_root": str(tmp_path / "logs"), "window": "2h"})
    for judged in _both(tmp_path / "logs", _champion((0, 1, 2)), cfg, partitions):
        said = [w for w in judged.warnings if w.startswith("prediction drift not computed")]
        assert said == [
            "prediction drift not computed: the log has no score column 'prediction_0'; its score columns: "
            "prediction_output-0_0, prediction_output-0_1, prediction_output-0_2: a 3-class model is "
            "scored on prediction_0..prediction_2 (monitoring.score_column does not apply): serve it "
            "with the v1 protocol and predict_proba (logged as prediction_0..prediction_2)"
        ], said


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
