"""A storageUri KServe cannot download was written into the InferenceService: a run logged through
an MLflow server that proxies artifacts (``mlflow server`` with ``--serve-artifacts``, its default)
has ``mlflow-artifacts:/…`` artifact URIs, and so do ``runs:/``, ``dbfs:/`` ones. KServe v0.20.0's
controller takes a URI without ``<scheme>://`` for a local path
(``pkg/controller/v1beta1/inferenceservice/utils/utils.go`` ``ValidateStorageURI``) and its
storage initializer then fails ("Cannot recognize storage type", ``python/storage/kserve_storage/
kserve_storage.py`` ``Storage.download``): the revision never became ready, the deploy waited out
its timeout, and the spec named a model no pod can load. The URI is now checked against KServe's
``SupportedStorageURIPrefixList`` (and local paths) before anything is written. Through
KubeApiDouble."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout

NS, NAME = "ml", "credit-default"
V1 = "gs://models/run1/artifacts/model-joblib"
PROXIED = "mlflow-artifacts:/1/0f3c9a1b/artifacts/model-joblib"


@pytest.mark.parametrize("uri", [PROXIED, "runs:/0f3c9a1b/model-joblib", "dbfs:/databricks/mlflow/1/model-joblib",
                                 "s3a://bucket/model-joblib"])
def test_a_canary_kserve_cannot_download_is_refused_with_nothing_written(isvcs, kube, uri):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    writes = [c for c in kube.calls if c[0] != "GET"]
    with pytest.raises(ServingError, match=r"storageUri .* KServe's storage initializer cannot download") as err:
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=uri, percent=10, timeout_s=2)
    assert "not reached within" not in str(err.value)
    assert [c for c in kube.calls if c[0] != "GET"] == writes  # nothing written
    assert isvcs.get(NAME)["spec"]["predictor"]["model"]["storageUri"] == V1


def test_a_first_deployment_kserve_cannot_download_is_not_created(isvcs, kube):
    with pytest.raises(ServingError, match="--no-serve-artifacts"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=PROXIED, timeout_s=2)
    assert isvcs.get(NAME) is None


def test_a_rollback_to_a_uri_kserve_cannot_download_pins_back_and_writes_no_uri(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V1.replace("run1", "run2"),
                   percent=10, timeout_s=5)
    with pytest.raises(ServingError, match="traffic held at 0 %.*cannot download"):
        rollout.rollback(isvcs, NAME, version="1", storage_uri=PROXIED, timeout_s=2)
    # step 1, the pin-back, needs no champion URI (review G3, fix41g): the canary is at 0 %, the
    # champion's unusable URI is not written
    pred = isvcs.get(NAME)["spec"]["predictor"]
    assert pred["canaryTrafficPercent"] == 0 and pred["model"]["storageUri"] == V1.replace("run1", "run2")


@pytest.mark.parametrize("uri", ["gs://b/m", "s3://b/m", "file:///tmp/mlruns/1/r/artifacts/model-joblib",
                                 "https://acct.blob.core.windows.net/c/m", "pvc://claim/m", "hf://org/m",
                                 "/mnt/models/m"])
def test_uris_kserve_downloads_pass(uri):
    from ctloop.serving import isvc as specs

    specs.check_storage_uri(uri)
