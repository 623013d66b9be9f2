"""What a rollback's audit record says of alias ``challenger`` when a step is retried or the alias
write fails (review 51, H2 finding 4). Real ``mlflow server`` on loopback (the fixtures of
test_r51_rollback_challenger_alias.py); the cluster is tests/doubles/kube_api.py's Kubernetes API
double (a double of the Kubernetes API)."""

from __future__ import annotations

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import ConfigError, RegistryError, ServingError
from ctloop.registry import CHALLENGER, TAG_ROLLOUT_STATUS
from ctloop.serving import release
from ctloop.serving.kube import InferenceServices
from ctloop.storage import kserve_storage_uri
from tests.doubles.kube_api import KubeApiDouble
from tests.integration.test_r51_rollback_challenger_alias import (  # noqa: F401 - fixtures
    ISVC,
    NS,
    _canary_of_v2,
    isvcs,
    model,
)

pytestmark = pytest.mark.slow


def test_a_retried_rollback_does_not_say_the_version_was_never_challenger(model):  # noqa: F811
    """The rollback removes the alias, then its record_event fails; KFP retries the step, which
    found no alias and recorded ``not set (v2 was not challenger)`` — false: it was, until the
    attempt before removed it. A version already tagged rolled back says so."""
    reg, _, _, name = model
    reg.set_tags(name, "2", {TAG_ROLLOUT_STATUS: "rolled_back"})
    assert reg.drop_challenger(name, "2") == "removed from v2"  # the first attempt
    assert (
        reg.drop_challenger(name, "2") == "not on v2 (already removed, or never set)"
    )  # the retry
    assert CHALLENGER not in reg.aliases(name)


def test_a_failed_deploys_alias_error_is_not_called_a_failed_record(model, monkeypatch):  # noqa: F811
    """A failed deploy rolled back, its record written, and only the alias removal failed (a fault
    injected into the real registry's drop_challenger: MLflow answering 503): the step said
    "traffic is back on v1, but recording it failed" — the record was written."""
    reg, _, _, name = model
    cfg = RolloutConfig(
        inference_service=ISVC, namespace=NS, traffic_plan=[5, 50], timeout_seconds=10
    )

    def drop_fails(model_name, version, **_):
        raise RegistryError(
            f"cannot remove alias 'challenger' of {model_name!r} from v{version}: 503"
        )

    monkeypatch.setattr(reg, "drop_challenger", drop_fails)
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        release.deploy(reg, isvcs, model_name=name, version="1", cfg=cfg, run_id="run-1")
        kube.fail_revisions(kserve_storage_uri(reg.model_artifact_uri(name, "2")))
        with pytest.raises(ServingError) as failed:
            release.deploy(reg, isvcs, model_name=name, version="2", cfg=cfg, run_id="run-2")
    message = str(failed.value)
    assert "recording it failed" not in message, message
    assert message.endswith(
        f"; traffic is back on v1; alias challenger: cannot remove alias 'challenger' of {name!r} from v2: 503"
    ), message
    record = [r for r in reg.run_events(name, "run-2") if r.get("event") == "rollback"]
    assert record and record[-1]["challenger_alias"] == (
        f"error: cannot remove alias 'challenger' of {name!r} from v2: 503"
    )


def test_a_rolled_back_version_deployed_again_is_no_longer_marked_rolled_back(model):  # noqa: F811
    """``ctloop.rollout.status=rolled_back`` stayed on a version for good, also once a new run
    deployed it again: ``_point_challenger`` excluded it from challenger forever (review 51, H2
    finding 5). The deploy now overwrites the mark."""
    reg, _, _, name = model
    cfg = RolloutConfig(
        inference_service=ISVC, namespace=NS, traffic_plan=[5, 50], timeout_seconds=10
    )
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        release.deploy(reg, isvcs, model_name=name, version="1", cfg=cfg, run_id="run-1")
        release.deploy(reg, isvcs, model_name=name, version="2", cfg=cfg, run_id="run-2")
        release.rollback(
            reg,
            isvcs,
            model_name=name,
            failed_version="2",
            reason="error rate",
            cfg=cfg,
            run_id="run-2",
        )
        assert reg.get_version(name, "2").tags[TAG_ROLLOUT_STATUS] == "rolled_back"
        release.deploy(reg, isvcs, model_name=name, version="2", cfg=cfg, run_id="run-3")
    tags = reg.get_version(name, "2").tags
    assert (tags[TAG_ROLLOUT_STATUS], tags["ctloop.rollout.pipeline_run"]) == (
        "deployed",
        "run-3",
    )  # was: rolled_back
    reg._point_challenger(name, 1)  # a register settling the alias: the newest ready version
    assert reg.aliases(name)[CHALLENGER] == "2"  # was: 1 (v2 excluded for good)


def test_a_first_rollback_of_a_version_never_challenger_says_so(model, isvcs):  # noqa: F811
    """The rollback tags the version rolled back before it removes the alias: read after the tag, every
    first rollback of a version that never held the alias said "already removed, or never set" (review
    of r51-fix-h2); the tag is read before it is written."""
    reg, _, _, name = model
    cfg = _canary_of_v2(reg, isvcs, name)
    reg.client.delete_registered_model_alias(name, CHALLENGER)  # v2 never held it (another register's)
    release.rollback(reg, isvcs, model_name=name, failed_version="2", reason="test", cfg=cfg)
    record = [r for r in reg.audit_log(name) if r.get("event") == "rollback"][-1]
    assert record["challenger_alias"] == "not set (v2 was not challenger)", record


@pytest.mark.parametrize(("given", "said"), [("v5", "'v5'"), ("1.0", "'1.0'")])
def test_a_to_version_that_is_no_version_number_is_bad_input_and_serving_untouched(model, isvcs, given, said):  # noqa: F811
    reg, _, _, name = model
    cfg = _canary_of_v2(reg, isvcs, name)
    before = isvcs.get(ISVC)
    with pytest.raises(ConfigError) as refused:
        release.rollback(reg, isvcs, model_name=name, failed_version="2", reason="t", cfg=cfg, to_version=given)
    assert str(refused.value).startswith(f"--to-version / to_version {said}: model version"), refused.value
    assert isvcs.get(ISVC)["spec"] == before["spec"]


def test_a_to_version_written_01_is_version_1_not_another(model, isvcs):  # noqa: F811
    """MLflow reads '01' as v1: compared as written ('01' != '1'), a rollback of the failed v1 to '01'
    wrote v1 back as its own target (review of r51-fix-h2)."""
    reg, _, _, name = model
    cfg = RolloutConfig(inference_service=ISVC, namespace=NS, traffic_plan=[5, 50], timeout_seconds=10)
    release.deploy(reg, isvcs, model_name=name, version="1", cfg=cfg, run_id="run-1")
    with pytest.raises(ConfigError, match="so the failed version would go on serving"):
        release.rollback(reg, isvcs, model_name=name, failed_version="1", reason="t", cfg=cfg, to_version="01")


def test_a_failed_version_written_02_loses_the_challenger_alias(model, isvcs):  # noqa: F811
    """A component's failed_version '02' (MLflow's v2) was normalised for the traffic only: the
    bookkeeping tagged and compared '02', so the alias stayed ("on v2, not v02: left")."""
    reg, _, _, name = model
    cfg = _canary_of_v2(reg, isvcs, name)
    release.rollback(reg, isvcs, model_name=name, failed_version="02", reason="test", cfg=cfg)
    assert CHALLENGER not in reg.aliases(name)
    record = [r for r in reg.audit_log(name) if r.get("event") == "rollback"][-1]
    assert record["challenger_alias"] == "removed from v2", record
