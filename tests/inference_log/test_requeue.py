"""``ctloop logger requeue``: the WAL lines a sink set aside at replay (over the values cap), back
into the log. Before, such a line was quarantined with no way back: the event had been
acknowledged to KServe's agent (which never resends it) and was in no partition for good.

A real ``ctloop logger serve`` replays a WAL left by an older version (tests/fixtures/servers.py
``start_sink``) into a local root and into one on the GCS emulator (tests/conftest.py
``gcs_bucket``); requeue follows ``logger import``'s design: what is still over this run's cap is
skipped and not recorded (a rerun with a larger ``--max-body-bytes`` takes it), what was written is
recorded under ``<root>/_imports/`` and never written twice, nothing at all to requeue is exit 2."""

from __future__ import annotations

import json

import httpx
import pandas as pd
import pyarrow.dataset as ds
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.inference_log.events import parse_event
from ctloop.inference_log.reader import read_log
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.test_sink_server import metrics_once_written
from tests.inference_log.test_v2_request_id import agent_headers

pytestmark = pytest.mark.slow

LIMIT = 64 << 10  # the sink's --max-body-bytes: a cap of 4,096 values
CAP = 4096
ROWS = 230  # the request: 230 rows of 3 values, 19 a row with the identity columns (4,370: over the cap);
# its response 17 a row (3,910: under it)


def wal_line(ce_id: str, kind: str, body: dict) -> bytes:
    """What an older version (no cap) wrote to its WAL for this event."""
    return parse_event(agent_headers(ce_id, kind), json.dumps(body).encode()).to_wal() + b"\n"


@pytest.fixture(params=["local", "gs"])
def root(request, tmp_path) -> str:
    if request.param == "local":
        return str(tmp_path / "root")
    return f"gs://{request.getfixturevalue('gcs_bucket')}/inference-log"


def rows(root: str) -> pd.DataFrame:
    return read_log(root, "credit", pd.Timestamp("2026-12-01T00:00:00Z"), pd.Timestamp("2026-12-02T00:00:00Z"))


def parquet_rows(root: str) -> int:
    """The rows of the model's Parquet files as stored (pyarrow.dataset, no deduplication)."""
    fs, path = storage.filesystem(f"{root}/model=credit")
    return ds.dataset(path, filesystem=fs, format="parquet", partitioning="hive").count_rows()


def test_a_line_set_aside_at_replay_is_requeued_under_a_larger_limit_once(root, tmp_path, capsys):
    wal = tmp_path / "wal"
    wal.mkdir()
    big = {"instances": [{"income": 1000 + i, "age": 30, "region": "north"} for i in range(ROWS)]}
    (wal / "segment-00000000000000000001-aaaaaa.wal").write_bytes(
        wal_line("small", "request", {"instances": [{"income": 1, "age": 2, "region": "south"}]})
        + wal_line("big", "request", big)
        + wal_line("small", "response", {"predictions": [0.1]})
        + wal_line("big", "response", {"predictions": [0.5] * ROWS}))
    proc, url = start_sink(tmp_path, root=root, max_body_bytes=LIMIT, flush_seconds=0.2, join_ttl_seconds=0.1)
    try:
        with httpx.Client(timeout=30) as client:
            metrics = metrics_once_written(client, url, 3)
    finally:
        stop_group(proc)
    assert "ctloop_log_wal_set_aside_total 1" in metrics and "ctloop_log_events_written_total 3" in metrics
    before = rows(root)
    assert sorted(before.request_id.unique()) == ["big", "small"]
    assert not before.loc[before.request_id == "big", "has_request"].any()  # its response, alone

    # under the sink's own limit: still over the cap, nothing written, nothing recorded, exit 2
    assert main(["logger", "requeue", "--root", root, "--max-body-bytes", str(LIMIT)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"error: nothing requeued from {root}/_quarantine: 1 set-aside WAL line(s), " \
        f"1 still over the cap of {CAP:,} values (--max-body-bytes {LIMIT} / 16): raise --max-body-bytes" in err, err
    assert "request big of model credit holds at least 4,370 values" in err
    assert storage.list_files(f"{root}/_imports", ".json") == []

    assert main(["logger", "requeue", "--root", root, "--max-body-bytes", str(LIMIT * 8)]) == 0
    out = capsys.readouterr().out
    assert out == (f"requeued 1 of 1 set-aside WAL line(s) from {root}/_quarantine into {root}: 1 request(s), "
                   f"0 response(s), {ROWS:,} row(s); 0 already requeued\n"), out
    after = rows(root)  # the request's half rows and its response's, joined by the reader
    big_rows = after[after.request_id == "big"].sort_values("instance")
    assert len(big_rows) == ROWS and big_rows.has_request.all() and big_rows.has_response.all()
    assert list(big_rows.income[:3]) == [1000, 1001, 1002] and (big_rows.prediction == 0.5).all()

    stored = parquet_rows(root)  # as stored: read_log deduplicates on (request_id, instance) and would hide a rewrite
    assert stored == len(before) + ROWS
    assert main(["logger", "requeue", "--root", root, "--max-body-bytes", str(LIMIT * 8)]) == 0  # once only
    assert "requeued 0 of 1 set-aside WAL line(s)" in capsys.readouterr().out
    assert parquet_rows(root) == stored


def test_requeue_without_set_aside_lines_says_so(tmp_path, capsys):
    (tmp_path / "root").mkdir()
    assert main(["logger", "requeue", "--root", str(tmp_path / "root")]) == 0
    assert capsys.readouterr().out.startswith("requeued 0 of 0 set-aside WAL line(s)")
    assert main(["logger", "requeue", "--root", str(tmp_path / "root"), "--max-body-bytes", "0"]) == 2
    assert "--max-body-bytes 0 must be at least 1" in capsys.readouterr().err
