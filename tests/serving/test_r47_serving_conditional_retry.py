"""A deploy's retry of a failed revision and its relabel were unconditional merge patches.

``rollout._retry`` (a new revision of the unchanged spec after its latest one failed) and
``rollout._relabel`` (another registry version of the model directory the spec serves) sent their
patch without the read's ``metadata.resourceVersion``. Another writer between the read and the
patch (another run's deploy, a ``kubectl patch``) was overwritten: the retry set this deploy's
share on the other model's canary (and then reported this version a canary while the other
model served), the relabel wrote this version's label and sha256 over the other model's — the
runtime then refuses that model's file, whose hash differs. Both patches now carry the read's
resourceVersion (the API server answers 409, k8s.io/apiserver
``pkg/registry/generic/registry/store.go`` OptimisticLockErrorMsg): a change of the spec is
:class:`ChangedOutside`, nothing written; a label or a status update meanwhile is read again and
the patch sent again. Through tests/doubles/kube_api.py (no API server can run here)."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.rollout import ChangedOutside

NAME = "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))
SHA_A, SHA_B = "a" * 64, "b" * 64


class Meanwhile:
    """Another writer's patch lands between this rollout's read and its own next patch."""

    def __init__(self, isvcs, change):
        self.isvcs, self.change, self.namespace = isvcs, change, isvcs.namespace

    def get(self, name):
        return self.isvcs.get(name)

    def revision_source(self, revision):
        return self.isvcs.revision_source(revision)

    def patch(self, name, patch):
        if self.change:
            self.isvcs.patch(name, self.change)
            self.change = None
        return self.isvcs.patch(name, patch)


def _failed_canary(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    kube.fail_revisions(V2)
    with pytest.raises(ServingError):
        rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version="2",
            storage_uri=V2,
            percent=10,
            timeout_s=3,
        )
    kube.failing_uris.discard(V2)  # fixed in place: a retry would now start
    assert rollout._failed(isvcs.get(NAME))


def test_a_retry_does_not_move_another_models_canary(isvcs, kube):
    _failed_canary(isvcs, kube)
    other = specs.canary_patch(version="3", storage_uri=V3, percent=30)
    with pytest.raises(ChangedOutside, match="changed outside"):
        rollout.deploy(
            Meanwhile(isvcs, other),
            name=NAME,
            model_name="credit",
            version="2",
            storage_uri=V2,
            percent=10,
            timeout_s=4,
        )
    pred = isvcs.get(NAME)["spec"]["predictor"]
    assert pred["model"]["storageUri"] == V3 and pred["canaryTrafficPercent"] == 30
    assert specs.RETRY_ANNOTATION not in pred["annotations"]


def test_a_retry_still_lands_over_a_label_written_meanwhile(isvcs, kube):
    _failed_canary(isvcs, kube)
    label = {"metadata": {"labels": {"team": "risk"}}}
    state = rollout.deploy(
        Meanwhile(isvcs, label),
        name=NAME,
        model_name="credit",
        version="2",
        storage_uri=V2,
        percent=10,
        timeout_s=4,
    )
    assert state.action == "canary"
    pred = isvcs.get(NAME)["spec"]["predictor"]
    assert pred["canaryTrafficPercent"] == 10 and pred["annotations"][specs.RETRY_ANNOTATION]


def test_a_relabel_does_not_rename_another_model(isvcs, kube):
    rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version="1",
        storage_uri=V1,
        timeout_s=5,
        model_sha256=SHA_A,
    )
    other = specs.canary_patch(version="3", storage_uri=V3, percent=30, model_sha256=SHA_B)
    # v4 is another registry version of V1's model directory: the spec is relabelled
    with pytest.raises(ChangedOutside, match="changed outside"):
        rollout.deploy(
            Meanwhile(isvcs, other),
            name=NAME,
            model_name="credit",
            version="4",
            storage_uri=V1,
            timeout_s=4,
            model_sha256=SHA_A,
        )
    now = isvcs.get(NAME)
    assert now["spec"]["predictor"]["model"]["storageUri"] == V3
    assert specs.spec_version(now) == "3"
    assert now["spec"]["predictor"]["annotations"][specs.SHA256_ANNOTATION] == SHA_B


def test_a_relabel_still_lands_over_a_label_written_meanwhile(isvcs, kube):
    rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version="1",
        storage_uri=V1,
        timeout_s=5,
        model_sha256=SHA_A,
    )
    label = {"metadata": {"labels": {"team": "risk"}}}
    state = rollout.deploy(
        Meanwhile(isvcs, label),
        name=NAME,
        model_name="credit",
        version="4",
        storage_uri=V1,
        timeout_s=4,
        model_sha256=SHA_A,
    )
    assert state.action == "unchanged" and specs.spec_version(isvcs.get(NAME)) == "4"
