"""``rollout.approval: required`` switched off in ctloop.yaml while a challenger waits.

In KFP nothing stale stays: ``apply`` replaces the model's ``ct-`` schedule by one without the
``ctloop-pin:rollout=`` mark (the pins are part of the schedule's hash) and retires the pinned one,
so no schedule pins a rollout version any more (checked here).

In the registry the version that was waiting keeps ``pending-approval``: a person may still decide
it. But the next continuous-training run registers a newer version that is released without
approval and becomes champion; approving the old one afterwards promoted (or canaried) the OLDER
model over the newer champion, without a word. :func:`ctloop.approval.request` already records an
approval request older than the champion as superseded; ``approve`` now refuses it the same way,
in one line naming the champion and how to clear it (``ctloop reject``), and changes nothing.
A real (sqlite) MLflow registry; the KFP API double (kubeflow/pipelines 2.17.0, ``tests/doubles``).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import yaml

from ctloop import approval
from ctloop.cli import main
from tests.helpers import REPO

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]

MODEL = "credit-approval-off"


@pytest.fixture
def registry(sqlite_tracking):
    from tests.integration.registry_support import register_fitted

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300)})
    frame["y"] = (frame.x > 0).astype(int)
    return register_fitted(sqlite_tracking, MODEL, frame, seeds=(1, 2, 3))


def test_apply_with_approval_switched_off_leaves_no_rollout_pin(monkeypatch, tmp_path):
    from ctloop.cli.ops import apply_spec
    from ctloop.ops.platform import PIN_MARK, Platform
    from ctloop.ops.spec import parse_spec
    from tests.doubles.kfp_cli import kfp_for_cli

    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["models"] = [data["models"][0]]
    data["models"][0].pop("monitoring", None)
    off = copy.deepcopy(data)
    off["models"][0]["rollout"]["approval"] = "none"
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        def apply(spec):
            apply_spec(parse_spec(spec), platform_factory=lambda _: Platform(host=kfp.url), image=None,
                       dry_run=False, out=lambda *_: None)
            experiment_id = next(iter(kfp.state.experiments))
            return experiment_id, [r for r in kfp.state.recurring.values() if r["display_name"] == "ct-credit-default"]

        experiment_id, (pinned,) = apply(data)
        assert f"{PIN_MARK}rollout=" in pinned["description"]
        experiment_id, (schedule,) = apply(off)
        assert schedule["recurring_run_id"] != pinned["recurring_run_id"] and PIN_MARK not in schedule["description"]
        assert Platform(host=kfp.url).pinned_version(experiment_id, "ct-credit-default", "rollout") is None


def test_approving_a_version_older_than_the_champion_is_refused(registry, sqlite_tracking, capsys):
    approval.request(registry, MODEL, "2", reason="approval required", rollout={"approval": "required"})
    # approval switched off: the next run's v3 is released without it and becomes champion
    registry.promote(MODEL, "3", reason="auto-promote")
    assert main(["approve", "--model-name", MODEL, "--version", "2", "--reason", "review passed",
                 "--by", "alice", "--tracking-uri", sqlite_tracking]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert "cannot approve credit-approval-off v2" in err and "v3" in err and "champion" in err, err
    assert "ctloop reject" in err, err
    assert registry.champion(MODEL).version == "3"  # not replaced by the older model
    assert registry.get_version(MODEL, "2").tags[approval.TAG_STATE] == "pending"
    assert main(["reject", "--model-name", MODEL, "--version", "2", "--reason", "superseded by v3",
                 "--tracking-uri", sqlite_tracking]) == 0
    assert approval.pending(registry, MODEL) is None and registry.champion(MODEL).version == "3"
