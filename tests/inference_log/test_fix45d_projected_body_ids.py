"""A projected monitoring scan reads the v2 body id only for the rows it holds (round 45 review
D, item 6).

Round 45 added ``meta_inference_id`` to every projected scan (what ``merge_halves`` pairs the
halves of a reused ``Ce-Id`` by): each chunk then carried a column of Python strings the monitor
never asked for, 41% more memory per chunk for a log of v2 calls. The scan now converts it only
for the rows it holds for the merge (involved ids, lone halves): the chunks of a projected scan
hold the columns asked for (plus the key and time), and the halves of a reused id still pair by
their body id.
"""

from __future__ import annotations

import pandas as pd

from ctloop.inference_log import scan
from tests.inference_log.test_r45_infolog_reused_id_v2_halves import CALLS, END, START, _write

COLUMNS = ["has_request", "has_response", "income", "prediction_score"]


def _chunks(tmp_path, columns):
    (r1, s1), (r2, s2) = CALLS
    # two v2 calls under one Ce-Id: the requests reached one replica, the responses the other
    _write(tmp_path / "log", tmp_path / "wal", [[r1, r2], [s2, s1]])
    return list(
        scan.scan_window(
            str(tmp_path / "log"), "credit", START, END, columns=columns, progress=False
        )
    )


def test_projected_chunks_carry_no_body_id_and_reused_halves_still_pair(tmp_path):
    chunks = _chunks(tmp_path, COLUMNS)
    assert chunks and all("meta_inference_id" not in c.columns for c in chunks)
    rows = pd.concat(chunks, ignore_index=True).sort_values("time")
    assert rows["income"].tolist() == [1000.0, 2000.0]
    assert rows["prediction_score"].tolist() == [0.1, 0.2]


def test_asked_for_body_id_is_kept(tmp_path):
    chunks = _chunks(tmp_path, [*COLUMNS, "meta_inference_id"])
    rows = pd.concat(chunks, ignore_index=True).sort_values("time")
    assert rows["meta_inference_id"].tolist() == ["loan-1", "loan-2"]
    assert rows["prediction_score"].tolist() == [0.1, 0.2]


def test_asked_for_whole_column_is_read_once(tmp_path):
    # ``_whole`` is added to a projection for merge_halves as well: asking for it read it twice
    chunks = _chunks(tmp_path, [*COLUMNS, "_whole"])
    rows = pd.concat(chunks, ignore_index=True).sort_values("time")
    assert rows["prediction_score"].tolist() == [0.1, 0.2]
