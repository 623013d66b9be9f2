"""The arrival check of a rank-3+ v2 tensor touches no value (review 42 C, item 6): it checks the
length of every list above the values, as the ``[N, k]`` check does its rows. Before, it walked every
value (``isinstance(value, list)``), 130 ms of the event loop for a nested ``[1, 1000, 1000]``
tensor. ``isinstance`` looks up ``__class__`` of a value that is not a list, so a value counting that
lookup counts the values the check touched.
"""

from __future__ import annotations

import pytest

from ctloop.inference_log.events import PayloadError, check_payload, request_rows


class _Counted:
    touched = 0

    @property
    def __class__(self):  # isinstance's fallback reads it for a non-list
        type(self).touched += 1
        return _Counted


def test_the_check_touches_no_value():
    value = _Counted()
    body = {"inputs": [{"name": "v", "shape": [1, 100, 100], "datatype": "FP32",
                        "data": [[[value] * 100 for _ in range(100)]]}]}
    _Counted.touched = 0
    check_payload("request", body)
    assert _Counted.touched == 0  # was 10,000


@pytest.mark.parametrize("data", [[[[1.0, 2.0], [3.0]]], [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]],
                                  [[1.0, 2.0, 3.0]], [1.0, 2.0, 3.0]],
                         ids=["ragged-values", "ragged-rows", "short-row", "short-flat"])
def test_data_that_does_not_fit_the_shape_is_still_refused(data):
    body = {"inputs": [{"name": "v", "shape": [len(data) if data and isinstance(data[0], list) else 1, 2, 2],
                        "datatype": "FP32", "data": data}]}
    with pytest.raises(PayloadError, match="does not fit"):
        check_payload("request", body)


@pytest.mark.parametrize("data", [[[[1.0, 2.0], [3.0, 4.0]]], [[1.0, 2.0, 3.0, 4.0]], [1.0, 2.0, 3.0, 4.0]],
                         ids=["nested", "rows", "flat"])
def test_each_layout_flattens_row_major(data):
    body = {"inputs": [{"name": "v", "shape": [1, 2, 2], "datatype": "FP32", "data": data}]}
    check_payload("request", body)
    assert request_rows(body) == [{"v_0": 1.0, "v_1": 2.0, "v_2": 3.0, "v_3": 4.0}]
