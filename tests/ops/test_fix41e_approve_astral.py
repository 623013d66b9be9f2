"""``ctloop approve`` with a character beyond U+FFFF (an emoji) in ``--reason``, ``--by`` or the model name.

The rollout run of an approval carries ``reason`` ("approved by <by>: <reason>") and ``model_name`` as
parameters and is named ``rollout-<model>-v<n>``. kubeflow/pipelines 2.17.0 stores them through a
MySQL connection with ``charset=utf8`` (``backend/src/apiserver/client/sql.go`` ``CreateMySQLConfig``:
utf8mb3), which cannot hold such a character, so ``Platform.create_run`` refuses them (``refuse_astral``).
That check ran only after ``approval.decide`` had recorded the approval: the version stayed
"approved, rollout not started" for good (every later ``approve`` resumed with the stored reason and
was refused again; ``reject`` said "already approved"). Now the run's name and parameters are checked
before anything is recorded (exit 2, the version still pending); a version already stuck that way
takes the ``--reason``/``--by`` of a later ``approve`` in place of the stored ones, or can be rejected.
"""

from __future__ import annotations

import pytest

from ctloop import approval
from ctloop.cli import main
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_r39_kfp_approve_experiment import MODEL, _apply
from tests.ops.test_r39_kfp_approve_experiment import registry as registry  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
ROCKET = "\U0001F680"


def _approve(kfp, uri, reason="fairness review passed", by="alice"):
    return main(["approve", "--model-name", MODEL, "--version", "2", "--reason", reason, "--by", by,
                 "--tracking-uri", uri, "--host", kfp.url, "--experiment", "ctloop"])


def _state(registry):
    return registry.get_version(MODEL, "2").tags.get(approval.TAG_STATE)


@pytest.mark.parametrize("flag", ["reason", "by"])
def test_an_emoji_is_refused_before_the_approval_is_recorded(monkeypatch, tmp_path, registry, sqlite_tracking,
                                                               capsys, flag):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _apply(kfp)
        capsys.readouterr()
        given = {flag: f"ok {ROCKET}"}
        assert _approve(kfp, sqlite_tracking, **given) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "Traceback" not in err
        assert f"--{flag}" in err and "U+1F680" in err and "nothing was recorded" in err
        assert _state(registry) == approval.PENDING
        assert not approval.recorded(registry, MODEL, "2", approval.APPROVED)
        assert not kfp.state.runs
        # fixed: approved and rolled out
        assert _approve(kfp, sqlite_tracking) == 0
        assert _state(registry) == approval.APPROVED and len(kfp.state.runs) == 1


def _stuck(registry, reason=f"ok {ROCKET}"):
    """What an approval left before this fix: recorded, its rollout refused by create_run."""
    registry.set_tags(MODEL, "2", {approval.TAG_STATE: approval.APPROVED, approval.TAG_BY: "alice",
                                   approval.TAG_AT: "2026-12-01T00:00:00+00:00",
                                   f"{approval.TAG_REASON}.{approval.APPROVED}": reason})
    registry.record_event(MODEL, "2", {"event": approval.APPROVED, "by": "alice", "reason": reason})


def test_a_stuck_approval_is_carried_out_with_a_new_reason(monkeypatch, tmp_path, registry, sqlite_tracking,
                                                             capsys):
    _stuck(registry)
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _apply(kfp)
        capsys.readouterr()
        assert _approve(kfp, sqlite_tracking, reason="fairness review passed") == 0
        out = capsys.readouterr().out
        assert "fairness review passed" in out
        assert len(kfp.state.runs) == 1
        run = next(iter(kfp.state.runs.values()))
        assert ROCKET not in str(run)
        assert registry.get_version(MODEL, "2").tags[f"{approval.TAG_REASON}.{approval.APPROVED}"] == \
            "fairness review passed"
        assert approval.pending(registry, MODEL) is None


def test_a_stuck_approval_can_be_rejected(registry, sqlite_tracking, capsys):
    _stuck(registry)
    assert main(["reject", "--model-name", MODEL, "--version", "2", "--reason", "undo", "--by", "bob",
                 "--tracking-uri", sqlite_tracking]) == 0
    assert _state(registry) == approval.REJECTED
    assert approval.pending(registry, MODEL) is None
    assert approval.recorded(registry, MODEL, "2", approval.REJECTED)


def test_a_plain_approval_still_cannot_be_rejected(registry, sqlite_tracking, capsys):
    _stuck(registry, reason="fine")
    assert main(["reject", "--model-name", MODEL, "--version", "2", "--reason", "undo", "--by", "bob",
                 "--tracking-uri", sqlite_tracking]) != 0
    assert _state(registry) == approval.APPROVED


def test_a_model_name_with_an_emoji_is_refused_before_the_approval_is_recorded(monkeypatch, tmp_path,
                                                                                sqlite_tracking, capsys):
    import numpy as np
    import pandas as pd

    from tests.integration.registry_support import register_fitted

    name = f"credit-{ROCKET}"
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300)})
    frame["y"] = (frame.x > 0).astype(int)
    registry = register_fitted(sqlite_tracking, name, frame, seeds=(1,))
    approval.request(registry, name, "1", reason="approval required",
                     rollout={"approval": "required", "inference_service": "credit-default", "namespace": "ctloop"})
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _apply(kfp)
        capsys.readouterr()
        assert main(["approve", "--model-name", name, "--version", "1", "--reason", "ok", "--by", "alice",
                     "--tracking-uri", sqlite_tracking, "--host", kfp.url, "--experiment", "ctloop"]) == 2
        err = capsys.readouterr().err.strip()
        assert "--model-name" in err and "U+1F680" in err and "nothing was recorded" in err, err
        assert registry.get_version(name, "1").tags.get(approval.TAG_STATE) == approval.PENDING
        assert not kfp.state.runs
    assert main(["reject", "--model-name", name, "--version", "1", "--reason", "cannot roll out", "--by", "alice",
                 "--tracking-uri", sqlite_tracking]) == 0
