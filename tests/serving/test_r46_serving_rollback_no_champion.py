"""A rollback with no champion to write back still pins the failed canary out first.

``release.rollback`` resolved the version to roll back to before anything else: with no champion
(its registry version deleted by hand, which takes the ``champion`` alias with it; MLflow
``delete_model_version``) it raised "has no champion to roll back to" and wrote nothing, so the
failed canary kept its share for good (the analyze step had decided rollback, and the rollback
step failed). Abort wins for the failed model: the pin-back needs no champion, so it is written
first (``canaryTrafficPercent: 0``, all traffic on the stable revision), then the error says so.

Through KubeApiDouble (tests/doubles/kube_api.py) and the small registry of
tests/serving/test_fix38b_release_deploy_rollback.py."""

from __future__ import annotations

import pytest

from ctloop.errors import RegistryError
from ctloop.serving import release, rollout
from tests.doubles.kube_api import KubeApiDouble
from tests.serving.test_fix38b_release_deploy_rollback import NAME, NS, _v1_deployed


def test_no_champion_still_pins_the_failed_canary_out():
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _v1_deployed(kube)
        state = rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version="2",
            storage_uri="gs://models/v2",
            percent=10,
            timeout_s=4,
        )
        reg.champ = None  # v1 deleted from the registry: no champion alias left
        with pytest.raises(RegistryError) as err:
            release.rollback(
                reg, isvcs, model_name="credit", failed_version="2", reason="bad", cfg=cfg
            )
        message = str(err.value)
        assert "has no champion to roll back to" in message, message
        assert "v2's canary pinned to 0 %" in message and "--to-version" in message, message
        assert kube.traffic(NS, NAME)[state.latest_revision] == 0
        assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 0


def test_no_champion_and_no_failed_version_writes_nothing():
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs, cfg, reg = _v1_deployed(kube)
        rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version="2",
            storage_uri="gs://models/v2",
            percent=10,
            timeout_s=4,
        )
        reg.champ = None
        patches = sum(1 for method, _p, _b in kube.calls if method == "PATCH")
        with pytest.raises(RegistryError, match="has no champion to roll back to"):
            release.rollback(
                reg, isvcs, model_name="credit", failed_version="", reason="bad", cfg=cfg
            )
        assert sum(1 for method, _p, _b in kube.calls if method == "PATCH") == patches
