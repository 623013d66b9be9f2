"""Round 40, item 4 (evidence, no change): a v2 response ``{"outputs": [{"data": [...]}]}`` without
name, shape or datatype is taken, not a 400.

What servers send: KServe v0.20.0 ``python/kserve/kserve/protocol/rest/v2_datamodels.py``
``ResponseOutput`` requires ``name``, ``shape``, ``datatype`` and ``data`` (``parameters`` optional),
as the Open Inference Protocol's ``$response_output`` does; Triton and MLServer send all four. The
sink takes less: a tensor without ``shape`` has the shape of its data, without ``name`` the column
``prediction_value``. Only several unnamed outputs are refused (they would share that column: the
400 names it), a body no real server sends.
"""

from __future__ import annotations

import pytest

from ctloop.inference_log.events import RejectedEvent, join, parse_event


def _response(body: bytes):
    headers = {"ce-id": "r1", "ce-type": "org.kubeflow.serving.inference.response", "ce-specversion": "1.0",
               "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "m", "ce-namespace": "ns",
               "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
               "content-type": "application/json"}
    return parse_event(headers, body)


@pytest.mark.parametrize("body, rows", [
    (b'{"outputs": [{"data": [0.1, 0.2]}]}', [{"prediction_value": 0.1}, {"prediction_value": 0.2}]),
    (b'{"outputs": [{"data": [[0.1, 0.9]]}]}', [{"prediction_value_0": 0.1, "prediction_value_1": 0.9}]),
    (b'{"model_name": "m", "outputs": [{"name": "p", "data": [1]}]}', [{"prediction_p": 1}]),
])
def test_an_output_with_data_only_is_taken(body, rows):
    got = [{k: v for k, v in row.items() if k.startswith("prediction")} for row in join(None, _response(body))]
    assert got == rows


def test_several_unnamed_outputs_are_a_400_naming_the_clash():
    with pytest.raises(RejectedEvent, match="has the name 'value' of an earlier tensor"):
        _response(b'{"outputs": [{"data": [1]}, {"data": [0.3]}]}')
