"""Two ``ce-metadata`` headers that map to one ``meta_`` column (round 41, item 5).

KServe's agent (v0.20.0 ``pkg/logger/handler.go``) copies each request header listed in
``logger.metadataHeaders`` into ``ce-metadata`` as ``{name: [values]}`` under the name as Go's
``http.Header`` holds it, and ``worker.go`` encodes that map with ``json.Marshal`` (keys sorted).
``X-Order-Id`` and ``X_Order_Id`` are two headers but one column, ``meta_x_order_id``: before, the
later one replaced the earlier one's value (a business key silently lost). Now the values of every
header of a column are joined with ``,`` in the order ``ce-metadata`` lists them, as the values of
one header are (RFC 9110 §5.3 combines repeated fields so).
"""

from __future__ import annotations

import json

from ctloop.inference_log.events import metadata_columns


def test_two_headers_of_one_column_keep_both_values():
    value = json.dumps({"X-Order-Id": ["A-17"], "X_Order_Id": ["B-9", "B-10"]})
    assert metadata_columns(value) == {"meta_x_order_id": "A-17,B-9,B-10"}


def test_a_null_value_does_not_wipe_the_other_header():
    assert metadata_columns(json.dumps({"X-Order-Id": ["A-17"], "x.order.id": None})) == {"meta_x_order_id": "A-17"}
    assert metadata_columns(json.dumps({"x.order.id": None, "X-Order-Id": ["A-17"]})) == {"meta_x_order_id": "A-17"}


def test_one_header_as_before():
    assert metadata_columns(json.dumps({"X-Order-Id": ["A-17"], "X-Tenant": ["t1"]})) == {
        "meta_x_order_id": "A-17", "meta_x_tenant": "t1"}
    assert metadata_columns(json.dumps({"X-Order-Id": None})) == {"meta_x_order_id": None}
