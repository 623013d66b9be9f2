"""Issue 13 (5): the sink is no longer open to anyone who can reach it, and ``ctloop logger
serve`` refuses bad options with one line and exit code 2 instead of binding another port or
rejecting every event. Real ``ctloop logger serve`` processes on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures.servers import free_port, start_sink, stop_group

pytestmark = pytest.mark.slow

HEADERS = {"ce-id": "a1", "ce-type": "org.kubeflow.serving.inference.request", "ce-specversion": "1.0",
           "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
           "content-type": "application/json"}
BODY = b'{"instances": [[1.0]]}'


def serve(args: list[str], timeout: float = 30) -> subprocess.CompletedProcess:
    """``ctloop logger serve`` that must exit by itself; one that starts serving instead (the old
    behaviour for --port 99999) is killed at the timeout and reported as such."""
    proc = subprocess.Popen([sys.executable, "-m", "ctloop", "logger", "serve", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return subprocess.CompletedProcess(proc.args, -9, out, "still serving after the timeout: " + err)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--port", "99999", "--port 99999 is not a TCP port: use 1-65535"),
    ("--port", "0", "--port 0 is not a TCP port"),
    ("--max-body-bytes", "-1", "--max-body-bytes -1 must be a whole number >= 1"),
    ("--flush-rows", "0", "--flush-rows 0 must be a whole number >= 1"),
    ("--max-columns", "0", "--max-columns 0 must be a whole number >= 1"),
    ("--flush-seconds", "nan", "--flush-seconds nan must be a finite number of seconds"),
    ("--join-ttl-seconds", "-5", "--join-ttl-seconds -5.0 must be a finite number of seconds"),
    ("--wal", "{file}/wal", "is a file, not a directory"),
    ("--token-file", "{tmp}/missing-token", "cannot be read: No such file or directory"),
    ("--token-file", "{tmp}/empty-token", "is empty"),
    # round 61 fixspeed: a stat before every request is refused, and so is an interval with no file to look at
    ("--token-recheck-seconds", "0", "--token-recheck-seconds 0.0 must be a finite number of seconds >= 0.1"),
    ("--token-recheck-seconds", "1", "--token-recheck-seconds 1 without --token-file"),
])
def test_bad_options_exit_2_with_one_line_naming_the_flag(tmp_path, flag, value, message):
    (tmp_path / "a-file").write_text("not a directory")
    (tmp_path / "empty-token").write_text("\n")
    value = value.format(file=tmp_path / "a-file", tmp=tmp_path)
    result = serve(["--root", str(tmp_path / "root"), "--wal", str(tmp_path / "wal"), "--port",
                    str(free_port()), flag, value])
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert flag in lines[0]
    assert not (tmp_path / "root").exists()


def test_the_default_address_is_loopback_only():
    from ctloop.cli import build_parser

    args = build_parser().parse_args(["logger", "serve", "--root", "/tmp/x"])
    assert args.host == "127.0.0.1"


def test_a_token_guards_ingest_and_metrics_and_the_agent_port_needs_none(tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")  # as a Secret key often ends: with a newline
    agent, metrics_port = free_port(), free_port()
    # the file is looked at every 0.2 s at most (default 5 s: the 5.5 s this test slept for until round 61)
    proc, url = start_sink(tmp_path, token_file=token, agent_port=agent, metrics_port=metrics_port,
                           token_recheck_seconds=0.2)
    agent_url, metrics_url = f"http://127.0.0.1:{agent}", f"http://127.0.0.1:{metrics_port}"
    auth = {"authorization": "Bearer s3cret-token"}
    try:
        with httpx.Client() as c:
            no_token = c.post(url, headers=HEADERS, content=BODY)
            wrong = c.post(url, headers={**HEADERS, "authorization": "Bearer s3cret-tokex"}, content=BODY)
            basic = c.post(url, headers={**HEADERS, "authorization": "Basic czNjcmV0LXRva2Vu"}, content=BODY)
            right = c.post(url, headers={**HEADERS, **auth}, content=BODY)
            from_agent = c.post(agent_url, headers={**HEADERS, "ce-id": "a2"}, content=BODY)  # KServe: no header
            health = [c.get(f"{u}/healthz").status_code for u in (url, agent_url, metrics_url)]
            metrics_on_ingest = c.get(f"{url}/metrics", headers=auth)
            metrics_on_agent = c.get(f"{agent_url}/metrics")
            ingest_on_metrics = c.post(metrics_url, headers={**HEADERS, **auth}, content=BODY)
            metrics_no_token = c.get(f"{metrics_url}/metrics")
            metrics = c.get(f"{metrics_url}/metrics", headers=auth)
            token.write_text("rotated\n")  # a rotated Secret is picked up without a restart
            time.sleep(0.3)  # > the interval since the last look, whatever the machine's load: a look is due
            old = c.post(url, headers={**HEADERS, "ce-id": "a3", **auth}, content=BODY)
            new = c.post(url, headers={**HEADERS, "ce-id": "a3", "authorization": "Bearer rotated"}, content=BODY)
    finally:
        stop_group(proc)
    assert [no_token.status_code, wrong.status_code, basic.status_code] == [401, 401, 401]
    assert no_token.headers["www-authenticate"].startswith("Bearer")
    assert "agent port" in no_token.json()["error"]
    assert right.status_code == 200 and from_agent.status_code == 200
    assert health == [200, 200, 200]  # kubelet probes send no token
    assert [metrics_on_ingest.status_code, metrics_on_agent.status_code, ingest_on_metrics.status_code] == [404] * 3
    assert metrics_no_token.status_code == 401 and metrics.status_code == 200
    assert 'ctloop_log_events_rejected_total{reason="unauthorized"} 3' in metrics.text
    assert "ctloop_log_events_accepted_total 2" in metrics.text
    assert (old.status_code, new.status_code) == (401, 200)


def test_without_a_token_everything_answers_on_one_port_as_before(tmp_path):
    proc, url = start_sink(tmp_path)
    try:
        with httpx.Client() as c:
            assert c.post(url, headers=HEADERS, content=BODY).status_code == 200
            assert c.get(f"{url}/metrics").status_code == 200
    finally:
        stop_group(proc)


def test_agent_port_without_token_is_refused(tmp_path):
    result = serve(["--root", str(tmp_path / "root"), "--wal", str(tmp_path / "wal"), "--agent-port",
                    str(free_port())])
    assert result.returncode == 2 and "--agent-port" in result.stderr and "--token-file" in result.stderr


def test_a_port_in_use_is_one_line_too(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve(["--root", str(tmp_path / "root"), "--wal", str(Path(tmp_path) / "wal"), "--port", str(port)])
    assert result.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
