"""A rollout refuses, writing nothing, an InferenceService KServe no longer reconciles.

KServe v0.20.0 (``pkg/controller/v1beta1/inferenceservice/controller.go`` ``Reconcile``) stops
reconciling an InferenceService being deleted — ``metadata.deletionTimestamp`` set, which stays
while a finalizer is pending — and skips one annotated ``serving.kserve.io/disable-auto-update:
"true"`` while it is Ready. ctloop patched such a service and waited its whole timeout for a split
that never came (then reported a timeout, and ``release.deploy`` rolled the version back); now
deploy, ``canary``, promote and rollback refuse at once with one line, exit code 2, and a
deletion met during a wait ends it as a change outside. Through
tests/doubles/kube_api_template.py ReconcileGateDouble (no API server can run here)."""

from __future__ import annotations

import time

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from ctloop.serving.rollout import ChangedOutside
from tests.doubles.kube_api import write_kubeconfig
from tests.doubles.kube_api_template import DISABLE_AUTO_UPDATE, ReconcileGateDouble

NS, NAME = "ml", "credit"
V1, V2 = "gs://models/v1", "gs://models/v2"


@pytest.fixture
def kube():
    with ReconcileGateDouble(ready_after_reads=1) as double:
        yield double


@pytest.fixture
def isvcs(kube):
    return InferenceServices(NS, api_client=kube.api_client())


def _deploy(isvcs, version, uri, timeout_s=3):
    return rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version=version,
        storage_uri=uri,
        percent=10,
        timeout_s=timeout_s,
    )


def _deleting(kube):
    kube.objects[(NS, NAME)]["metadata"].update(
        {"deletionTimestamp": "2026-12-06T10:00:00Z", "finalizers": ["example.com/backup"]}
    )


def _auto_update_off(kube):
    kube.objects[(NS, NAME)]["metadata"]["annotations"][DISABLE_AUTO_UPDATE] = "true"


@pytest.mark.parametrize(
    "state,why",
    [(_deleting, "is being deleted"), (_auto_update_off, "disable-auto-update")],
    ids=["deleting", "auto-update-off"],
)
def test_a_deploy_is_refused_at_once_nothing_written(isvcs, kube, state, why):
    _deploy(isvcs, "1", V1)
    state(kube)
    t = time.monotonic()
    with pytest.raises(ServingError, match=why) as err:
        _deploy(isvcs, "2", V2)
    assert time.monotonic() - t < 2 and "nothing written" in str(err.value)
    assert isvcs.get(NAME)["spec"]["predictor"]["model"]["storageUri"] == V1
    assert [c for c in kube.calls if c[0] == "PATCH"] == []


def test_a_rollback_and_a_canary_move_are_refused_too(isvcs, kube):
    _deploy(isvcs, "1", V1)
    _deploy(isvcs, "2", V2)
    _deleting(kube)
    with pytest.raises(ServingError, match="is being deleted"):
        rollout.rollback(
            isvcs, NAME, version="1", storage_uri=V1, timeout_s=3, failed_storage_uri=V2
        )
    with pytest.raises(ServingError, match="is being deleted"):
        rollout.set_traffic(isvcs, NAME, 20, timeout_s=3)
    with pytest.raises(ServingError, match="is being deleted"):
        rollout.promote(isvcs, NAME, timeout_s=3)
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 10


def test_a_deletion_during_a_wait_ends_it(isvcs, kube):
    _deploy(isvcs, "1", V1)
    kube.stall()  # the canary's revision does not become ready
    real = isvcs.get

    def get(name):
        obj = real(name)
        if obj and obj["spec"]["predictor"]["model"]["storageUri"] == V2:
            _deleting(kube)
        return obj

    isvcs.get = get
    t = time.monotonic()
    with pytest.raises(ChangedOutside, match="is being deleted"):
        _deploy(isvcs, "2", V2, timeout_s=5)
    assert time.monotonic() - t < 3


def test_ctloop_rollout_canary_exits_2_with_one_line(isvcs, kube, tmp_path, monkeypatch, capsys):
    from ctloop.cli import main

    _deploy(isvcs, "1", V1)
    _deploy(isvcs, "2", V2)
    _deleting(kube)
    monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", kube.url))
    where = ["--isvc", NAME, "--namespace", NS]
    code = main(["rollout", "canary", *where, "--percent", "20", "--timeout", "5"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "is being deleted" in err, err
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 10
