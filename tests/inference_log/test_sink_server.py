"""The sink as a real server (uvicorn subprocess) under a real HTTP client on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

from tests.fixtures.servers import start_sink, stop_group

pytestmark = pytest.mark.slow


def start(tmp_path: Path, root: Path | None = None, **opts):
    return start_sink(tmp_path, root=root, **opts)


def headers(ce_id, kind, source="http://localhost:9081/"):
    """As KServe's agent sends them: ce-source is the agent's own address unless --source-uri is set."""
    return {"ce-id": ce_id, "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": source, "ce-inferenceservicename": "credit-default", "ce-namespace": "ctloop",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": "2026-11-22T10:31:02.417396123Z", "content-type": "application/json"}


def read_rows(root: Path) -> pd.DataFrame:
    parts = sorted(root.rglob("*.parquet"))
    return pd.concat([pd.read_parquet(p).assign(_path=str(p)) for p in parts], ignore_index=True) if parts else pd.DataFrame()


def load(url: str, prefix: str, acked: list, stop: threading.Event, workers: int = 4) -> list[threading.Thread]:
    """Clients sending request/response pairs until the server dies or ``stop`` is set; only a
    200 counts as acknowledged."""
    def client(w: int):
        with httpx.Client(timeout=5) as c:
            i = 0
            while not stop.is_set():
                ce_id = f"{prefix}-{w}-{i}"
                for kind, body in (("request", {"instances": [{"x": float(i)}, {"x": -1.0}]}),
                                   ("response", {"predictions": [i % 2, 1], "model_version": "3"})):
                    try:
                        r = c.post(url, headers=headers(ce_id, kind), content=json.dumps(body))
                    except httpx.HTTPError:
                        return  # the server is gone: nothing more is acknowledged
                    if r.status_code == 200:
                        acked.append((ce_id, kind))
                i += 1

    threads = [threading.Thread(target=client, args=(w,), daemon=True) for w in range(workers)]
    for t in threads:
        t.start()
    return threads


def pipelined(url: str, prefix: str, answers: dict, stop: threading.Event, written: list | None = None,
              heads: list | None = None) -> threading.Thread:
    """A client on one keep-alive connection that writes request/response events without waiting
    for their answers (HTTP/1.1 pipelining), always holding back the last bytes of the last event
    until the next pair: a request is always under way, so the connection is never idle and stays
    open past the drain timeout. ``answers``: (ce-id, kind) -> the status answered, in order;
    ``written``: the events whose last byte was written, in order; ``heads``: each answer's header
    lines. Ends when ``stop`` is set or the server closes the connection."""
    import re
    import socket

    host, port = url.removeprefix("http://").split(":")

    def event(ce_id: str, kind: str) -> bytes:
        body = json.dumps({"instances": [{"x": 1.0}]} if kind == "request" else {"predictions": [1]}).encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in headers(ce_id, kind).items())
        return f"POST / HTTP/1.1\r\nhost: s\r\n{head}content-length: {len(body)}\r\n\r\n".encode() + body

    def run() -> None:
        sock = socket.create_connection((host, int(port)))
        sock.settimeout(30)
        sent: list[tuple[str, str]] = []

        def read() -> None:
            data = b""
            while chunk := sock.recv(1 << 16):
                data += chunk
                while (m := re.match(rb"HTTP/1.1 (\d+) [^\r]*\r\n((?:[^\r]+\r\n)*)\r\n", data)) and len(data) >= (
                        end := m.end() + int(re.search(rb"content-length: (\d+)", m.group(2)).group(1))):
                    answers[sent.pop(0)] = int(m.group(1))
                    if heads is not None:
                        heads.append(m.group(2).decode().lower())
                    data = data[end:]

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        i, held = 0, b""
        with sock:
            while not stop.is_set():
                sent += [(f"{prefix}-{i}", "request"), (f"{prefix}-{i}", "response")]
                data = held + event(f"{prefix}-{i}", "request") + event(f"{prefix}-{i}", "response")
                try:
                    sock.sendall(data[:-8])
                except OSError:
                    del sent[-2:]
                    break
                if written is not None:  # the last pair's response (its held bytes) and this request
                    written.extend([*([(f"{prefix}-{i - 1}", "response")] if i else []), (f"{prefix}-{i}", "request")])
                held = data[-8:]
                i += 1
                time.sleep(0.005)
            reader.join(10)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def metrics_once_written(client: httpx.Client, url: str, events: int, timeout: float = 10.0) -> str:
    """The sink's /metrics text once it counts ``events`` written (or after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        metrics = client.get(f"{url}/metrics").text
        if f"ctloop_log_events_written_total {events}" in metrics or time.monotonic() > deadline:
            return metrics
        time.sleep(0.1)


