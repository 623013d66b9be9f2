"""``ctloop apply`` leaves an archived experiment's schedules alone, and prints another's schedule
names escaped.

Archiving an experiment (kubeflow/pipelines 2.17.0 ``backend/src/apiserver/resource/
resource_manager.go`` ``ArchiveExperiment``) disables every recurring run in it and sets its
``storage_state`` to ``ARCHIVED`` (v2beta1 ``experiment.proto`` ``StorageState``); nothing in the API
server refuses enabling them again (``ChangeJobMode``) or creating runs and recurring runs in it
(``CreateRun``, ``CreateJob``). ``apply`` found the schedule unchanged but disabled and enabled it:
schedules someone had stopped on purpose started runs again. ``trigger`` started a run in it.

A schedule ``apply`` lists as not declared by the spec is anyone's (its owner mark is text in a
description): its name was printed raw, terminal escapes and line breaks included.
"""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from ctloop.cli.ops import apply_spec
from ctloop.errors import ConfigError
from ctloop.ops.platform import Platform
from ctloop.ops.spec import parse_spec
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line
from tests.helpers import REPO
from tests.ops.pipelines_memo import pipelines_memo  # noqa: F401 - used through pytestmark

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops)
]


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as double:
        yield double


def _spec():
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["models"] = [data["models"][0]]
    data["kfp"]["namespace"] = ""
    data["metadata"] = {"name": "team-credit"}
    return parse_spec(data)


def _archive(double, experiment_id: str) -> None:
    """What 2.17.0 ``ArchiveExperiment`` does: its recurring runs disabled, the experiment ARCHIVED."""
    for rec in double.state.recurring.values():
        if rec["experiment_id"] == experiment_id:
            rec["status"] = "DISABLED"
    double.state.experiments[experiment_id]["storage_state"] = "ARCHIVED"


def _apply(double, spec, dry_run=False, out=None):
    return apply_spec(spec, platform_factory=lambda _: Platform(host=double.url), image=None, dry_run=dry_run,
                      out=out or (lambda *_: None))


@pytest.mark.parametrize("dry_run", [False, True])
def test_apply_leaves_the_schedules_of_an_archived_experiment_disabled(kfp, dry_run):
    spec = _spec()
    _apply(kfp, spec)
    (experiment_id,) = kfp.state.experiments
    _archive(kfp, experiment_id)
    writes = len(kfp.writes())
    with pytest.raises(ConfigError) as exc:
        _apply(kfp, spec, dry_run=dry_run)
    assert "is archived" in str(exc.value) and "unarchive_experiment" in str(exc.value), exc.value
    assert {r["status"] for r in kfp.state.recurring.values()} == {"DISABLED"}
    assert len(kfp.writes()) == writes  # nothing enabled, created or uploaded after the lookup


def test_trigger_starts_no_run_in_an_archived_experiment(kfp, capsys):
    experiment_id = Platform(host=kfp.url).ensure_experiment("ctloop")
    _archive(kfp, experiment_id)
    assert main(["trigger", *TRIGGER_PARAMS, "--host", kfp.url]) == 2
    assert "experiment 'ctloop' (experiment-1) is archived" in one_error_line(capsys)
    assert not kfp.state.runs


def test_a_restored_experiment_is_scheduled_again(kfp):
    spec = _spec()
    _apply(kfp, spec)
    (experiment_id,) = kfp.state.experiments
    _archive(kfp, experiment_id)
    kfp.state.experiments[experiment_id]["storage_state"] = "AVAILABLE"  # UnarchiveExperiment: jobs stay disabled
    actions = _apply(kfp, spec)
    assert {a["action"] for a in actions if "recurring_run_id" in a} == {"enabled"}
    assert {r["status"] for r in kfp.state.recurring.values()} == {"ENABLED"}


def test_a_foreign_schedule_name_is_printed_escaped(kfp):
    spec = _spec()
    _apply(kfp, spec)
    rec = next(iter(kfp.state.recurring.values()))
    hostile = {**rec, "recurring_run_id": "recurring-99", "display_name": "evil\x1b[2J\nerror: forged"}
    kfp.state.recurring["recurring-99"] = hostile  # marked ctloop-spec:team-credit, not declared by the spec
    lines: list[str] = []
    _apply(kfp, spec, dry_run=True, out=lines.append)
    (line,) = [x for x in lines if "recurring-99" in x]
    assert "\x1b" not in line and "\n" not in line and "evil\\x1b[2J\\nerror: forged" in line, line
