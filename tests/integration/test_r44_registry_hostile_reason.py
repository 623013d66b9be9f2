"""A promotion's reason is anyone's text, and ``ctloop registry status`` / ``ctloop audit`` printed it as it was.

``ctloop approve --reason`` (and a pipeline's ``reason``) is kept in the promotion's audit record and printed by
``ctloop registry status`` ("promoted ... : <reason>") and ``ctloop audit`` (one line per record). A reason
holding a newline printed lines of its own — ``  consistent: every reader sees the same promotion state`` under a
registry that needs repair, or a forged audit record — and a terminal escape drove the terminal. Now the reason
(and every other stored text those lines quote) is printed as one line, its control characters escaped
(``ctloop.errors.one_line``), as ``ctloop runs`` prints run names. Against the real MLflow server on loopback."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.registry import MlflowRegistry
from tests.helpers import run_main

FORGED = "  consistent: every reader sees the same promotion state"
REASON = f"approved by eve: fine\n{FORGED}\r\x1b[2Jdone"


@pytest.fixture(scope="module")
def store(mlflow_url):
    """The session's real MLflow server (``tests/fixtures/servers.py``), a model of its own: v2 promoted with
    :data:`REASON`. Returns ``(tracking URI, model name)``."""
    name = f"r44-reason-{uuid.uuid4().hex[:8]}"
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    client.create_registered_model(name)
    for _ in range(2):
        client.create_model_version(name, f"s3://bucket/{name}")
    registry = MlflowRegistry(mlflow_url)
    registry.promote(name, "1", reason="first")
    registry.promote(name, "2", reason=REASON)
    return mlflow_url, name


def test_status_prints_the_reason_on_one_line(store, capsys):
    code, out, err = run_main(
        ["registry", "status", "--model-name", store[1], "--tracking-uri", store[0]], capsys, 60
    )
    assert code == 0, (code, out, err)
    lines = out.splitlines()
    promoted = next(line for line in lines if line.startswith("  promoted "))
    assert promoted.endswith("approved by eve: fine\\n" + FORGED + "\\r\\x1b[2Jdone"), promoted
    # the real line alone
    assert lines.count(FORGED) == 1 and "\x1b" not in out and "\r" not in out, out


def test_audit_prints_one_line_per_record(store, capsys):
    code, out, err = run_main(
        ["audit", "--model-name", store[1], "--tracking-uri", store[0]], capsys, 60
    )
    assert code == 0, (code, out, err)
    assert "\x1b" not in out and "\r" not in out, out
    records = [line for line in out.splitlines() if line and not line.startswith("champions:")]
    assert len(records) == 2 and FORGED not in records, out
