"""Request payloads → feature frames, for the ctloop serving runtime. No kserve import.

Accepted (KServe v1 and v2 protocols):

* v1 ``{"instances": [{"income": 1.0, ...}, ...]}`` (rows as objects), or
  ``{"instances": [[1.0, "north", ...], ...]}`` (rows as lists in the model's feature order);
* v2 ``{"inputs": [{"name": "income", "shape": [n], "datatype": "FP64", "data": [...]}, ...]}``
  (one tensor per feature column).
"""

from __future__ import annotations

from typing import Any

from ctloop.errors import ServingError


def to_frame(payload: dict[str, Any], features: list[str]):
    import pandas as pd

    if "instances" in payload:
        rows = payload["instances"]
        if not isinstance(rows, list) or not rows:
            raise ServingError("'instances' must be a non-empty list")
        if isinstance(rows[0], dict):
            frame = pd.DataFrame(rows)
        else:
            if any(len(r) != len(features) for r in rows):
                raise ServingError(f"each instance needs {len(features)} values in this order: {', '.join(features)}")
            frame = pd.DataFrame(rows, columns=features)
    elif "inputs" in payload:
        columns = {}
        for tensor in payload["inputs"]:
            columns[tensor["name"]] = list(tensor["data"])
        frame = pd.DataFrame(columns)
    else:
        raise ServingError("payload needs 'instances' (v1) or 'inputs' (v2)")
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise ServingError(f"missing feature(s) {missing}")
    return frame[features]


__all__ = ["to_frame"]
