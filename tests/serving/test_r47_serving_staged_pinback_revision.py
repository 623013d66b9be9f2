"""A rollback of a deploy "staged at 0 %" starts no revision of its model; a pin-back starts one at 0 %.

A deploy after an unfinished rollback writes its model at 0 % first, marked on the
InferenceService (``isvc.STAGED_ANNOTATION``); round 46 made every pin-back of such a spec delete
the marker, so that a deploy run again would not resume it. But KServe v0.20.0 copies the
InferenceService's annotations into the Knative revision template (``components/predictor.go``
``buildPredictorResources``/``buildObjectMeta``, ``reconcilers/knative/ksvc_reconciler.go``
``createKnativeService``): deleting it made a new revision of the model being pinned back — of a
model whose revision had failed (crash-looping again, keeping the InferenceService not Ready) or
in the middle of a rollback that replaces it anyway. Now: a rollback whose restore follows leaves
the marker (the restore's new generation voids it, :func:`rollout._staged`); a pin-back with
nothing after it deletes it, its revision failed or not (round 48: a failed revision can turn ready
later, and a deploy run again would resume it) — one new revision at 0 %, routed nothing.
Through tests/doubles/kube_api_template.py, whose revision template holds the InferenceService's annotations as KServe's does (no API server can run here).
"""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api_template import TemplateKubeApiDouble, revision_template

NS, NAME = "ml", "credit"
V1, V2, V3 = "gs://models/v1", "gs://models/v2", "gs://models/v3"


def _deploy(isvcs, version, uri, percent=10, timeout_s=4):
    return rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version=version,
        storage_uri=uri,
        percent=percent,
        timeout_s=timeout_s,
    )


def _staged(kube, *, v3_fails=False):
    """v1 serving, v2's canary pinned back to 0 % (a rollback that stopped there), v3 then written
    at 0 % first and its deploy stopped before the move to its share (its revision failed, or the
    step's pod gone)."""
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    _deploy(isvcs, "1", V1)
    _deploy(isvcs, "2", V2)
    rollout.set_traffic(isvcs, NAME, 0, timeout_s=4)
    assert rollout._parked(isvcs.get(NAME))
    if v3_fails:
        kube.fail_revisions(V3)
        with pytest.raises(ServingError, match="failed"):
            _deploy(isvcs, "3", V3)
    else:
        real = rollout._from_zero

        def stop_after_the_ready_wait(isvcs_, name, current, **kw):
            # the staging's revision ready at 0 %, then the pod goes before the move to its share
            rollout._wait_split(
                isvcs_,
                name,
                0,
                4,
                "v3 at 0 %",
                new_revision_after=kw["after"],
                created_before=kw["created"],
                written=0,
                model=V3,
            )
            raise KeyboardInterrupt

        rollout._from_zero = stop_after_the_ready_wait
        try:
            with pytest.raises(KeyboardInterrupt):
                _deploy(isvcs, "3", V3)
        finally:
            rollout._from_zero = real
    now = isvcs.get(NAME)
    assert rollout.staged_at_zero(now) or v3_fails
    assert specs.STAGED_ANNOTATION in now["metadata"]["annotations"]
    return isvcs


def test_the_double_makes_a_revision_of_an_isvc_annotation_change():
    obj = specs.inference_service(
        NAME, namespace=NS, model_name="credit", version="1", storage_uri=V1
    )
    marked = specs.merge_patch(obj, {"metadata": {"annotations": {"a/b": "c"}}})
    assert revision_template(marked) != revision_template(obj)
    applied = specs.merge_patch(
        obj,
        {"metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}}},
    )
    assert revision_template(applied) == revision_template(obj)


def test_a_rollback_of_a_staged_model_makes_no_revision_of_it():
    with TemplateKubeApiDouble(ready_after_reads=1) as kube:
        isvcs = _staged(kube)
        made = kube.revisions_of(NS, NAME, V3)
        state = rollout.rollback(
            isvcs, NAME, version="1", storage_uri=V1, timeout_s=4, failed_storage_uri=V3
        )
        assert state.action == "rolled_back"
        assert kube.revisions_of(NS, NAME, V3) == made  # no new revision of the model rolled back
        assert kube.traffic(NS, NAME) == {kube.revisions_of(NS, NAME, V1)[-1]: 100}
        assert not rollout.staged_at_zero(isvcs.get(NAME))


def test_a_rollback_of_a_staged_model_whose_revision_failed_makes_no_revision_of_it():
    with TemplateKubeApiDouble(ready_after_reads=1) as kube:
        isvcs = _staged(kube, v3_fails=True)
        made = kube.revisions_of(NS, NAME, V3)
        state = rollout.rollback(
            isvcs, NAME, version="1", storage_uri=V1, timeout_s=4, failed_storage_uri=V3
        )
        assert state.action == "rolled_back"
        assert kube.revisions_of(NS, NAME, V3) == made


def test_pinning_a_failed_staged_model_starts_one_revision_at_0_and_a_deploy_again_is_refused():
    with TemplateKubeApiDouble(ready_after_reads=1) as kube:
        isvcs = _staged(kube, v3_fails=True)
        before = kube.revisions_of(NS, NAME, V3)
        rollout.set_traffic(isvcs, NAME, 0, timeout_s=4)
        # round 48: the marker goes for a failed revision too (it can turn ready later): exactly
        # one new revision of v3, at 0 %, and deploying v3 again is refused
        made = kube.revisions_of(NS, NAME, V3)
        assert made[:-1] == before and len(made) == len(before) + 1
        assert not rollout.staged_at_zero(isvcs.get(NAME))
        with pytest.raises(ServingError, match="canaryTrafficPercent 0"):
            _deploy(isvcs, "3", V3)
        assert kube.revisions_of(NS, NAME, V3) == made
        assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 0
        assert kube.traffic(NS, NAME).get(made[-1], 0) == 0


def test_pinning_a_staged_model_that_loads_still_voids_the_marker():
    # nothing after the pin voids it: the marker goes (one revision at 0 % of a model that loads),
    # and deploying v3 again is refused as for any canary rolled back
    with TemplateKubeApiDouble(ready_after_reads=1) as kube:
        isvcs = _staged(kube)
        rollout.set_traffic(isvcs, NAME, 0, timeout_s=4)
        assert specs.STAGED_ANNOTATION not in (isvcs.get(NAME)["metadata"].get("annotations") or {})
        with pytest.raises(
            ServingError, match="canaryTrafficPercent 0: its canary was rolled back"
        ):
            _deploy(isvcs, "3", V3)
