"""The pipeline a schedule pins is recognised by its ``name``, not its display name (review revF 3).

kubeflow/pipelines 2.17.0 ``backend/src/apiserver/model/pipeline.go``: ``Name`` is the pipeline's key
(``uniqueIndex:namespace_name``, set by the upload from ``?name=``), ``DisplayName`` free text that
``POST /apis/v2beta1/pipelines`` sets to anything. ``Platform.find_pipeline`` looks pipelines up by name;
``pinned_version`` still compared the schedule's pipeline's display name with ``continuous-training``:
for a pipeline of that name showing another display name it found no pin, and a monitoring trigger or
``ctloop approve`` started the newest version instead of the one the schedule runs.
"""

from __future__ import annotations

import pytest

from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_r40_kfp_pipeline_name_key import KeyedFilters, _seed

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _unmarked_schedule(platform, experiment_id: str, pid: str, vid: str) -> None:
    """A ``ct-`` schedule of that version without ctloop's ``ctloop-pin:`` mark (made by hand, or by
    an older ``ctloop apply``): its pipeline_version_reference is all that says what it runs."""
    import kfp_server_api

    platform._call(
        "create recurring run", platform.client._recurring_run_api.recurring_run_service_create_recurring_run,
        recurring_run=kfp_server_api.V2beta1RecurringRun(
            display_name="ct-credit", experiment_id=experiment_id, description="", mode="ENABLE",
            pipeline_version_reference=kfp_server_api.V2beta1PipelineVersionReference(
                pipeline_id=pid, pipeline_version_id=vid),
            trigger=kfp_server_api.V2beta1Trigger(
                periodic_schedule=kfp_server_api.V2beta1PeriodicSchedule(interval_second=3600)),
            max_concurrency=1, no_catchup=True))


def test_a_pin_of_a_pipeline_with_another_display_name_is_found(monkeypatch, tmp_path):
    from ctloop.ops.platform import Platform

    with kfp_for_cli(monkeypatch, tmp_path, cls=KeyedFilters) as kfp:
        pid = _seed(kfp, "continuous-training", "Continuous training (credit team)")
        pinned = kfp.state.versions[pid][0]["pipeline_version_id"]
        kfp.add_version(pid, name="newer")  # uploaded after the schedule was made: not what it runs
        platform = Platform(host=kfp.url)
        experiment_id = platform.ensure_experiment("credit-ct")
        _unmarked_schedule(platform, experiment_id, pid, pinned)
        assert platform.pinned_version(experiment_id, "ct-credit", "continuous-training") == (pid, pinned)


def test_a_pipeline_merely_displayed_as_the_name_is_not_pinned(monkeypatch, tmp_path):
    from ctloop.ops.platform import Platform

    with kfp_for_cli(monkeypatch, tmp_path, cls=KeyedFilters) as kfp:
        other = _seed(kfp, "someone-elses", "continuous-training")
        vid = kfp.state.versions[other][0]["pipeline_version_id"]
        platform = Platform(host=kfp.url)
        experiment_id = platform.ensure_experiment("credit-ct")
        _unmarked_schedule(platform, experiment_id, other, vid)
        assert platform.pinned_version(experiment_id, "ct-credit", "continuous-training") is None
