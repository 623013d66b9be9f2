"""``ctloop runs`` prints names others chose as one escaped line each.

A KFP run's display name (and a task's) is any text its creator gave: anyone who can create runs
in the profile. ``ctloop runs`` printed it raw: a line break forged table rows and an escape
sequence (OSC/CSI) drove the reader's terminal. Now written with ``ctloop.errors.one_line``.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops.test_platform import isolate_kfp_env

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

EVIL = "nightly\x1b]0;owned\x07\n2026-01-01 00:00:00  SUCCEEDED  fake"


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    isolate_kfp_env(monkeypatch, tmp_path)
    with KfpApiDouble() as double:
        yield double


def test_run_and_task_names_are_printed_escaped_one_line_each(kfp, capsys):
    kfp.add_run("", EVIL, "FAILED", tasks=[("train-model\x1b[2J", "FAILED")])
    kfp.add_run("", "plain", "SUCCEEDED")
    assert main(["runs", "--host", kfp.url, "--experiment", ""]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    lines = out.splitlines()
    assert len(lines) == 3, out  # the header and one line per run
    assert "nightly\\x1b]0;owned\\x07\\n" in out and "failed: train-model\\x1b[2J" in out
