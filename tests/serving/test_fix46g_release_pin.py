"""release's pin-out with no champion pins only the failed model's canary (review G of round 46).

``_pin_out_then_raise`` read the spec, saw the failed v2's canary, then called
``rollout.set_traffic``, which read the spec again and pinned whatever canary it named: another
run's v3 deployed between the two reads was pinned to 0 % and the message said v2's had been.
The double is tests/doubles/kube_api.py (no API server can run here)."""

import pytest

from ctloop.errors import RegistryError
from ctloop.serving import release, rollout
from tests.doubles.kube_api import KubeApiDouble
from tests.serving.test_fix38b_release_deploy_rollback import NAME, _v1_deployed


def test_a_model_deployed_between_the_reads_is_not_pinned_out():
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
        reg.champ = None  # the champion's registry version deleted: nothing to write back
        real_get, reads = isvcs.get, []

        def get(name, deadline=None):
            obj = real_get(name, deadline)
            reads.append(obj)
            if len(reads) == 1:  # right after the pin-out's read: another run deploys v3 at 10 %
                isvcs.patch(
                    NAME,
                    {
                        "spec": {
                            "predictor": {
                                "model": {"storageUri": "gs://models/v3"},
                                "canaryTrafficPercent": 10,
                            }
                        }
                    },
                )
            return obj

        isvcs.get = get
        with pytest.raises(RegistryError) as err:
            release.rollback(
                reg, isvcs, model_name="credit", failed_version="2", reason="bad", cfg=cfg
            )
        now = real_get(NAME)
        assert now["spec"]["predictor"]["model"]["storageUri"] == "gs://models/v3"
        assert now["spec"]["predictor"]["canaryTrafficPercent"] == 10, "v3's canary was pinned out"
        assert "canary pinned to 0 %" not in str(err.value)
        assert "pinning the failed v2's canary to 0 % failed too" in str(err.value)
        assert "gs://models/v3" in str(err.value) and "nothing written" in str(err.value)


def test_the_failed_models_canary_is_still_pinned_out():
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
        with pytest.raises(RegistryError, match="the failed v2's canary pinned to 0 %"):
            release.rollback(
                reg, isvcs, model_name="credit", failed_version="2", reason="bad", cfg=cfg
            )
        assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 0
