"""A partition's saved rows (``labelled.parquet``, ``held.parquet`` and the files of their other value
types, ``labelled.1.parquet``…: ``window._write_rows``) cut short or emptied next to a complete
``state.json``: ``WindowState.load``/``Partial.load`` raised pyarrow's traceback ("ArrowInvalid: Could
not open Parquet input source '<Buffer>': Parquet magic bytes not found in footer"). Now one
InferenceLogError line naming the file and saying to re-run the monitoring run; nothing is written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ctloop.errors import InferenceLogError
from ctloop.monitoring import window as W


@pytest.mark.parametrize("victim", ["labelled.parquet", "labelled.1.parquet"])
@pytest.mark.parametrize("cut", [0.5, 0.0])
def test_a_cut_short_rows_file_is_one_line_naming_it(tmp_path, victim, cut):
    # a column of two value types: two files (labelled.parquet, labelled.1.parquet)
    rows = pd.DataFrame({"key": ["a", 1], "x": [0.5, 1.5]})
    assert W._write_rows(rows, str(tmp_path), "labelled") == 2
    path = tmp_path / victim
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * cut)])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    record = str(tmp_path / "state.json")
    with pytest.raises(InferenceLogError) as info:
        W._read_rows(str(tmp_path), "labelled", [2, 2], record)
    said = str(info.value)
    assert said.startswith(
        f"cannot read the window state {record}: {path} is damaged or cut short ("
    )
    assert said.endswith("): re-run the monitoring run") and "\n" not in said, said
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def _log(day: Path, end: pd.Timestamp) -> None:
    """Two log files of 20 served rows each (revisions r1 and r2) in the half hour before ``end``."""
    day.mkdir(parents=True)
    for k in range(2):
        ids = range(20 * k, 20 * k + 20)
        pd.DataFrame(
            {
                "request_id": [str(i + 1) for i in ids],
                "instance": 0,
                "model": "m",
                "revision": f"r{k + 1}",
                "model_version": "1",
                "has_request": True,
                "has_response": True,
                "time": [
                    (end - pd.Timedelta(minutes=30) + pd.Timedelta(seconds=i)).isoformat()
                    for i in ids
                ],
                "prediction_0": 0.5,
                "prediction_1": 0.5,
            }
        ).to_parquet(day / f"part-{k}.parquet")


@pytest.fixture(scope="module")
def saved_plan(tmp_path_factory):
    import json

    from tests.monitoring.test_hunt_labels_window import END, Champion, MonitoringConfig, core

    root = tmp_path_factory.mktemp("plan")
    _log(root / "logs" / "model=m" / "date=2026-01-05" / "revision=r1", END)
    champion = Champion(
        "1", "classification", ["x"], [0, 1], None, {}, pd.Timestamp("2026-01-01", tz="UTC")
    )
    cfg = MonitoringConfig.from_dict({"log_root": str(root / "logs"), "window": "2h"})
    spec = core.window_spec(core.bounds(END, cfg), champion, None, cfg)
    W.plan(str(root / "logs"), "m", spec, 2, progress=False).save(str(root / "plan"))
    return {p.name: p.read_bytes() for p in (root / "plan").iterdir()}, json


@pytest.mark.parametrize(
    "damage, said",
    [
        (
            "empty involved.npy",
            "involved.npy: No data left in file; the file is damaged or cut short",
        ),
        ("cut involved.npy", "involved.npy: EOF: reading array header"),
        ("no groups", "plan.json: it lacks 'groups'; the file is damaged or was edited"),
        (
            "no spec.start",
            "plan.json: it lacks 'spec.start'; the file is damaged or was edited",
        ),  # was 'start'
        (
            "bad schema",
            "plan.json: it has a damaged value (ArrowInvalid); the file is damaged or was edited",
        ),
    ],
)
def test_a_damaged_plan_is_one_line_naming_its_file(tmp_path, saved_plan, damage, said):
    """Was a traceback: EOFError out of numpy for an empty involved.npy, KeyError or ArrowInvalid for
    a plan.json that lacks a key or whose schema is damaged."""
    files, json = saved_plan
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    if damage == "empty involved.npy":
        (tmp_path / "involved.npy").write_bytes(b"")
    elif damage == "cut involved.npy":
        (tmp_path / "involved.npy").write_bytes(files["involved.npy"][:10])
    else:
        plan = json.loads(files["plan.json"])
        if damage == "no groups":
            del plan["groups"]
        elif damage == "no spec.start":
            del plan["spec"]["start"]
        else:
            plan["schema"] = plan["schema"][:12]
        (tmp_path / "plan.json").write_text(json.dumps(plan))
    with pytest.raises(InferenceLogError) as info:
        W.Plan.load(str(tmp_path))
    assert said in str(info.value) and str(info.value).endswith("re-run the monitoring run"), str(
        info.value
    )


def test_an_intact_plan_loads(tmp_path, saved_plan):
    files, _ = saved_plan
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    assert len(W.Plan.load(str(tmp_path)).groups) == 2
