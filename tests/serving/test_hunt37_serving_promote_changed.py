"""promote_model (and ``ctloop rollout promote --model-name M --version V``) when the
InferenceService no longer holds the version being promoted: between the analysis' last check and
the promote task (another pod start) an operator or another run deployed another model as the
canary (``kubectl patch``, ``ctloop rollout canary``). Promoting removed ``canaryTrafficPercent``
all the same — KServe then routes 100 % to the latest revision (KServe v0.20.0
``pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go``: no canary
percent, one target ``latestRevision: true``) — so the other, unjudged model took all traffic,
while the registry made V the champion. Now the spec is checked first: nothing is patched, the
registry is not touched, one line says what the spec names.

The Kubernetes API double, a real MLflow store (tests/serving/test_rollout_components.py).
"""

from __future__ import annotations

import pytest

from ctloop.components.deploy.component import deploy_canary
from ctloop.components.promote.component import promote_model
from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving.kube import InferenceServices
from tests.serving.test_rollout_components import (
    ISVC,
    MODEL,
    NS,
    RELEASE,
    _walked_to_the_plans_last_step,
    kube,
    registered,
)

__all__ = ["kube", "registered"]  # fixtures

OTHER = "gs://models/run-other/artifacts/model-joblib"


def _deploy_then_replace(registered, kube):
    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    deploy_canary.python_func(model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri)
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    # by hand, meanwhile: another model as the canary (kubectl patch --type merge)
    isvcs.patch(ISVC, specs.canary_patch(version="3", storage_uri=OTHER, percent=5))
    for _ in range(3):
        isvcs.get(ISVC)  # the double's controller moves on reads
    return uri, registry, isvcs


def test_promote_model_refuses_a_spec_that_names_another_model(registered, kube):
    uri, registry, isvcs = _deploy_then_replace(registered, kube)
    before = kube.traffic(NS, ISVC)
    with pytest.raises(ServingError) as err:
        promote_model.python_func(model_name=MODEL, version="2", reason="canary passed", tracking_uri=uri,
                                  rollout=RELEASE)
    message = str(err.value)
    assert OTHER in message and "v2" in message and "\n" not in message, message
    assert kube.traffic(NS, ISVC) == before  # the other model's canary keeps its 5 %
    assert (isvcs.get(ISVC)["spec"]["predictor"]["canaryTrafficPercent"]) == 5
    assert registry.champion(MODEL).version == "1"


def test_the_cli_promote_of_a_version_refuses_the_same(registered, kube, capsys):
    from ctloop.cli import main

    uri, registry, _ = _deploy_then_replace(registered, kube)
    code = main(["rollout", "promote", "--isvc", ISVC, "--namespace", NS, "--timeout", "10",
                 "--model-name", MODEL, "--version", "2", "--tracking-uri", uri])
    err = capsys.readouterr().err
    assert code != 0 and OTHER in err, err
    assert registry.champion(MODEL).version == "1"


def test_promoting_the_version_the_spec_names_still_works(registered, kube):
    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    deploy_canary.python_func(model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri)
    _walked_to_the_plans_last_step(kube)
    promote_model.python_func(model_name=MODEL, version="2", reason="canary passed", tracking_uri=uri,
                              rollout=RELEASE)
    assert registry.champion(MODEL).version == "2" and list(kube.traffic(NS, ISVC).values()) == [100]
