"""Round 58: the readers read the sink's file stamp (``ctloop.inference_log.format``, since round 57).

A lone response half that carries nothing (no prediction, ``_error``, ``_whole`` or ``_mistyped``) was
skipped as a health or metadata GET's answer, which sinks before round 56 stored so (KServe v0.20.0's
agent logs every call through the predictor but kubelet probes, ``pkg/logger/handler.go``). A model
answering ``{"predictions": [null]}`` with no request half (logger mode ``response``, a request the
sink refused) was skipped and counted with them: one line blamed probes for it. A stamped file holds
no GET's answer (round 56 refuses them, ``not_inference``), so there such rows are answers without a
prediction, counted and said on a line of their own; an unstamped file keeps the old reading.

The unstamped files are round 57's frozen pre-56 files (5 GET answers, ``half-1``, ``call-1``); the
stamped one is written here by a real sink: ``c1`` complete and ``null-1`` a lone null answer.
"""

from __future__ import annotations

import base64
import shutil
import zlib

import pyarrow.parquet as pq
import pytest

from tests.inference_log.test_r57_inflog_fix import T1, _call, _event, _write
from tests.inference_log.test_r57_inflog_no_inference_rows import END, START, UNKNOWN, V2, _read

OLD_LINE = "skipped 5 response half row(s) of credit with no prediction, error or value"
NEW_LINE = "skipped 1 answer row(s) of credit whose predictions were all null or absent"


@pytest.fixture(scope="module")
def stamped(tmp_path_factory):
    """The Parquet files a current sink wrote for c1 (complete) and null-1 (a lone null answer)."""
    base = tmp_path_factory.mktemp("stamped")
    events = [
        *_call("c1", T1, {"x": 1.5}, 1.0),
        _event("response", "null-1", T1, {"predictions": [None]}),
    ]
    _write(base / "root", base / "wal", events)
    return base / "root"


@pytest.fixture(params=["once", "copied"])
def mixed_log(request, tmp_path, stamped):
    """The old files beside the stamped one; "copied": the stamped file twice (a flush written again after a
    crash: at-least-once), so its rows are held and merged (``scan.merge_held``, the partitions' held rows)."""
    root = tmp_path / "log"
    shutil.copytree(stamped, root)
    if request.param == "copied":
        (part,) = root.rglob("part-*.parquet")
        shutil.copy(part, part.with_name("part-copy.parquet"))
    day = root / "model=credit" / "date=2026-11-22"
    for revision, data in (("unknown", UNKNOWN), ("v2", V2)):
        (day / f"revision={revision}").mkdir(parents=True, exist_ok=True)
        (day / f"revision={revision}" / "part-old.parquet").write_bytes(
            zlib.decompress(base64.b64decode(data))
        )
    return root


@pytest.mark.parametrize("how", ["read_log", "scan", "projected"])
def test_null_answers_of_stamped_files_are_counted_apart_from_old_gets(mixed_log, how, capsys):
    stamps = {
        pq.read_schema(p).metadata.get(b"ctloop.inference_log.format")
        if pq.read_schema(p).metadata
        else None
        for p in mixed_log.rglob("*.parquet")
    }
    assert stamps == {None, b"57"}  # old files unstamped, the sink's stamped
    rows = _read(mixed_log, how)
    assert sorted(rows["request_id"]) == ["c1", "call-1", "half-1"]
    # the stamp is no column of the rows read
    assert not any(c.startswith("__ctloop") for c in rows.columns), rows.columns
    said = capsys.readouterr().err
    # before: "skipped 6 response half row(s) ... health or metadata GETs ..." for the GETs and null-1 alike
    assert OLD_LINE in said and NEW_LINE in said, said
    assert said.count("ctloop: skipped") == 2, said


def test_an_unstamped_file_keeps_the_old_reading(mixed_log, capsys):
    # a null answer in a file without the stamp (a sink before round 57) cannot be told from a GET's answer
    for part in mixed_log.rglob("part-*.parquet"):
        table = pq.read_table(part)
        pq.write_table(table.replace_schema_metadata({}), part)
    assert sorted(_read(mixed_log, "read_log")["request_id"]) == ["c1", "call-1", "half-1"]
    said = capsys.readouterr().err
    assert (
        "skipped 6 response half row(s) of credit with no prediction" in said
        and "answer row(s)" not in said
    )


def test_the_monitoring_partitions_count_them_apart_too(mixed_log, tmp_path, capsys):
    from ctloop.monitoring import window

    spec = window.WindowSpec(START, END, START, START)
    planned = window.plan(str(mixed_log), "credit", spec, 2, progress=False)
    parts = []
    # each partition's state saved and loaded, as the tasks pass it on
    for index in range(len(planned.groups)):
        window.collect_partition(planned, index, progress=False).save(str(tmp_path / f"p{index}"))
        parts.append(window.Partial.load(str(tmp_path / f"p{index}")))
    state = window.merge_partials(parts, partitions=len(planned.groups))
    assert state.counts["rows"] == 3  # c1, call-1, half-1
    said = capsys.readouterr().err
    assert OLD_LINE in said and NEW_LINE in said, said
