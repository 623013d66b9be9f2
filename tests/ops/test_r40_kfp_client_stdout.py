"""kfp 2.17.0's ``kfp.Client`` prints links to stdout beside ctloop's own output.

``kfp/client/client.py`` (kfp 2.17.0): ``create_experiment`` prints ``Experiment details: <link>``,
``upload_pipeline`` and ``upload_pipeline_version`` ``Pipeline details: <link>``, ``run_pipeline``
``Run details: <link>`` (outside IPython: ``auth.is_ipython()``), and ``_load_config`` ``Failed to load
kube config.``. ctloop's commands document their stdout (``ctloop trigger`` prints ``run_id=<id>``,
``upload`` one ``pipeline NAME: ACTION (version V)`` line): a script reading ``$(ctloop trigger ...)``
got the link lines too (on stderr they would stand beside a failing command's one ``error:`` line).
kfp's prints are now dropped; ctloop's stdout is what it documents.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]


def test_trigger_prints_only_its_run_id(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(["trigger", "--host", kfp.url, "--experiment", "fresh-experiment", *TRIGGER_PARAMS])
        (run_id,) = kfp.state.runs
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out == f"run_id={run_id}\n", captured.out
    assert "Experiment details" not in captured.err


def test_upload_prints_only_its_line(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert main(["upload", "--host", kfp.url]) == 0
        first = capsys.readouterr()
        assert main(["upload", "--host", kfp.url, "--image", "registry.example.com/ml/ctloop:build-2"]) == 0
        second = capsys.readouterr()
    for captured in (first, second):
        lines = captured.out.splitlines()
        assert len(lines) == 1 and lines[0].startswith("pipeline continuous-training: "), captured.out
    assert "Pipeline details" not in first.err + second.err
