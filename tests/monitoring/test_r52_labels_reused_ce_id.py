"""One label joined to two predictions. KServe's payload logger logs a call under the incoming
``Ce-Id`` header, a new UUID only when there is none (v0.20.0 ``pkg/logger/handler.go``
``getOrCreateID``), and gives the call's request and response events that id: a client that sends
its own ``Ce-Id`` and reuses it makes two calls with one id. The sink writes each call that paired
as a row of its own (``request_id`` = the id, ``time`` = its request's ``ce-time``, the handler's
``requestTime``: ``ctloop.inference_log.sink``), and the reader keeps both (rows of one id merge only
when they are one call: the same time, :func:`ctloop.inference_log.reader.merge_halves`). What tells
the calls apart is their request time, which a label keyed by ``request_id`` does not carry: the
label of the reused id was joined to both calls and counted twice (41 labelled rows for 40 labels).
Now neither is joined and the join says so, in ``ctloop labels report`` and in the monitor's both
paths (in memory and streamed)."""

from __future__ import annotations

import re

import numpy as np

from ctloop.cli import main
from tests.monitoring.test_hunt_labels_window import _judged, _log
from tests.monitoring.test_r51_labels_unjoinable_hints import IDS

SAID = (
    "2 logged rows not joined: 1 label matched several logged calls of one request_id (a client reusing its "
    "Ce-Id), which cannot be told apart"
)


def _reused(tmp_path) -> None:
    """40 calls with their own ce-id and a 41st reusing the first one's (another prediction); a
    label for each of the 40 ids."""
    p = np.linspace(0.05, 0.95, 41)
    _log(tmp_path / "logs", [*IDS[:20], IDS[0], *IDS[20:]], p)
    (tmp_path / "labels.csv").write_text(
        "request_id,label\n" + "".join(f"{k},{i % 2}\n" for i, k in enumerate(IDS))
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
            ]
        )
        == 0
    )


