"""An InferenceService name too long for its tag-routing host is refused before it is created.

ctloop creates InferenceServices with ``serving.kserve.io/enable-tag-routing: "true"``, so KServe
v0.20.0 names its Knative targets ``latest`` and ``prev`` (``ksvc_reconciler.go``
``createKnativeService``) on the Knative Service ``<name>-predictor``, and Knative serves each
tag at ``{{.Tag}}-{{.Name}}`` (config-network's default tag template) under the domain. Knative
refuses a host whose label passes 63 characters (knative-v1.21.1
``pkg/reconciler/route/domains/domains.go`` ``DomainNameFromTemplate``:
``IsFullyQualifiedDomainName``), its Route reports no traffic, and KServe's status has no
``traffic[]`` (kserve#2428, kserve#1377). A name of 47..63 characters passed every check (a
Kubernetes name allows 63) and the first deploy waited out its timeout; the most a name may have
is 63 - len("latest-" + "-predictor") = 46.

Through KubeApiDouble (tests/doubles/kube_api.py), whose Route here fails as Knative's does for a
tag host over 63 characters."""

from __future__ import annotations

import time

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS = "ml"
V1 = "gs://models/v1"


class KnativeHostLimit(KubeApiDouble):
    """Knative's Route refuses a tag host label over 63 characters: no traffic is reported."""

    def _reconcile_once(self, key):
        super()._reconcile_once(key)
        if len(f"latest-{key[1]}-predictor") > 63:
            self.objects[key]["status"]["components"]["predictor"]["traffic"] = []


@pytest.fixture
def cluster():
    with KnativeHostLimit(ready_after_reads=1) as double:
        yield double


def _deploy(cluster, name):
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    return rollout.deploy(
        isvcs, name=name, model_name="credit", version="1", storage_uri=V1, timeout_s=2
    )


def test_a_name_too_long_for_the_tag_host_is_refused_before_anything_is_written(cluster):
    name = (
        "credit-default-gradient-boosted-churn-model-v2x"  # 47 characters: a valid Kubernetes name
    )
    started = time.monotonic()
    with pytest.raises(ServingError) as err:
        _deploy(cluster, name)
    assert time.monotonic() - started < 1.5, "waited for traffic Knative never reports"
    message = str(err.value)
    assert f"'latest-{name}-predictor'" in message and "at most 46 characters" in message, message
    assert "nothing written" in message and "\n" not in message
    assert not [c for c in cluster.calls if c[0] != "GET"]


def test_a_name_of_46_characters_is_deployed(cluster):
    name = "credit-default-gradient-boosted-churn-model-v2"
    assert len(name) == 46
    state = _deploy(cluster, name)
    assert state.action == "created" and cluster.traffic(NS, name) == {state.latest_revision: 100}
