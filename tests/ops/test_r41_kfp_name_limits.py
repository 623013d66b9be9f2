"""Names KFP cannot store were sent, and KFP failed late: after ``apply`` had uploaded the pipelines,
or after it had created the ScheduledWorkflow or workflow (a 500 "Failed to store job/run": it then
ran without a KFP record).

kubeflow/pipelines 2.17.0: ``backend/src/apiserver/validation/length.go`` (``LengthSpecs``: a pipeline
name 128 bytes, a version 127, an experiment 128; Go's ``len``, bytes) and the MySQL columns of
``model/*.go`` (a pipeline version's ``Name`` ``varchar(127)``, which the upload gives the first
version; a recurring run's and a run's ``DisplayName`` and ``Description`` ``varchar(255)``:
``client_manager.go`` ``DefaultStringSize: 255``, refused by MySQL 8.4 in strict mode with Error 1406,
after ``resource_manager.go`` ``CreateJob``/``CreateRun`` made the Kubernetes object). Now a name over
its limit is refused up front in one line naming the flag or key (exit 2, nothing sent), and the
description ``apply`` writes into a schedule (its spec hash, generation, the pinned ``rollout`` version
and ``metadata.name``) is kept within 255 characters: with KFP's 36-character ids it was longer for a
model whose challengers wait for ``ctloop approve``.
"""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line
from tests.helpers import REPO

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]


@pytest.mark.parametrize("command, flag, value", [
    (["upload"], "--pipeline-name", "p" * 128),
    (["upload"], "--pipeline-name", "é" * 65),  # 65 characters, 130 bytes
    (["schedule", "--cron", "0 0 3 * * *", *TRIGGER_PARAMS], "--job-name", "j" * 256),
    (["schedule", "--cron", "0 0 3 * * *", *TRIGGER_PARAMS], "--experiment", "e" * 129),
    (["trigger", *TRIGGER_PARAMS], "--run-name", "r" * 256),
], ids=["pipeline", "pipeline-bytes", "job", "experiment", "run"])
def test_a_name_kfp_cannot_store_is_refused_before_anything_is_sent(monkeypatch, tmp_path, capsys, command, flag,
                                                                    value):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main([*command, "--host", kfp.url, flag, value])
        line = one_error_line(capsys)
        assert code == 2, line
        assert flag in line and "KFP stores" in line, line
        assert kfp.writes() == [] and kfp.orphans == [], kfp.writes()


@pytest.mark.parametrize("flag, value", [("--pipeline-name", "p" * 127), ("--job-name", "j" * 255),
                                         ("--experiment", "e" * 128)])
def test_names_at_the_limit_are_stored(monkeypatch, tmp_path, capsys, flag, value):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert main(["schedule", "--host", kfp.url, "--cron", "0 0 3 * * *", *TRIGGER_PARAMS, flag, value]) == 0, capsys.readouterr().err
        assert len(kfp.state.recurring) == 1 and kfp.orphans == []


def _spec(tmp_path, **changes):
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["models"] = [data["models"][0]]  # rollout.approval: required with an InferenceService
    data["models"][0].pop("monitoring", None)
    data["kfp"].pop("host")
    data["kfp"].pop("namespace")
    data.update(changes)
    path = tmp_path / "ctloop.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_an_experiment_name_kfp_cannot_store_is_refused_before_apply_uploads(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        path = _spec(tmp_path, kfp={"experiment": "x" * 129})
        assert main(["apply", "-f", str(path), "--host", kfp.url]) == 2
        err = capsys.readouterr().err
        assert "kfp.experiment" in err and "Traceback" not in err, err
        assert kfp.writes() == [], kfp.writes()


def test_a_pinned_schedule_of_a_named_spec_fits_kfps_description_column(monkeypatch, tmp_path, capsys):
    from ctloop.ops.platform import PIN_MARK, Platform

    with kfp_for_cli(monkeypatch, tmp_path, uuid_ids=True) as kfp:
        path = _spec(tmp_path, metadata={"name": "team-credit-risk-models"})
        assert main(["apply", "-f", str(path), "--host", kfp.url]) == 0, capsys.readouterr().err
        assert kfp.orphans == [], kfp.orphans  # no ScheduledWorkflow left without its recurring run
        (schedule,) = kfp.state.recurring.values()
        assert len(schedule["description"]) <= 255 and f"{PIN_MARK}rollout=" in schedule["description"]
        assert "ctloop-spec:team-credit-risk-models" in schedule["description"]
        capsys.readouterr()
        assert main(["apply", "-f", str(path), "--host", kfp.url]) == 0  # applied again: nothing changes
        out = capsys.readouterr().out
        assert "schedule ct-credit-default unchanged" in out, out
        assert list(kfp.state.recurring) == [schedule["recurring_run_id"]]
        experiment_id = schedule["experiment_id"]
        pinned = Platform(host=kfp.url).pinned_version(experiment_id, "ct-credit-default", "rollout")
        assert pinned == tuple(schedule["description"].split(f"{PIN_MARK}rollout=")[1].split(";")[0].split("/"))


def test_a_schedule_with_the_whole_hash_is_still_this_specs(monkeypatch, tmp_path, capsys):
    """A description that fits keeps its line and the whole hash (what earlier applies wrote)."""
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        path = _spec(tmp_path)
        assert main(["apply", "-f", str(path), "--host", kfp.url]) == 0, capsys.readouterr().err
        (schedule,) = kfp.state.recurring.values()
        assert schedule["description"].startswith("ctloop schedule ct-credit-default, cron in UTC; ")
        assert main(["apply", "-f", str(path), "--host", kfp.url]) == 0
        assert "schedule ct-credit-default unchanged" in capsys.readouterr().out
