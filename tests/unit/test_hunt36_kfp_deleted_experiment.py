"""``ctloop apply --prune`` retires a schedule whose experiment was deleted.

kubeflow/pipelines 2.17.0 deletes only the experiment's row (``backend/src/apiserver/storage/
experiment_store.go`` ``DeleteExperiment``): its recurring runs stay, keep firing and keep their
``experiment_id``. Listing runs by that id is then ``404 NotFound`` (``run_server.go`` ``listRuns``:
``GetNamespaceFromExperimentId``). ``kfp.experiment`` renamed, the old experiment deleted: every
``apply --prune`` disabled the old schedule, failed with "HTTP 404 ... check --host and the ids"
while checking its runs in flight, and never deleted it. Runs are listed by ``recurring_run_id``
instead (a v2beta1 filter key: ``model/run.go`` ``runAPIToModelFieldMap``).
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as double:
        yield double


GOLDEN = REPO / "tests" / "golden" / "pipelines" / "continuous-training.yaml"


def _schedule(platform: Platform, experiment: str, job: str) -> tuple[str, str]:
    """A ct- schedule of the compiled golden pipeline (no compile: fast), as ``apply`` makes it."""
    upload = platform.ensure_pipeline("continuous-training", GOLDEN)
    experiment_id = platform.ensure_experiment(experiment)
    result = platform.reconcile_schedule(experiment_id=experiment_id, job_name=job, pipeline_id=upload.pipeline_id,
                                         version_id=upload.version_id, cron="0 0 3 * * *", params={},
                                         owner="credit")
    return experiment_id, result.recurring_run_id


def _delete_experiment(double, experiment_id: str) -> None:
    request = urllib.request.Request(f"{double.url}/apis/v2beta1/experiments/{experiment_id}", method="DELETE")
    urllib.request.urlopen(request, timeout=5).read()


@pytest.mark.parametrize("in_flight", [False, True])
def test_prune_retires_the_schedules_of_a_deleted_experiment(kfp, in_flight):
    platform = Platform(host=kfp.url)
    old_experiment, old = _schedule(platform, "ctloop", "ct-credit-default")
    _schedule(platform, "ctloop-v2", "ct-credit-default")  # kfp.experiment renamed
    kfp.add_run(old_experiment, "done", "SUCCEEDED", recurring_run_id=old)
    if in_flight:
        kfp.add_run(old_experiment, "ct-long", "RUNNING", recurring_run_id=old)
    _delete_experiment(kfp, old_experiment)

    pipeline_id = platform.find_pipeline("continuous-training")
    foreign = platform.foreign_schedules({pipeline_id}, {"ct-credit-default"}, set(), owner="credit")
    foreign = [r for r in foreign if r.experiment_id == old_experiment]
    assert [r.recurring_run_id for r in foreign] == [old]
    retired, kept = platform.retire(foreign)

    assert (retired, kept) == (([], [old]) if in_flight else ([old], []))
    assert (old in kfp.state.recurring) == in_flight
    if in_flight:
        assert kfp.state.recurring[old]["status"] == "DISABLED"


def test_the_double_answers_runs_of_a_deleted_experiment_as_the_server_does(kfp):
    experiment, _ = _schedule(Platform(host=kfp.url), "ctloop", "ct-credit-default")
    _delete_experiment(kfp, experiment)
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(f"{kfp.url}/apis/v2beta1/runs?experiment_id={experiment}", timeout=5)
    assert exc.value.code == 404 and b"ResourceNotFoundError" in exc.value.read()
