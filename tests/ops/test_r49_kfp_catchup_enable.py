"""Round 49, kfp surface: enabling again a schedule that catches up warns of the backfill.

kubeflow/pipelines 2.17.0 ``backend/src/crd/controller/scheduledworkflow/util/scheduled_workflow.go``
(``getNextScheduledEpoch``): with ``no_catchup`` false the next run is the tick
after the last one started, and a disabled schedule starts none, so a schedule disabled by hand for a
week and enabled again by ``ctloop apply`` started one run for every missed tick (``max_concurrency``
at a time) without a word. Now apply says so (also in a dry run); with ``no_catchup`` true (the
default) nothing is said. The KFP API is the repo's double."""

from __future__ import annotations

import pytest

from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.doubles.kfp_cli import emptied
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
GOLDEN = REPO / "tests" / "golden" / "pipelines" / "continuous-training.yaml"


@pytest.fixture(scope="module")
def _double():
    with KfpApiDouble() as double:  # one server for the module: stopping one waits up to 20 ms
        yield double


@pytest.fixture
def kfp(_double, monkeypatch, tmp_path):
    """The module's KFP double, emptied (what KFP holds, the calls) for each test."""
    return emptied(_double, monkeypatch, tmp_path)


@pytest.mark.parametrize(("no_catchup", "dry_run"), [(False, False), (False, True), (True, False)])
def test_enabling_a_catch_up_schedule_again_warns(kfp, no_catchup, dry_run):
    said: list[str] = []
    platform = Platform(host=kfp.url, warn=said.append)
    upload = platform.ensure_pipeline("continuous-training", GOLDEN)
    args = dict(
        experiment_id=platform.ensure_experiment("ctloop"),
        job_name="ct-credit",
        pipeline_id=upload.pipeline_id,
        version_id=upload.version_id,
        cron="0 0 3 * * *",
        params={"model_name": "credit"},
        no_catchup=no_catchup,
        max_concurrency=2,
    )
    rid = platform.reconcile_schedule(**args).recurring_run_id
    assert said == []
    kfp.state.recurring[rid]["status"] = "DISABLED"  # disabled by hand in the KFP UI
    result = platform.reconcile_schedule(**args, dry_run=dry_run)
    assert result.action == ("would-enable" if dry_run else "enabled")
    if no_catchup:
        assert said == []
    else:
        (line,) = said
        verb = "would be" if dry_run else "is"
        assert line.startswith(
            f"schedule ct-credit ({rid}) {verb} enabled again with no_catchup false: KFP starts "
            "one run for every tick it missed while disabled, 2 at a time"
        ), line
