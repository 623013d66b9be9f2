"""The streamed window (``monitor_model``'s path: ``ctloop.monitoring.window.plan``, unified over
the window's files' Parquet footers) refused files disagreeing on a column's type with pyarrow's
words only, "Unable to merge: Field meta_x_loan_id has incompatible types: string vs int64",
naming neither file: in a window of hundreds of files, which one to rewrite was not said. Now the
error names the column and two files, each with its type. (The sink writes ``meta_*`` header columns
as text, ``ctloop.inference_log.schema``; a file another tool wrote may hold the id as a number.)"""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.components.monitor import core
from ctloop.config import MonitoringConfig
from ctloop.errors import InferenceLogError
from ctloop.monitoring import window as W
from ctloop.monitoring.champion import Champion
from tests.monitoring.test_hunt_labels_window import END


def test_files_disagreeing_on_a_meta_column_type_are_named(tmp_path):
    day = tmp_path / "model=m" / "date=2026-01-05" / "revision=r1"
    day.mkdir(parents=True)
    for k, loan in enumerate(
        (["L1", "L2"], [17, 18], ["L3", "L4"])
    ):  # the second file: another tool's numbers
        pd.DataFrame(
            {
                "request_id": [f"{k}-a", f"{k}-b"],
                "instance": 0,
                "model": "m",
                "has_request": True,
                "has_response": True,
                "time": (END - pd.Timedelta(minutes=10)).isoformat(),
                "meta_x_loan_id": loan,
                "prediction_1": 0.5,
            }
        ).to_parquet(day / f"part-{k}.parquet")
    cfg = MonitoringConfig.from_dict({"log_root": str(tmp_path), "window": "2h"})
    champion = Champion(
        "1", "classification", ["x"], [0, 1], None, {}, pd.Timestamp("2026-01-01", tz="UTC")
    )
    spec = core.window_spec(core.bounds(END, cfg), champion, None, cfg)
    with pytest.raises(InferenceLogError) as refused:
        W.plan(str(tmp_path), "m", spec, 1, progress=False)
    assert str(refused.value).startswith(
        f"inference log files of one window disagree on the type of column 'meta_x_loan_id': {day / 'part-0.parquet'} "
        f"holds string, {day / 'part-1.parquet'} int64; "
    ), refused.value


def test_a_first_file_of_nulls_does_not_hide_the_disagreeing_pair(tmp_path):
    """Files a (the column all null: pyarrow type null), b (string), c (int64): each file was compared
    with the first holding the column only, null unifies with both, no pair was found and pyarrow's
    words came without the files. Now c is compared with the type merged so far, b's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    day = tmp_path / "model=m" / "date=2026-01-05" / "revision=r1"
    day.mkdir(parents=True)
    for k, loan in enumerate((pa.nulls(2), pa.array(["L1", "L2"]), pa.array([17, 18]))):
        frame = pd.DataFrame({"request_id": [f"{k}-a", f"{k}-b"], "instance": 0, "model": "m",
                              "has_request": True, "has_response": True,
                              "time": (END - pd.Timedelta(minutes=10)).isoformat(), "prediction_1": 0.5})
        table = pa.Table.from_pandas(frame, preserve_index=False).append_column("meta_x_loan_id", loan)
        pq.write_table(table, day / f"part-{k}.parquet")
    cfg = MonitoringConfig.from_dict({"log_root": str(tmp_path), "window": "2h"})
    champion = Champion("1", "classification", ["x"], [0, 1], None, {}, pd.Timestamp("2026-01-01", tz="UTC"))
    spec = core.window_spec(core.bounds(END, cfg), champion, None, cfg)
    with pytest.raises(InferenceLogError) as refused:
        W.plan(str(tmp_path), "m", spec, 1, progress=False)
    assert str(refused.value).startswith(
        f"inference log files of one window disagree on the type of column 'meta_x_loan_id': {day / 'part-1.parquet'} "
        f"holds string, {day / 'part-2.parquet'} int64; "
    ), refused.value  # was: "... disagree on a column type: Unable to merge: ..."