def test_pairs_v1_v2_become_partitioned_rows(tmp_path):
    """Canary (model version 3, v1) and stable (version 2, v2 nested tensors) from the same
    ce-source http://localhost:9081/ land in separate, path-safe revision partitions."""
    proc, url = start(tmp_path, flush_seconds=0.3)
    try:
        with httpx.Client() as c:
            assert c.post(url, headers=headers("a", "request"), content=json.dumps({"instances": [{"income": 1.5, "region": "n"}]})).status_code == 200
            v1_out = {"predictions": [[0.7, 0.3]], "model_name": "credit-default", "model_version": "3"}
            assert c.post(url, headers=headers("a", "response"), content=json.dumps(v1_out)).status_code == 200
            v2 = {"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP64", "data": [[2.0, 20.0], [3.0, 30.0]]}]}
            assert c.post(url, headers=headers("b", "request"), content=json.dumps(v2)).status_code == 200
            out = {"model_name": "credit-default", "model_version": "2", "id": "b",
                   "outputs": [{"name": "score", "shape": [2], "datatype": "FP64", "data": [0.1, 0.9]}]}
            assert c.post(url, headers=headers("b", "response"), content=json.dumps(out)).status_code == 200
            pod = "credit-default-predictor-00004-deployment-5d8c9f7b4-x2x7q"  # --source-uri set to the pod
            assert c.post(url, headers=headers("c", "request", pod), content=b'{"instances": [[1.0]]}').status_code == 200
            assert c.post(url, headers=headers("c", "response", pod), content=b'{"predictions": [0]}').status_code == 200
            metrics = metrics_once_written(c, url, 6)
    finally:
        stop_group(proc)
    rows = read_rows(tmp_path / "root")
    a = rows[rows.request_id == "a"].iloc[0]
    assert (a.income, a.prediction_1, a.revision, a.model_version) == (1.5, 0.3, "v3", "3")
    b = rows[rows.request_id == "b"].sort_values("instance")
    assert b.prediction_score.tolist() == [0.1, 0.9] and b["input-0_1"].tolist() == [20.0, 30.0]
    assert b.revision.unique().tolist() == ["v2"]
    c_row = rows[rows.request_id == "c"].iloc[0]
    assert (c_row.revision, c_row.model_version) == ("credit-default-predictor-00004", "")
    assert "model=credit-default/date=2026-11-22/revision=v3/" in a["_path"]
    assert all(":" not in p.split("/root/", 1)[1] for p in rows._path)
    assert "ctloop_log_events_accepted_total 6" in metrics and "ctloop_log_events_written_total 6" in metrics


def test_malformed_and_oversize_are_rejected(tmp_path):
    proc, url = start(tmp_path, max_body_bytes=1000)
    try:
        with httpx.Client() as c:
            r = c.post(url, headers={"content-type": "application/json"}, content=b"{}")
            assert r.status_code == 400 and "missing CloudEvent header" in r.json()["error"]
            r = c.post(url, headers=headers("x", "request"), content=b"{broken")
            assert r.status_code == 400 and "not JSON" in r.json()["error"]
            r = c.post(url, headers=headers("x", "request"), content=json.dumps({"instances": [[0.0] * 500]}))
            assert r.status_code == 413 and "exceeds the limit of 1000" in r.json()["error"]
            metrics = c.get(f"{url}/metrics").text
    finally:
        stop_group(proc)
    assert 'ctloop_log_events_rejected_total{reason="oversize"} 1' in metrics


