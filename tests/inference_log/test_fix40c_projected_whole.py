"""A projected scan (``scan_window(columns=…)``) of two sink replicas' halves of a TensorFlow Serving
columnar pair gives the columns one replica's row gives: the joined whole row brought
``_mistyped``, ``_overflow`` and every key of ``_whole`` the caller had not asked for, so the chunks
differed between one and two replicas (review revC #6). Same events as
``test_fix40c_whole_pair_types``."""

from __future__ import annotations

from tests.inference_log.test_fix40c_whole_pair_types import CASES, _frame, _logs, _same


def test_a_projected_scan_gives_one_replica_columns(tmp_path):
    """``scan_window(columns=…)``: the joined halves bring no column the caller did not ask for
    (``_mistyped``, ``_overflow``, the whole's other keys), as one replica's row brings none."""
    roots = _logs(tmp_path, *CASES["number"])
    columns = ["has_request", "has_response", "f0", "prediction"]
    joined, halves = (_frame(root, columns) for root in roots)
    assert sorted(halves.columns) == sorted(joined.columns)
    assert "_mistyped" not in halves.columns and "f1" not in halves.columns
    _same(joined, halves, columns)
