"""KServe's agent names the events of a request without a ``Ce-Id`` header by a new UUID, written
in lower case (``getOrCreateID`` in ``pkg/logger/handler.go`` at v0.20.0: google/uuid's
``String()``). Label sources often write UUIDs in upper case (SQL Server's uniqueidentifier), and
RFC 9562 §4 reads their hex digits case-insensitively: labels keyed ``3F2504E0-…`` joined none of
the logged ``3f2504e0-…`` rows and the report said no labelled key was a logged one. UUID keys now
join whatever their case, on both sides; other keys stay case-sensitive."""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.labels.store import normalise_keys


def test_labels_keyed_by_upper_case_uuids_join_the_agents_lower_case_ids(tmp_path, capsys):
    ids = [str(uuid.UUID(int=7919 * (i + 1))) for i in range(20)]  # as the agent writes them: lower case
    day = tmp_path / "log" / "model=credit" / "date=2026-12-03" / "revision=v1"
    day.mkdir(parents=True)
    pd.DataFrame({"request_id": ids, "instance": 0, "model_version": "1", "revision": "v1",
                  "time": [f"2026-12-03T10:{i:02d}:00Z" for i in range(20)], "has_request": True,
                  "has_response": True, "prediction_1": np.linspace(0, 1, 20)}).to_parquet(day / "part-0.parquet")
    (tmp_path / "labels.csv").write_text("request_id,label\n" + "".join(
        f"{k.upper() if i % 2 else k},{int(i >= 10)}\n" for i, k in enumerate(ids)))  # half upper case
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "store")]) == 0
    assert main(["labels", "report", "--log-root", str(tmp_path / "log"), "--store", str(tmp_path / "store"),
                 "--model-name", "credit", "--start", "2026-12-03", "--end", "2026-12-04"]) == 0
    out = capsys.readouterr().out
    assert "20 logged rows; 20 labelled rows (key request_id)" in out, out


@pytest.mark.parametrize("keys, expected", [
    (["3F2504E0-4F89-11D3-9A0C-0305E82C3301", " 3f2504e0-4f89-11d3-9a0c-0305E82C3301 "],
     ["3f2504e0-4f89-11d3-9a0c-0305e82c3301"] * 2),
    (["Order-ABC", "ORDER-abc", "3F2504E0-4F89-11D3-9A0C-0305E82C330"], ["Order-ABC", "ORDER-abc",
                                                                         "3F2504E0-4F89-11D3-9A0C-0305E82C330"]),
    ([None, "3F2504E0-4F89-11D3-9A0C-0305E82C3301"], [pd.NA, "3f2504e0-4f89-11d3-9a0c-0305e82c3301"]),
])
def test_only_uuids_lose_their_case(keys, expected):
    got = normalise_keys(pd.Series(keys, dtype=object)).tolist()
    assert [pd.NA if v is pd.NA else v for v in got] == expected
    mixed = normalise_keys(pd.Series([*keys, 5], dtype=object)).tolist()[:-1]  # the value-by-value path
    assert [pd.NA if v is pd.NA else v for v in mixed] == expected
