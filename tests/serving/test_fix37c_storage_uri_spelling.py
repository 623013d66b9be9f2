"""The canary's storageUri spelled another way in the spec — a trailing '/', the scheme in capitals,
'//' in the key (a hand-deployed or hand-edited spec; KServe's storage initializer reads them as
the same model: kserve v0.20.0 ``python/kserve/kserve/storage/storage.py`` strips the key's
leading '/' and downloads the prefix) — was "changed outside this rollout" at every check and at
promote (review revB c.py). It is the same model; another model is still refused."""

from __future__ import annotations

import pytest

from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary

NS, NAME = "ml", "credit-default"
V1, V2 = "s3://models/run1/artifacts/model", "s3://models/run2/artifacts/model"


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


@pytest.fixture
def isvcs(kube):
    return with_canary(InferenceServices(NS, api_client=kube.api_client()), NAME, V1, V2)


SPELLINGS = [V2 + "/", V2.replace("s3://", "S3://"), V2.replace("run2/", "run2//"),
             V2.replace("s3://models/", "s3://models//")]


def respell(kube, uri):
    kube.objects[(NS, NAME)]["spec"]["predictor"]["model"]["storageUri"] = uri


@pytest.mark.parametrize("spelled", SPELLINGS)
def test_the_same_model_spelled_another_way_is_not_changed_outside(isvcs, kube, spelled):
    respell(kube, spelled)
    rollout.check_unchanged(isvcs, NAME, percent=10, storage_uri=V2)
    state = rollout.promote(isvcs, NAME, timeout_s=5, storage_uri=V2, version="2")
    assert state.action == "promoted"


@pytest.mark.parametrize("other", [V1, V2 + "-b", V2.replace("s3://models/", "s3://Models/"), "gs" + V2[2:]])
def test_another_model_is_still_changed_outside(isvcs, kube, other):
    respell(kube, other)
    with pytest.raises(rollout.ChangedOutside, match="storageUri is"):
        rollout.check_unchanged(isvcs, NAME, percent=10, storage_uri=V2)
    with pytest.raises(rollout.ChangedOutside, match="being promoted"):
        rollout.promote(isvcs, NAME, timeout_s=5, storage_uri=V2, version="2")
