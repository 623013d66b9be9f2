import pytest

from ctloop.errors import ServingError
from ctloop.serving.payload import to_frame

FEATURES = ["income", "region"]


def test_v1_objects_and_lists_and_v2_tensors_give_the_same_frame():
    a = to_frame({"instances": [{"region": "north", "income": 1.0, "extra": 3}]}, FEATURES)
    b = to_frame({"instances": [[1.0, "north"]]}, FEATURES)
    c = to_frame({"inputs": [{"name": "income", "shape": [1], "datatype": "FP64", "data": [1.0]},
                             {"name": "region", "shape": [1], "datatype": "BYTES", "data": ["north"]}]}, FEATURES)
    assert a.equals(b) and b.equals(c) and list(a.columns) == FEATURES


@pytest.mark.parametrize("payload, match", [
    ({"rows": []}, "instances"),
    ({"instances": []}, "non-empty"),
    ({"instances": [[1.0]]}, "2 values in this order: income, region"),
    ({"instances": [{"income": 1.0}]}, "missing feature"),
])
def test_bad_payloads(payload, match):
    with pytest.raises(ServingError, match=match):
        to_frame(payload, FEATURES)