def test_labels_report_joins_no_label_of_a_reused_ce_id_and_says_so(tmp_path, capsys):
    _reused(tmp_path)
    capsys.readouterr()
    assert (
        main(
            [
                "labels",
                "report",
                "--log-root",
                str(tmp_path / "logs"),
                "--store",
                str(tmp_path / "store"),
                "--model-name",
                "m",
                "--start",
                "2026-01-04T00:00:00Z",
                "--end",
                "2026-01-05T01:00:00Z",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "41 logged rows; 39 labelled rows (key request_id); " + SAID in out, (
        out
    )  # was: 41 labelled rows
    assert re.search(r"\n +1 +39 ", out), out  # model_version 1: 39 rows
    assert f"warning: {SAID}" in out, out


def test_the_monitor_joins_no_label_of_a_reused_ce_id_in_either_path(tmp_path, capsys):
    _reused(tmp_path)
    frame, streamed = _judged(tmp_path, 2)
    assert frame.tags["label_join"] == "39 labelled rows (key request_id); " + SAID, frame.tags[
        "label_join"
    ]
    assert streamed.tags["label_join"] == frame.tags["label_join"]
    assert streamed.record["realized_rows"] == frame.record["realized_rows"] == 39  # was 41
    assert SAID in frame.warnings and SAID in streamed.warnings


def test_a_reused_ce_id_of_batched_calls_joins_no_instance_in_either_join():
    """Two batched calls (2 instances each) under one ce-id, labels with an instance: the exact
    join (``join_labels``) and the hashed one (``join_index``) leave all four rows, one call apart."""
    import pandas as pd

    from ctloop.labels.join import join_index, join_labels, label_index

    logs = pd.DataFrame(
        {
            "request_id": ["a", "a", "a", "a", "b", "b"],
            "instance": [0, 1, 0, 1, 0, 1],
            "time": ["2026-01-05T00:00:01Z"] * 2
            + ["2026-01-05T00:00:02Z"] * 2
            + ["2026-01-05T00:00:03Z"] * 2,
            "prediction_1": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
            "has_response": True,
        }
    )
    labels = pd.DataFrame(
        {
            "request_id": ["a", "a", "b", "b"],
            "instance": [0, 1, 0, 1],
            "label": [0, 1, 1, 0],
            "label_time": "2026-01-06T00:00:00Z",
        }
    )
    for joined in (join_labels(logs, labels), join_index(logs, label_index(labels))):
        assert sorted(joined.frame["prediction_1"]) == [0.5, 0.6]
        assert (joined.reused, joined.reused_keys) == (4, 2)
        assert joined.describe().endswith(
            "4 logged rows not joined: 2 labels matched several logged calls of one "
            "request_id (a client reusing its Ce-Id), which cannot be told apart"
        )


def test_a_retried_call_under_one_ce_id_is_one_call_in_either_join():
    """A retry resends the call with its Ce-Id (a CloudEvents norm: ``merge_halves``' "a retry under
    the same id gets the same prediction"): two rows of ``a`` with their own times, the same model
    version and prediction, are one call, joined once; were both dropped (1 labelled row, reused 2,
    label ``a`` lost). Rows of one id that disagree on the prediction stay unjoined."""
    import pandas as pd

    from ctloop.labels.join import join_index, join_labels, label_index

    logs = pd.DataFrame(
        {
            "request_id": ["a", "a", "b", "c", "c"],
            "time": ["2026-01-05T00:00:01Z", "2026-01-05T00:00:31Z", "2026-01-05T00:00:02Z",
                     "2026-01-05T00:00:03Z", "2026-01-05T00:00:04Z"],
            "model_version": ["1", "1", "1", "1", "2"],
            "prediction_0": [0.3, 0.3, 0.8, 0.4, 0.4],
            "prediction_1": [0.7, 0.7, 0.2, 0.6, 0.6],
            "has_response": True,
        }
    )
    labels = pd.DataFrame(
        {"request_id": ["a", "b", "c"], "label": [1, 0, 1], "label_time": "2026-01-06T00:00:00Z"}
    )
    for joined in (join_labels(logs, labels), join_index(logs, label_index(labels))):
        got = joined.frame.sort_values("request_id")
        assert list(got["request_id"]) == ["a", "b"], got  # was ["b"]
        assert list(got["label"]) == [1, 0]
        assert (joined.reused, joined.reused_keys) == (2, 1)  # c: v1 and v2 answered, two calls


def test_a_retried_call_is_joined_once_by_the_monitor_in_either_path(tmp_path, capsys):
    """The 41st call resends the first's id with its prediction (a retry): 40 labelled rows, none
    left unjoined, in the monitor's both paths (the streamed one compares the kept score columns)."""
    p = np.linspace(0.05, 0.95, 40)
    _log(tmp_path / "logs", [*IDS[:20], IDS[0], *IDS[20:]], np.r_[p[:20], p[0], p[20:]])
    (tmp_path / "labels.csv").write_text(
        "request_id,label\n" + "".join(f"{k},{i % 2}\n" for i, k in enumerate(IDS))
    )
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"),
                 "--store", str(tmp_path / "store")]) == 0
    frame, streamed = _judged(tmp_path, 2)
    # the copy counted and said (round 53: it was counted nowhere, "40 labelled rows (key request_id)")
    retried = ("1 logged row not joined again: a copy of a labelled call retried under its Ce-Id with the same "
               "answer (the call joined once)")
    assert frame.tags["label_join"] == "40 labelled rows (key request_id); " + retried, frame.tags["label_join"]
    assert streamed.tags["label_join"] == frame.tags["label_join"]
    assert streamed.record["realized_rows"] == frame.record["realized_rows"] == 40  # was 38
    capsys.readouterr()
    assert main(["labels", "report", "--log-root", str(tmp_path / "logs"), "--store", str(tmp_path / "store"),
                 "--model-name", "m", "--start", "2026-01-04T00:00:00Z", "--end", "2026-01-05T01:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert "41 logged rows; 40 labelled rows (key request_id); " + retried + "\n" in out, out
