"""KServe's v1 endpoint takes ``inputs`` as another name for ``instances`` (``get_predict_input``:
``payload["inputs"] if "inputs" in payload else payload["instances"]``,
``python/kserve/kserve/utils/utils.py`` at v0.20.0; ``Model.validate`` checks only ``instances``
for REST v1), so ``POST /v1/models/credit:predict`` with ``{"inputs": [[1.5, 30]]}`` is answered
200 and the agent logs both halves. The sink took every ``inputs`` for v2 tensors and refused the
request with 400 ("'inputs'[0] must be an object with name, shape, datatype, data"): the agent does
not retry, so the features were lost and the response landed alone. Such inputs are now v1
instances; a list holding a v2 tensor is still checked as tensors. Real sink, real HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.test_sink_server import metrics_once_written, read_rows
from tests.inference_log.test_v2_request_id import agent_headers

pytestmark = pytest.mark.slow


def test_v1_instances_sent_as_inputs_are_logged_with_their_features(tmp_path):
    pairs = [("lists", {"inputs": [[1.5, 30], [2.5, 40]]}, {"predictions": [1, 0]}),
             ("objects", {"inputs": [{"income": 3.5, "age": 50}]}, {"predictions": [0]}),
             ("scalars", {"inputs": [4.5]}, {"predictions": [1]})]
    proc, url = start_sink(tmp_path, flush_seconds=0.2)
    try:
        with httpx.Client() as client:
            for ce_id, request, response in pairs:
                for kind, body in (("request", request), ("response", response)):
                    answer = client.post(url, headers=agent_headers(ce_id, kind), content=json.dumps(body))
                    assert answer.status_code == 200, answer.text
            metrics_once_written(client, url, 6)
    finally:
        stop_group(proc)
    rows = read_rows(tmp_path / "root").set_index(["request_id", "instance"]).sort_index()
    assert rows["has_request"].all() and rows["has_response"].all()
    assert rows.loc[("lists", 1), ["f0", "f1", "prediction"]].tolist() == [2.5, 40, 0]
    assert rows.loc[("objects", 0), ["income", "age", "prediction"]].tolist() == [3.5, 50, 0]
    assert rows.loc[("scalars", 0), ["f0", "prediction"]].tolist() == [4.5, 1]
    assert "meta_inference_id" not in rows.columns  # v1 has no request id


def test_a_list_with_a_v2_tensor_in_it_is_still_checked_as_tensors():
    from ctloop.inference_log.events import PayloadError, check_payload, v1_inputs

    tensor = {"name": "a", "shape": [1], "datatype": "FP32", "data": [1.0]}
    assert not v1_inputs({"inputs": [tensor]}) and not v1_inputs({"inputs": [{"name": "a", "data": 3}]})
    assert v1_inputs({"inputs": [[1, 2]]}) and v1_inputs({"inputs": [{"income": 1.0}]})
    assert not v1_inputs({"inputs": []})  # no rows either way; a v2 body's id is still kept
    with pytest.raises(PayloadError, match=r"'inputs'\[1\] must be an object"):
        check_payload("request", {"inputs": [tensor, 5]})


def test_v1_features_named_like_tensor_fields_are_instances():
    """A v1 instance with a feature called ``shape``, ``datatype`` or ``data`` was read as a v2
    tensor and refused. A v2 tensor has no field but name, shape, datatype, parameters and data
    (``RequestInput``, ``python/kserve/kserve/protocol/rest/v2_datamodels.py`` at v0.20.0)."""
    from ctloop.inference_log.events import check_payload, request_rows, v1_inputs

    body = {"inputs": [{"shape": 3, "color": 1, "data": 0.5}, {"datatype": "round", "weight": 2.0}]}
    assert v1_inputs(body)
    check_payload("request", body)
    assert request_rows(body)[1] == {"datatype": "round", "weight": 2.0}
