"""A recurring-run name whose ScheduledWorkflow name Kubernetes refuses is refused before anything is sent.

kubeflow/pipelines 2.17.0 ``backend/src/apiserver/template/template.go`` ``toSWFCRDResourceGeneratedName``
makes the ScheduledWorkflow's ``metadata.generateName`` from the display name: lower-cased,
``[^a-z0-9-]`` dropped, ``job-`` when nothing is left, 25 characters. ``-nightly`` (or ``é-nightly``)
leaves ``-nightly``, which Kubernetes refuses (an RFC 1123 name starts with a letter or digit), so
``resource/resource_manager.go`` ``CreateJob`` answers 500 with nothing created. ctloop had uploaded the
pipeline and created the experiment first, then printed the 500 with a hint that a ScheduledWorkflow
"may fire without a KFP recurring run" -- one that never existed.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]


@pytest.mark.parametrize("job", ["-nightly", "é-nightly", "_-nightly"])
def test_job_name_kubernetes_cannot_name_is_refused_first(monkeypatch, tmp_path, capsys, job):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(["schedule", "--host", kfp.url, "--cron", "0 0 3 * * *", f"--job-name={job}", *TRIGGER_PARAMS])
        line = one_error_line(capsys)
        assert code == 2, line
        assert not kfp.writes(), kfp.writes()
    assert "--job-name" in line and repr(job) in line and "letter or digit" in line, line
    assert "scheduledworkflows" not in line, line


def test_names_kubernetes_accepts_still_pass():
    from ctloop.ops.platform import check_name

    for job in ("_nightly", "nightly-", "Ünicode", "...", "credit-nightly"):
        assert check_name(job, "--job-name", "credit-nightly", "recurring run") == job


@pytest.mark.parametrize(("command", "flag"), [
    (["schedule", "--cron", "0 0 3 * * *"], "--job-name"),
    (["trigger"], "--run-name"),
    (["schedule", "--cron", "0 0 3 * * *"], "--pipeline-name"),
    (["upload", "--dry-run"], "--pipeline-name"),
])
def test_an_empty_name_flag_is_refused_not_replaced_by_the_default(monkeypatch, tmp_path, capsys, command, flag):
    """``--job-name "$JOB"`` with JOB unset gave the default name silently (a second schedule beside the one
    meant; ``--pipeline-name`` the default pipeline); a blank one was refused already."""
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        params = [] if command[0] == "upload" else TRIGGER_PARAMS
        code = main([command[0], "--host", kfp.url, *command[1:], f"{flag}=", *params])
        line = one_error_line(capsys)
        assert code == 2, line
        assert not kfp.writes(), kfp.writes()
    assert f"{flag} '' is blank" in line, line
