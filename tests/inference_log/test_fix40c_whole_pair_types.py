"""Two sink replicas' halves of a TensorFlow Serving columnar pair read as the row one replica's join
stores: the same values and column dtypes (review revC #1).

One replica's join types each whole value at the flush (``schema.normalise``): under the model's
registry a list in a ``double`` or ``bool`` column is set aside in ``_mistyped`` and its column is
null. The reader joined two halves with the JSON text of ``None`` (``'null'``) left in that column,
which made a number column ``object`` and counted as a value; and it judged "fits the column" by the
pandas dtype, so a ``bool`` column with nulls (``object``) got the list as JSON text. Bodies as in
``tensorflow_serving/g3doc/api_rest.md`` ("Specifying input tensors in column format": the inputs
"need not share the same 0-th dimension"), sent as KServe v0.20.0's agent does
(``pkg/logger/worker.go``: every extension set).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ctloop.inference_log.reader import read_log
from ctloop.inference_log.scan import scan_window
from tests.inference_log.test_r40_infer_columnar_halves import _send

END = pd.Timestamp("2026-11-22T11:00:00Z")


def _event(kind: str, body: dict, rid: str, second: int) -> tuple[dict, bytes]:
    headers = {"ce-id": rid, "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
               "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "tf", "ce-namespace": "ns",
               "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
               "ce-time": f"2026-11-22T10:31:{second:02d}.417Z", "content-type": "application/json"}
    return headers, json.dumps(body).encode()


def _logs(tmp_path, first: tuple[dict, dict], pair: tuple[dict, dict]):
    """The same events through one replica (``joined``) and two (``halves``): a plain pair first
    (the registry learns its columns' types from it), then the columnar pair ``b1``."""
    plain = [_event("request", first[0], "p0", 1), _event("response", first[1], "p0", 2)]
    request, response = _event("request", pair[0], "b1", 3), _event("response", pair[1], "b1", 4)
    _send(tmp_path / "one", tmp_path / "joined", *plain, request, response)
    _send(tmp_path / "p", tmp_path / "halves", *plain)
    _send(tmp_path / "a", tmp_path / "halves", request)
    _send(tmp_path / "b", tmp_path / "halves", response)
    return tmp_path / "joined", tmp_path / "halves"


def _frame(root, columns=None) -> pd.DataFrame:
    if columns is None:
        frame = read_log(str(root), "tf", END - pd.Timedelta("1h"), END)
    else:
        chunks = list(scan_window(str(root), "tf", END - pd.Timedelta("1h"), END, columns=columns, progress=False))
        frame = pd.concat(chunks, ignore_index=True)
    return frame.sort_values("request_id").reset_index(drop=True)


def _same(joined: pd.DataFrame, halves: pd.DataFrame, columns) -> None:
    for column in columns:
        assert halves[column].dtype == joined[column].dtype, (column, halves[column].dtype, joined[column].dtype)
        one, two = joined[column].tolist(), halves[column].tolist()
        if column == "_mistyped":
            one, two = ([json.loads(v) if isinstance(v, str) else None for v in x] for x in (one, two))
        assert pd.Series(two, dtype=object).equals(pd.Series(one, dtype=object)) or two == one, (column, two, one)
        assert halves[column].notna().sum() == joined[column].notna().sum(), column  # present counts


CASES = {
    # the registry has f0/f1/prediction as numbers: the whole lists are set aside, the columns null
    "number": (({"instances": [[1, 2]]}, {"predictions": [0.3]}),
               ({"inputs": [[1, 2], [3, 4]]}, {"outputs": [0.1]})),
    # ... as bools (a bool column with nulls is object in pandas; the sink still sets lists aside)
    "bool": (({"instances": [[True, False]]}, {"predictions": [0.3]}),
             ({"inputs": [[True, False], [True, True]]}, {"outputs": [0.1]})),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_halves_read_as_the_one_replica_row(tmp_path, case):
    joined, halves = (_frame(root) for root in _logs(tmp_path, *CASES[case]))
    assert joined["request_id"].tolist() == halves["request_id"].tolist() == ["b1", "p0"]
    assert json.loads(joined["_mistyped"][0]) == {"f0": CASES[case][1][0]["inputs"], "prediction": [0.1]}
    _same(joined, halves, ["f0", "f1", "prediction", "_mistyped", "has_request", "has_response"])
