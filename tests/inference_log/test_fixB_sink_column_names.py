"""The sink's column names for features and tensors, decided the same way wherever an event comes from.

* A v2 tensor ``meta`` of shape [N, 2] makes ``meta_0`` and ``meta_1``, names of ``meta_*`` columns
  (``ce-metadata``), so they are stored as ``input_meta_0``/``input_meta_1``: for the live event (its
  body as received holds ``"meta"``, not ``"meta_``), for the same event replayed from a
  write-ahead log line of an older writer (no body bytes at hand), and as batch scoring names them
  (``feature_column``).
* Tensors ``a`` [N, 2] (``a_0``, ``a_1``) and ``a_1`` are a legal v2 body (names are unique, the
  Open Inference Protocol says nothing of derived columns); KServe's agent never retries a 400, so
  refusing it lost the inference. Both are kept: the tensor named ``a_1`` keeps its name and ``a``'s
  second column is stored as ``a[1]``.
* A feature ``date`` (stored as ``input_date``) next to a feature ``input_date``: the second is
  stored as ``input_input_date`` (``input_<name>`` of any name that is such a column's), nothing
  replaced.
"""

from __future__ import annotations

import json

from ctloop.inference_log.events import Event, feature_column, join, parse_event

HEADERS = {"ce-id": "o1", "ce-type": "org.kubeflow.serving.inference.request", "ce-specversion": "1.0",
           "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit", "ce-namespace": "ns",
           "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}", "ce-time": "2026-11-22T10:31:02Z"}


def _tensor(name, shape, data):
    return {"name": name, "shape": shape, "datatype": "FP64", "data": data}


def _live_and_replayed(body: dict, kind: str = "request") -> tuple[dict, dict]:
    event = parse_event({**HEADERS, "ce-type": f"org.kubeflow.serving.inference.{kind}"}, json.dumps(body).encode())
    assert Event.from_json(event.to_wal()).raw == event.raw  # its line's body bytes, read back
    # a line of an older writer (here spaced): no body bytes at hand, so every name is looked at
    replayed = Event.from_json(json.dumps(json.loads(event.to_wal())).encode())
    assert replayed.raw is None
    live_row = join(event, None)[0] if kind == "request" else join(None, event)[0]
    wal_row = join(replayed, None)[0] if kind == "request" else join(None, replayed)[0]
    return live_row, wal_row


def test_a_meta_tensor_of_two_columns_is_named_alike_live_replayed_and_in_batch_scoring():
    live, replayed = _live_and_replayed({"inputs": [_tensor("meta", [1, 2], [1.0, 2.0]), _tensor("x", [1], [3.0])]})
    assert live == replayed
    assert {feature_column("meta_0"), feature_column("meta_1")} <= set(live)
    assert live[feature_column("meta_0")] == 1.0 and live[feature_column("meta_1")] == 2.0 and live["x"] == 3.0


def test_an_expanded_column_named_like_another_tensor_is_kept_under_a_name_of_its_own():
    live, replayed = _live_and_replayed({"inputs": [_tensor("a", [2, 2], [1, 2, 3, 4]), _tensor("a_1", [2], [8, 9])]})
    assert live == replayed
    assert (live["a_0"], live["a[1]"], live["a_1"]) == (1, 2, 8)
    rows = join(parse_event(dict(HEADERS), json.dumps(
        {"inputs": [_tensor("a_0", [2], [8, 9]), _tensor("a", [2, 2], [1, 2, 3, 4])]}).encode()), None)
    assert [(r["a[0]"], r["a_1"], r["a_0"]) for r in rows] == [(1, 2, 8), (3, 4, 9)]


def test_an_output_tensor_column_named_like_another_output_is_kept():
    live, replayed = _live_and_replayed({"outputs": [_tensor("p", [1, 2], [0.2, 0.8]), _tensor("p_0", [1], [1])]},
                                        kind="response")
    assert live == replayed
    assert (live["prediction_p[0]"], live["prediction_p_1"], live["prediction_p_0"]) == (0.2, 0.8, 1)


def test_a_feature_named_like_a_renamed_one_keeps_its_value():
    body = {"instances": [{"date": "2020-01-01", "input_date": "2021-02-02", "input_model": "m1", "model": "m0"}]}
    live, replayed = _live_and_replayed(body)
    assert live == replayed
    for name, value in body["instances"][0].items():
        assert live[feature_column(name)] == value, name
    assert feature_column("input_date") == "input_input_date"
    assert feature_column("input_x") == "input_x" and feature_column("x") == "x"
