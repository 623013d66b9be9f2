"""``ctloop approve --reason`` with a link in it: recorded, then refused, the version stuck approved.

The rollout run an approval starts carries ``reason`` ("approved by <by>: <reason>") as a parameter, and
``Platform.create_run`` refuses a parameter holding a URL with a credential (KFP 2.17.0 shows a run's
parameters to everyone who may list the namespace's runs). ``approve`` checked the reason for characters KFP
cannot store before recording the approval, but not for credentials: a reason linking a page with ``?token=``
— or, while ``?key=`` counted everywhere, a Google Sheets link — was recorded (state ``approved``), then
refused with exit 2 and no rollout run, and every later ``approve`` resumed the stored reason and was
refused again. Now the reason, the approver and the run's parameters are checked before anything is
recorded (exit 2, one line, the version still pending, a hint for a reason: leave the token out), and an
approval an older ctloop recorded that way takes the reason of a later ``approve``.

The KFP API is the CLI double of ``tests/doubles/kfp_cli.py``; the registry is a real sqlite MLflow store."""

from __future__ import annotations

import pytest

from ctloop import approval
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_fix41e_approve_astral import _approve, _state, _stuck
from tests.ops.test_r39_kfp_approve_experiment import MODEL, _apply
from tests.ops.test_r39_kfp_approve_experiment import registry as registry  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
SECRET = "s3cretv4lue"
MODEL_VERSION = (MODEL, "2")


def test_a_reason_with_a_token_is_refused_before_the_approval_is_recorded(
    monkeypatch, tmp_path, registry, sqlite_tracking, capsys
):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _apply(kfp)
        capsys.readouterr()
        reason = f"checks in https://wiki.corp/runbook?token={SECRET}"
        assert _approve(kfp, sqlite_tracking, reason=reason) == 2
        err = capsys.readouterr().err.strip()
        print(err)
        assert len(err.splitlines()) == 1 and "Traceback" not in err, err
        assert err.count("--reason") >= 2 and "token=***" in err and SECRET not in err, err
        assert "leave it out of --reason" in err and "nothing was recorded" in err, err
        assert _state(registry) == approval.PENDING
        assert not approval.recorded(registry, *MODEL_VERSION, approval.APPROVED)
        assert not kfp.state.runs
        # a link whose ?key= names a document (Google Sheets) is no credential: approved and rolled out
        reason = "checks in https://docs.google.com/spreadsheet/ccc?key=0AmXqDOCIDabc"
        assert _approve(kfp, sqlite_tracking, reason=reason) == 0, capsys.readouterr().err
        assert _state(registry) == approval.APPROVED and len(kfp.state.runs) == 1
        assert "key=0AmXqDOCIDabc" in str(next(iter(kfp.state.runs.values())))


def test_an_approval_recorded_with_a_token_takes_a_new_reason(
    monkeypatch, tmp_path, registry, sqlite_tracking, capsys
):
    _stuck(
        registry, reason=f"see https://wiki.corp/runbook?token={SECRET}"
    )  # what approve left before
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _apply(kfp)
        capsys.readouterr()
        assert _approve(kfp, sqlite_tracking, reason="fairness review passed") == 0, (
            capsys.readouterr().err
        )
        assert len(kfp.state.runs) == 1 and SECRET not in str(next(iter(kfp.state.runs.values())))
        tags = registry.get_version(*MODEL_VERSION).tags
        assert tags[f"{approval.TAG_REASON}.{approval.APPROVED}"] == "fairness review passed"
        assert approval.pending(registry, MODEL_VERSION[0]) is None
