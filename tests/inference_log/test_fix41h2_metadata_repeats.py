"""The one rule for repeated ``ce-metadata`` values (fix round 41h2, review h2 finding 7, a suspicion):
each header's values are kept as it sent them, repeats included (kserve/kserve ``pkg/logger/handler.go``,
commit 0217bdab, ``ServeHTTP``: ``metadata[name] = values``, every value of the header as received), whether it makes its column alone or with another
spelling; a later header of the column leaves out only what an earlier one gave. Pinned so that the
code and docs/inference-log.md ("Business keys") keep saying the same."""

from __future__ import annotations

import json

import pytest

from ctloop.inference_log.events import metadata_columns


@pytest.mark.parametrize(("headers", "column"), [
    ({"X-Order-Id": ["2", "2"]}, "2,2"),
    ({"X-Order-Id": ["1"], "X_Order_Id": ["2", "2"]}, "1,2,2"),
    ({"X-Order-Id": ["2"], "X_Order_Id": ["2", "2"]}, "2"),
    ({"X-Order-Id": ["42"], "X_Order_Id": ["42"]}, "42"),
])
def test_each_headers_values_as_sent_less_what_an_earlier_header_gave(headers, column):
    assert metadata_columns(json.dumps(headers)) == {"meta_x_order_id": column}
