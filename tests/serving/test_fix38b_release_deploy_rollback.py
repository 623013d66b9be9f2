"""release.deploy's rollback after a failed deploy.

* A deploy refused before anything was written (a Standard/RawDeployment service:
  ``isvc.check_deployment_mode``) was still rolled back; the rollback's "unchanged" path then
  waited its whole timeout for a ``traffic[]`` that mode never reports (KServe v0.20.0 fills
  ``status.components.predictor.traffic`` only from the Knative Service:
  ``inference_service_status.go`` ``PropagateStatus``). Nothing written, nothing to roll back;
  and rollout.rollback itself refuses such a service at once.
* A RegistryError of the bookkeeping (set_tags/record_event) after the rollback put traffic back
  read "rolling back ... failed too"; traffic IS back, only recording it failed.
"""

import time
from types import SimpleNamespace

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import RegistryError, ServingError
from ctloop.serving import release, rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit"


class Registry:
    champ = None
    tag_error = ""

    def champion(self, m):
        return self.champ

    def model_artifact_uri(self, m, v):
        return f"gs://models/v{v}"

    def serving_sha256(self, m, v):
        return ""

    def record_event(self, *a):
        pass

    def get_version(self, m, v):  # the version's tags, as a rollback reads them before it tags it
        return SimpleNamespace(version=str(v), tags={})

    def set_tags(self, m, v, tags):
        if self.tag_error:
            raise RegistryError(self.tag_error)

    def drop_challenger(self, m, v, rolled_back_before=None):  # no version is challenger here
        return f"not set (v{v} was not challenger)"


def _v1_deployed(kube, ready_after_reads=1):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=4)
    reg = Registry()
    release.deploy(reg, isvcs, model_name="credit", version="1", cfg=cfg)
    reg.champ = SimpleNamespace(version="1")
    return isvcs, cfg, reg


def _raw(kube):
    obj = kube.objects[(NS, NAME)]
    obj["metadata"].setdefault("annotations", {})["serving.kserve.io/deploymentMode"] = "RawDeployment"
    obj["status"] = {"deploymentMode": "RawDeployment", "conditions": [{"type": "PredictorReady", "status": "True"}],
                     "components": {"predictor": {"url": "http://credit-predictor.ml"}}}
    kube.stall()


def test_deploy_refused_before_writing_is_not_rolled_back():
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _v1_deployed(kube)
        _raw(kube)
        t = time.monotonic()
        with pytest.raises(ServingError) as err:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)
        assert time.monotonic() - t < 2
        assert "RawDeployment" in str(err.value) and "rolling back" not in str(err.value)
        assert kube.objects[(NS, NAME)]["spec"]["predictor"]["model"]["storageUri"] == "gs://models/v1"


def test_rollout_rollback_refuses_a_raw_deployment_at_once():
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _v1_deployed(kube)
        _raw(kube)
        t = time.monotonic()
        with pytest.raises(ServingError, match="RawDeployment"):
            rollout.rollback(isvcs, NAME, version="1", storage_uri="gs://models/v1", timeout_s=4)
        assert time.monotonic() - t < 2


def test_bookkeeping_error_after_a_rollback_says_traffic_is_back():
    with KubeApiDouble(ready_after_reads=2) as kube:
        isvcs, cfg, reg = _v1_deployed(kube)
        reg.tag_error = "cannot tag credit v2: MLflow answered 503"
        kube.fail_revisions("gs://models/v2")
        with pytest.raises(ServingError) as err:
            release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)
        msg = str(err.value)
        assert "failed too" not in msg
        assert "traffic is back on v1, but recording it failed" in msg and "MLflow answered 503" in msg
        assert kube.objects[(NS, NAME)]["spec"]["predictor"]["model"]["storageUri"] == "gs://models/v1"
