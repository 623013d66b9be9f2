"""A response whose body's ``model_version`` is a JSON number with a fraction (``1.5``, ``2.0``)
was refused with 400 (``'model_version' must be a string; got float``) while an integer (``2``) and
even ``true`` were taken: KServe's agent does not retry (v0.20.0 ``pkg/logger/worker.go`` logs the
status and moves on), so the response's predictions were lost for a field that only names the
version. Now a finite number is its text, as an integer is; NaN/Infinity and lists/objects stay a 400.
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


@pytest.mark.parametrize("text, version", [("1.5", "1.5"), ("2.0", "2.0"), ("2", "2"), ('"3"', "3")])
def test_a_numeric_model_version_is_kept(text, version):
    (row,) = join(None, _response(b'{"predictions": [0.7], "model_version": ' + text.encode() + b"}"))
    assert (row["model_version"], row["prediction"], row["revision"]) == (version, 0.7, f"v{version}")


@pytest.mark.parametrize("text", ["NaN", "[1]", '{"v": 1}'])
def test_other_model_versions_are_a_400(text):
    with pytest.raises(RejectedEvent, match="model_version"):
        _response(b'{"predictions": [0.7], "model_version": ' + text.encode() + b"}")
