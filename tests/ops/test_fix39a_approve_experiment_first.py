"""``ctloop approve --experiment <typo>`` must record nothing.

The experiment check (KFP has no such experiment: refused, exit 2) ran after
``approval.decide`` had tagged the version APPROVED, so the mistyped approval could no longer be
rejected (``ctloop reject``: "already approved", exit 2) — a decision made by a typo. Now the
experiment is checked before anything is recorded: the version stays pending, and both a
rejection and an approval with the right name work. Experiments as kubeflow/pipelines 2.17.0
``backend/src/apiserver/server/experiment_server.go`` (``tests/doubles/kfp_api.py``).
"""

from __future__ import annotations

import pytest

from ctloop import approval
from ctloop.cli import main
from tests.doubles.kfp_cli import one_error_line
from tests.ops.test_r39_kfp_approve_experiment import MODEL, _apply, _approve, kfp, registry  # noqa: F401, F811

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_a_mistyped_experiment_leaves_the_version_pending_and_rejectable(kfp, registry, sqlite_tracking, capsys):  # noqa: F811
    _apply(kfp)
    tags = dict(registry.get_version(MODEL, "2").tags)
    capsys.readouterr()
    assert _approve(sqlite_tracking, kfp.url, "ctlop") == 2
    line = one_error_line(capsys)
    assert "--experiment 'ctlop'" in line and "nothing was recorded" in line, line
    assert "is recorded" not in line, line
    assert dict(registry.get_version(MODEL, "2").tags) == tags  # still pending, nobody recorded as approver
    assert not approval.recorded(registry, MODEL, "2", approval.APPROVED)
    assert approval.pending(registry, MODEL).version == "2"

    code = main(["reject", "--model-name", MODEL, "--version", "2", "--reason", "changed my mind",
                 "--by", "alice", "--tracking-uri", sqlite_tracking])
    assert code == 0, capsys.readouterr()
    assert registry.get_version(MODEL, "2").tags.get(approval.TAG_STATE) == approval.REJECTED
    assert approval.pending(registry, MODEL) is None
    assert not kfp.state.runs