def test_sigterm_during_load_loses_nothing_acknowledged(tmp_path):
    """Four clients posting as KServe's agent does, and one pipelining on a connection that is
    never idle, so it outlives the drain timeout (1 s) and posts during the final flush: every
    event answered 200 is in Parquet, and every other answer is a 503 (round 57: an event that
    came after the final flush's commit was never answered; ``test_r57_inflog_shutdown``)."""
    proc, url = start(tmp_path, flush_seconds=0.5, flush_rows=500, drain_timeout_seconds=1)
    acked: list[tuple[str, str]] = []
    stop = threading.Event()
    answers: dict[tuple[str, str], int] = {}
    written: list[tuple[str, str]] = []
    heads: list[str] = []
    threads = [*load(url, "w", acked, stop), pipelined(url, "p", answers, stop, written, heads)]
    deadline = time.monotonic() + 60  # mid-load, however slow a shared machine is
    while len(acked) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert len(acked) > 40, "the load did not run"
    assert set(answers.values()) <= {200, 503}, set(answers.values())
    # the pipelining client ran; whether each of its events was answered before the close is checked
    # deterministically in-process (tests/inference_log/test_r57_inflog_shutdown.py): here answers
    # pair with events by order only, and the last answer's ``connection: close`` depends on the
    # client thread winning a race with the final write (review of round 57)
    assert len(answers) > 10, answers
    acked += [event for event, status in answers.items() if status == 200]
    rows = read_rows(tmp_path / "root")
    have_request = set(rows.loc[rows.has_request, "request_id"])
    have_response = set(rows.loc[rows.has_response, "request_id"])
    lost = [(i, k) for i, k in acked if i not in (have_request if k == "request" else have_response)]
    assert lost == [], f"{len(lost)} acknowledged events missing, e.g. {lost[:3]}"
    assert not list((tmp_path / "wal").glob("*.wal")), "a clean shutdown leaves no WAL behind"


def test_crash_then_restart_replays_the_write_ahead_log(tmp_path):
    proc, url = start(tmp_path, flush_seconds=60, flush_rows=10**6)  # nothing flushed before the crash
    acked = []
    with httpx.Client(timeout=5) as c:
        for i in range(200):
            for kind, body in (("request", {"instances": [{"x": i}]}), ("response", {"predictions": [1]})):
                if c.post(url, headers=headers(f"k{i}", kind), content=json.dumps(body)).status_code == 200:
                    acked.append(f"k{i}")
    os.killpg(proc.pid, signal.SIGKILL)  # a crash: no flush, no cleanup
    proc.wait(timeout=10)
    assert not read_rows(tmp_path / "root").shape[0]
    newest = max((tmp_path / "wal").glob("*.wal"))
    with open(newest, "ab") as f:  # and an append the crash cut in half
        f.write(b'{"id":"k-torn","kind":"request","model":"credit-de')
    proc, url = start(tmp_path)  # replays the WAL at start, skipping the torn line
    stop_group(proc)
    rows = read_rows(tmp_path / "root")
    assert set(acked) <= set(rows.loc[rows.has_request & rows.has_response, "request_id"])
    assert "k-torn" not in set(rows.request_id) and "torn last line" in (tmp_path / "sink.log").read_text()


def test_metrics_stay_parseable_whatever_the_client_sends(tmp_path):
    import shutil

    proc, url = start(tmp_path)
    try:
        with httpx.Client() as c:
            bad = headers("x", "request")
            bad["ce-type"] = 'evil"} 1 fake'
            assert c.post(url, headers=bad, content=b"{}").status_code == 400
            bad["ce-type"] = "another.odd.type"
            assert c.post(url, headers=bad, content=b"{}").status_code == 400
            text = c.get(f"{url}/metrics").text
    finally:
        stop_group(proc)
    assert 'ctloop_log_events_rejected_total{reason="unknown_type"} 2' in text
    assert "evil" not in text
    promtool = shutil.which("promtool")
    assert promtool, "promtool is installed by `make tools`"
    check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert "parsing error" not in check.stdout + check.stderr, check.stdout + check.stderr


