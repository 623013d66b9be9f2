"""A TensorFlow Serving columnar pair whose sides have different row counts gives the same row
whether one sink replica joins it or two write it as halves (round 40, item 1; review F2 #2).

One replica's join stores one row, each side whole (``tensorflow_serving/g3doc/api_rest.md``,
"Specifying input tensors in column format": named inputs "need not share the same 0-th
dimension"). Two replicas wrote half rows that do not say which form the body had
(``{"inputs": [[1, 2], [3, 4]]}`` and ``{"instances": [[1, 2], [3, 4]]}`` make the same rows), so
``merge_halves`` kept the request's rows and dropped the response. Now a half of such a body
carries its side whole in the identity column ``_whole`` (JSON text, first row only), and the
reader joins two such halves as the sink's join does.
"""

from __future__ import annotations

import json

import httpx
import pandas as pd

from ctloop.inference_log.reader import read_log
from tests.fixtures.servers import start_sink, stop_group

REQUEST = {"inputs": [[1, 2], [3, 4]]}
RESPONSE = {"outputs": [0.1]}


def _event(kind: str, body: dict) -> tuple[dict, bytes]:
    # binary mode as KServe's agent sends it (v0.20.0 pkg/logger/worker.go: every extension set)
    headers = {"ce-id": "tf-1", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
               "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "tf", "ce-namespace": "ns",
               "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
               "ce-time": f"2026-11-22T10:31:0{2 if kind == 'request' else 3}.417Z",
               "content-type": "application/json"}
    return headers, json.dumps(body).encode()


def _send(workdir, root, *events) -> None:
    proc, url = start_sink(workdir, root)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            for headers, body in events:
                answer = client.post("/", headers=headers, content=body)
                assert answer.status_code == 200, answer.text
    finally:
        stop_group(proc)  # SIGTERM: the sink writes what it holds, a request without response as a half


def _read(root) -> list[dict]:
    end = pd.Timestamp("2026-11-22T11:00:00Z")
    frame = read_log(str(root), "tf", end - pd.Timedelta("1h"), end)
    keep = ["instance", "has_request", "has_response", "f0", "prediction", "_mistyped"]
    return frame[[c for c in keep if c in frame.columns]].to_dict("records")


def test_two_replicas_give_the_row_one_replica_gives(tmp_path):
    _send(tmp_path / "one", tmp_path / "joined", _event("request", REQUEST), _event("response", RESPONSE))
    _send(tmp_path / "a", tmp_path / "halves", _event("request", REQUEST))
    _send(tmp_path / "b", tmp_path / "halves", _event("response", RESPONSE))
    joined, halves = _read(tmp_path / "joined"), _read(tmp_path / "halves")
    assert len(joined) == 1 and joined[0]["has_response"]
    assert len(halves) == 1, halves
    # round 41: one replica types the columns as the halves do (test_r41_infolog_replica_types):
    # before, its row held [0.1] as JSON text in a string column where two replicas set it aside
    assert json.loads(joined[0]["_mistyped"]) == json.loads(halves[0]["_mistyped"])
    assert pd.isna(joined[0]["prediction"]) and pd.isna(halves[0]["prediction"])
    assert halves[0]["has_request"] and halves[0]["has_response"]
    # the half files typed f0 and prediction as numbers (their rows' values): each whole value is set
    # aside in _mistyped, as the sink's own join does under a registry with those types
    assert json.loads(halves[0]["_mistyped"]) == {"f0": [[1, 2], [3, 4]], "prediction": [0.1]}


def test_halves_of_equal_row_counts_are_stitched_row_by_row(tmp_path):
    _send(tmp_path / "a", tmp_path / "halves", _event("request", REQUEST))
    _send(tmp_path / "b", tmp_path / "halves", _event("response", {"outputs": [0.1, 0.9]}))
    end = pd.Timestamp("2026-11-22T11:00:00Z")
    frame = read_log(str(tmp_path / "halves"), "tf", end - pd.Timedelta("1h"), end).sort_values("instance")
    assert frame["prediction"].tolist() == [0.1, 0.9] and frame["f1"].tolist() == [2, 4]
    assert frame["has_request"].all() and frame["has_response"].all() and frame["_whole"].isna().all()


def test_a_projected_scan_joins_them_as_read_log_does(tmp_path):
    """``scan_window`` with the columns monitoring asks for (``has_request``/``has_response`` among
    them, not ``_whole``) gives the one row ``read_log`` gives."""
    from ctloop.inference_log.scan import scan_window

    _send(tmp_path / "a", tmp_path / "halves", _event("request", REQUEST))
    _send(tmp_path / "b", tmp_path / "halves", _event("response", RESPONSE))
    end = pd.Timestamp("2026-11-22T11:00:00Z")
    columns = ["has_request", "has_response", "f0", "f1", "prediction"]
    chunks = list(scan_window(str(tmp_path / "halves"), "tf", end - pd.Timedelta("1h"), end, columns=columns,
                              progress=False))
    scanned = pd.concat(chunks, ignore_index=True)
    assert len(scanned) == 1 and bool(scanned["has_response"].iloc[0]) and bool(scanned["has_request"].iloc[0])


def test_the_values_each_half_set_aside_are_kept():
    from ctloop.inference_log.events import Event, join
    from ctloop.inference_log.reader import merge_halves

    def event(kind, body, time):
        return Event(id="r1", kind=kind, model="tf", namespace="ns", component="predictor", revision="",
                     source="s", time=time, body=body)
    request = join(event("request", {"inputs": [[1, 2], [3, 4]]}, "2026-11-22T10:31:02Z"), None)
    response = join(None, event("response", {"outputs": [0.1]}, "2026-11-22T10:31:03Z"))
    request[0]["_mistyped"], response[0]["_mistyped"] = '{"f1": "n/a"}', '{"prediction_x": "y"}'
    response[0]["_overflow"] = '{"k": 1}'
    (row,) = merge_halves(pd.DataFrame(request + response)).to_dict("records")
    assert json.loads(row["_mistyped"]) == {"f1": "n/a", "prediction_x": "y", "f0": [[1, 2], [3, 4]],
                                            "prediction": [0.1]}
    assert json.loads(row["_overflow"]) == {"k": 1}
