"""``audit_log(max_results=N)`` against a real ``mlflow server``: the newest N records, oldest
first. It read the audit runs oldest first and cut after N, so once a model had more records than
the limit every reader lost the recent ones: ``ctloop audit --limit N`` (help: "newest N records")
printed the first N records ever written, ``ctloop runs`` matched recent KFP runs against the 500
oldest records (no decisions shown), and ``approval.recorded`` (default 200) never found the
decision a resumed ``ctloop approve`` had just written, so it carried it out again."""

from __future__ import annotations

import uuid

import pytest

from ctloop.registry import MlflowRegistry
from tests.helpers import run_main

pytestmark = pytest.mark.slow


@pytest.fixture
def model(mlflow_url):
    reg = MlflowRegistry(mlflow_url)
    name = f"r38-audit-{uuid.uuid4().hex[:8]}"
    for i in range(5):
        reg.record_event(name, "", {"event": f"e{i}", "reason": f"r{i}"})
    return reg, name


def test_audit_log_returns_the_newest_records_oldest_first(model):
    reg, name = model
    assert [e["event"] for e in reg.audit_log(name, max_results=2)] == ["e3", "e4"]
    assert [e["event"] for e in reg.audit_log(name, max_results=10)] == [f"e{i}" for i in range(5)]


def test_cli_audit_limit_prints_the_newest(model, mlflow_url, capsys):
    _, name = model
    code, out, err = run_main(["audit", "--model-name", name, "--tracking-uri", mlflow_url, "--limit", "2"],
                              capsys, 60)
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.strip()]
    assert [line.split()[2] for line in lines] == ["e3", "e4"], out
