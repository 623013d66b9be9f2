"""``ctloop approve --experiment`` naming an experiment KFP does not have.

The rollout run of an approval goes into ``--experiment``: the spec's ``kfp.experiment``, whose
``ct-<model>`` schedule pins the rollout version ``ctloop apply`` uploaded. A mistyped name
(``ctlop``) made ``approve`` create that experiment (``Platform.create_run`` ensured it) and start
the newest rollout upload there, with only a warning that no schedule pins one: a canary of code
the spec never pinned, in an experiment nobody looks at. Now it is refused in one line naming
``--experiment``, the value and the experiments KFP has, exit 2; nothing is created in KFP, and
the approval (recorded before KFP is asked, as when KFP is down) stays pending: ``ctloop approve``
again with the right name starts the pinned rollout.

Experiments are modelled on kubeflow/pipelines 2.17.0 (``tests/doubles/kfp_api.py``:
``backend/src/apiserver/server/experiment_server.go`` ``ListExperiments`` with a ``display_name``
EQUALS filter; an experiment is created only by ``CreateExperiment``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop import approval
from ctloop.cli import main
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli, one_error_line
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines"
MODEL = "credit-approve-experiment"
SCHEDULE = f"ct-{MODEL}"
ROLLOUT = {"approval": "required", "inference_service": "credit-default", "namespace": "ctloop"}


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as double:
        yield double


@pytest.fixture
def registry(sqlite_tracking):
    from tests.integration.registry_support import register_fitted

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300)})
    frame["y"] = (frame.x > 0).astype(int)
    registry = register_fitted(sqlite_tracking, MODEL, frame, seeds=(1, 2))
    approval.request(registry, MODEL, "2", reason="approval required", rollout=ROLLOUT)
    return registry


def _apply(kfp) -> str:
    """What ``ctloop apply`` leaves for a model with ``rollout.approval: required``: experiment
    ``ctloop``, the ct- schedule pinning a rollout version; then another rollout upload (newest)."""
    platform = Platform(host=kfp.url)
    ct = platform.ensure_pipeline("continuous-training", GOLDEN / "continuous-training.yaml")
    rollout = platform.ensure_pipeline("rollout", GOLDEN / "rollout.yaml")
    experiment_id = platform.ensure_experiment("ctloop")
    platform.ensure_experiment("credit-monitoring")
    platform.reconcile_schedule(experiment_id=experiment_id, job_name=SCHEDULE, pipeline_id=ct.pipeline_id,
                                version_id=ct.version_id, cron="0 0 3 * * *", params={},
                                pins={"rollout": (rollout.pipeline_id, rollout.version_id)})
    return rollout.version_id


def _approve(uri, host, experiment):
    return main(["approve", "--model-name", MODEL, "--version", "2", "--reason", "fairness review passed",
                 "--by", "alice", "--tracking-uri", uri, "--host", host, "--experiment", experiment])


def test_a_wrong_experiment_is_refused_and_nothing_is_created(kfp, registry, sqlite_tracking, capsys):
    pinned = _apply(kfp)
    experiments = {e["display_name"] for e in kfp.state.experiments.values()}
    before = len(kfp.calls)
    capsys.readouterr()
    assert _approve(sqlite_tracking, kfp.url, "ctlop") == 2
    line = one_error_line(capsys)
    assert "--experiment 'ctlop'" in line and "'ctloop'" in line and "'credit-monitoring'" in line, line
    assert {e["display_name"] for e in kfp.state.experiments.values()} == experiments  # none created
    assert not kfp.state.runs
    assert not [c for c in kfp.calls[before:] if c.method in ("POST", "DELETE")]
    assert approval.pending(registry, MODEL).version == "2"  # the approval is carried out later

    assert _approve(sqlite_tracking, kfp.url, "ctloop") == 0
    (run,) = kfp.state.runs.values()
    assert run["pipeline_version_reference"]["pipeline_version_id"] == pinned
    assert approval.pending(registry, MODEL) is None


def test_no_experiment_at_all_says_to_apply_first(kfp, registry, sqlite_tracking, capsys):
    Platform(host=kfp.url).ensure_pipeline("rollout", GOLDEN / "rollout.yaml")
    capsys.readouterr()
    assert _approve(sqlite_tracking, kfp.url, "ctloop") == 2
    line = one_error_line(capsys)
    assert "--experiment 'ctloop'" in line and "none" in line and "ctloop apply" in line, line
    assert not kfp.state.experiments and not kfp.state.runs