def test_two_replicas_sharing_a_root_each_write_a_half_and_the_reader_joins_them(tmp_path):
    """Two sink replicas (each with its own WAL, one Parquet root), as the StatefulSet runs them:
    a request that reached replica A and its response that reached replica B are written as two
    half rows at shutdown, and ``read_log`` returns one served row with features and prediction."""
    from ctloop.inference_log.reader import read_log

    root = tmp_path / "root"
    a, url_a = start(tmp_path / "a", root=root)
    b, url_b = start(tmp_path / "b", root=root)
    try:
        with httpx.Client() as c:
            assert c.post(url_a, headers=headers("split", "request"),
                          content=json.dumps({"instances": [{"income": 4.5}, {"income": 5.5}]})).status_code == 200
            out = {"predictions": [[0.6, 0.4], [0.2, 0.8]], "model_name": "credit-default", "model_version": "7"}
            assert c.post(url_b, headers=headers("split", "response"), content=json.dumps(out)).status_code == 200
            assert c.post(url_a, headers=headers("whole", "request"),
                          content=json.dumps({"instances": [{"income": 9.0}]})).status_code == 200
            assert c.post(url_a, headers=headers("whole", "response"),
                          content=json.dumps({"predictions": [[0.5, 0.5]], "model_version": "7"})).status_code == 200
    finally:
        stop_group(a)
        stop_group(b)
    written = read_rows(root)
    halves = written[written.request_id == "split"]
    assert len(halves) == 4 and not (halves.has_request & halves.has_response).any()  # two half rows per instance
    frame = read_log(str(root), "credit-default", pd.Timestamp("2026-11-22T10:00:00Z"),
                     pd.Timestamp("2026-11-22T11:00:00Z")).sort_values(["request_id", "instance"])
    assert frame[["request_id", "instance"]].values.tolist() == [["split", 0], ["split", 1], ["whole", 0]]
    assert frame.has_request.all() and frame.has_response.all()
    split = frame[frame.request_id == "split"]
    assert split.income.tolist() == [4.5, 5.5] and split.prediction_1.tolist() == [0.4, 0.8]
    assert set(split.model_version) == {"7"} and set(split.revision) == {"v7"}


def test_one_line_when_listening_and_one_on_a_clean_shutdown(tmp_path):
    """``logger serve`` said nothing: not where it listened nor with which limits, and not what
    it flushed on SIGTERM. Now one stderr line each, and nothing per request (log_level warning)."""
    proc, url = start(tmp_path, flush_seconds=60, flush_rows=1000)
    port = url.rsplit(":", 1)[1]
    log = tmp_path / "sink.log"
    with httpx.Client() as client:
        for kind in ("request", "response"):
            body = {"instances": [[1.0, 2.0]]} if kind == "request" else {"predictions": [1]}
            assert client.post(url, headers=headers("b1", kind), json=body).status_code == 200
    (started,) = log.read_text().splitlines()  # before the shutdown: the listening line alone
    assert started.startswith(f"ctloop logger: listening on http://127.0.0.1:{port}"), started
    for part in (f"root {tmp_path / 'root'}", f"wal {tmp_path / 'wal'}", "flush every 1000 rows or 60s",
                 "max body ", "join TTL ", "max columns "):
        assert part in started, (part, started)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    lines = log.read_text().splitlines()
    assert len(lines) == 2, lines
    assert lines[1] == (f"ctloop logger: stopped cleanly: 1 row(s) flushed at shutdown, 1 written since the start, "
                        f"to {tmp_path / 'root'}"), lines[1]
