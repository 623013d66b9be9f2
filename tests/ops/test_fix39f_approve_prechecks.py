"""``ctloop approve`` refuses, with nothing recorded, what ``Platform.create_run`` would refuse.

Review F2: the check before the approval was recorded asked KFP only for ``--experiment``; the
other checks of the create (the backend's release, the pinned or newest ``rollout`` pipeline
version) ran after ``approved`` was written. A wrong ``--host``/``--namespace`` whose KFP has an
experiment ``ctloop`` but no ``rollout`` pipeline exited 2 with the version left approved, and
``ctloop reject`` then failed "already approved". Now every check of the create runs before the
decision is recorded (the version stays pending: approve with the right host, or reject), and the
create takes what they resolved.

KFP modelled on kubeflow/pipelines 2.17.0 (``tests/doubles/kfp_api.py``): ``GET /healthz``
``tag_name`` (``backend/src/apiserver/main.go``), pipelines listed by ``display_name``.
"""

from __future__ import annotations

import pytest

from ctloop import approval
from ctloop.cli import main
from ctloop.ops.platform import KEY_MARK, Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_r39_kfp_approve_experiment import GOLDEN, MODEL, SCHEDULE, _apply, _approve
from tests.ops.test_r39_kfp_approve_experiment import registry as registry  # noqa: F401  (the fixture)

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as double:
        yield double


def error_line(capsys) -> str:
    """The command's one ``error: …`` line (a warning may precede it), no traceback."""
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _reject(uri) -> int:
    return main(["reject", "--model-name", MODEL, "--version", "2", "--reason", "wrong cluster, not this model",
                 "--by", "alice", "--tracking-uri", uri])


def test_no_rollout_pipeline_leaves_the_version_pending(kfp, registry, sqlite_tracking, capsys):
    Platform(host=kfp.url).ensure_experiment("ctloop")  # another KFP: the experiment, no rollout pipeline
    capsys.readouterr()
    assert _approve(sqlite_tracking, kfp.url, "ctloop") == 2
    line = error_line(capsys)
    assert "rollout" in line and "nothing was recorded" in line and "pending" in line, line
    assert registry.get_version(MODEL, "2").tags.get(approval.TAG_STATE) == approval.PENDING
    assert not approval.recorded(registry, MODEL, "2", approval.APPROVED)
    assert not kfp.state.runs
    assert _reject(sqlite_tracking) == 0  # still a decision to take
    assert registry.get_version(MODEL, "2").tags.get(approval.TAG_STATE) == approval.REJECTED


def test_an_old_backend_leaves_the_version_pending(monkeypatch, tmp_path, registry, sqlite_tracking, capsys):
    with kfp_for_cli(monkeypatch, tmp_path, tag_name="2.14.0") as kfp:
        platform = Platform(host=kfp.url, allow_old_backend=True)  # what apply --allow-old-backend left
        ct = platform.ensure_pipeline("continuous-training", GOLDEN / "continuous-training.yaml")
        rollout = platform.ensure_pipeline("rollout", GOLDEN / "rollout.yaml")
        platform.reconcile_schedule(experiment_id=platform.ensure_experiment("ctloop"), job_name=SCHEDULE,
                                    pipeline_id=ct.pipeline_id, version_id=ct.version_id, cron="0 0 3 * * *",
                                    params={}, pins={"rollout": (rollout.pipeline_id, rollout.version_id)})
        capsys.readouterr()
        assert _approve(sqlite_tracking, kfp.url, "ctloop") == 2
        line = error_line(capsys)
        assert "2.14.0" in line and "nothing was recorded" in line, line
        assert registry.get_version(MODEL, "2").tags.get(approval.TAG_STATE) == approval.PENDING
        assert not kfp.state.runs


def test_the_create_uses_what_was_checked(kfp, registry, sqlite_tracking, capsys):
    """One approval: the pinned version resolved before the record is the one started, and no second
    lookup of it follows the record."""
    pinned = _apply(kfp)
    capsys.readouterr()
    before = len(kfp.calls)
    assert _approve(sqlite_tracking, kfp.url, "ctloop") == 0
    (run,) = kfp.state.runs.values()
    assert run["pipeline_version_reference"]["pipeline_version_id"] == pinned
    assert run["description"] == KEY_MARK + approval.rollout_key(MODEL, approval.Decision(
        "2", True, "alice", "", {}, at=registry.get_version(MODEL, "2").tags[approval.TAG_AT]))
    healthz = [c for c in kfp.calls[before:] if "healthz" in c.path]
    recurring = [c for c in kfp.calls[before:] if "recurringruns" in c.path]
    assert len(healthz) == 1 and len(recurring) == 1, (healthz, recurring)
