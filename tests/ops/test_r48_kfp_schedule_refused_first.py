"""Round 48, kfp surface: ``ctloop schedule`` refuses what it cannot schedule before it uploads.

On a multi-user KFP (2.17.0: ``backend/src/apiserver/server/experiment_server.go``, "An experiment
cannot have an empty namespace in multi-user mode") without ``--namespace``, ``ctloop schedule``
uploaded the pipeline first — a shared one (``pipeline_upload_server.go`` ``UploadPipeline``: no
``namespace`` query) — and only then failed at the experiment, exit 2: the failed command left a
pipeline behind, beside the namespaced one the corrected command then uploads. An archived
experiment (``ArchiveExperiment``, ``storage_state`` ARCHIVED) was refused after the upload too.
Now both are refused before anything is written, as ``ctloop apply`` does."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]
CRON = ["--cron", "0 0 3 * * *"]


def test_multi_user_without_a_namespace_writes_nothing(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path, multi_user=True) as kfp:
        code = main(["schedule", "--host", kfp.url, *CRON, *TRIGGER_PARAMS])
        line = one_error_line(capsys)
        assert code == 2 and "is multi-user" in line and "--namespace <profile>" in line, line
        assert kfp.writes() == []


def test_with_the_namespace_it_schedules(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path, multi_user=True) as kfp:
        code = main(["schedule", "--host", kfp.url, *CRON, *TRIGGER_PARAMS, "--namespace", "team"])
        assert code == 0, capsys.readouterr().err
        assert [e["namespace"] for e in kfp.state.experiments.values()] == ["team"]
        assert len(kfp.state.recurring) == 1


def test_an_archived_experiment_writes_nothing(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        from ctloop.ops.platform import Platform

        eid = Platform(host=kfp.url).ensure_experiment("ctloop")
        kfp.state.experiments[eid]["storage_state"] = "ARCHIVED"
        before = len(kfp.writes())
        code = main(["schedule", "--host", kfp.url, *CRON, *TRIGGER_PARAMS])
        line = one_error_line(capsys)
        assert code == 2 and "is archived" in line, line
        assert len(kfp.writes()) == before and kfp.state.pipelines == {}
