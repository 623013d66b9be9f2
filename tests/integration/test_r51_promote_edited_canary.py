"""A canary edited by hand between ``analyze_canary`` and ``promote_model`` (same model, same
share, another revision) was promoted: the revision nobody analysed got 100 % and the registry's
champion alias. Real ``mlflow server`` on loopback (the fixtures of
test_r51_rollback_challenger_alias.py); the cluster is tests/doubles/kube_api.py's Kubernetes API
double (a double of the Kubernetes API), which makes a new revision of a changed predictor as
KServe v0.20.0 does (``components/predictor.go``, ``ksvc_reconciler.go``)."""

from __future__ import annotations

import pytest

from ctloop.registry import CHAMPION
from ctloop.serving import release
from ctloop.serving.rollout import ChangedOutside
from tests.integration.test_r51_rollback_challenger_alias import (  # noqa: F401 - fixtures
    ISVC,
    NS,
    _canary_of_v2,
    isvcs,
    model,
)

pytestmark = pytest.mark.slow


def test_a_promotion_refuses_a_canary_edited_by_hand_after_its_analysis(model, isvcs):  # noqa: F811
    """Edited by hand between analyze_canary and promote_model (a memory limit raised with ``kubectl
    edit``): the same storageUri and share, so the promotion checks passed, but the edit made a new
    revision (KServe v0.20.0 copies the predictor into the Knative revision template) that nobody
    analysed, and promoting gave it 100 % and the registry's champion alias. Now the promotion
    compares the revision the analysis judged (its record's ``canary_revision``) with the
    InferenceService's ``latestCreatedRevision`` and ``metadata.generation`` with
    ``status.observedGeneration``: changed, nothing is promoted."""
    reg, _, _, name = model
    cfg = _canary_of_v2(reg, isvcs, name)
    judged = isvcs.get(ISVC)["status"]["components"]["predictor"]["latestCreatedRevision"]
    result = release.analyze(
        reg,
        isvcs,
        model_name=name,
        version="2",
        cfg=cfg,
        deploy_action="canary",
        canary_revision=judged,
        stable_revision="",
        run_id="run-2",
        check=lambda percent: (True, "fine", {}),
    )
    assert result.decision == "promote"
    edit = {"spec": {"predictor": {"model": {"resources": {"limits": {"memory": "2Gi"}}}}}}
    isvcs.patch(ISVC, edit)  # kubectl edit: same model, same share, a new revision
    edited = isvcs.get(ISVC)
    assert edited["status"]["components"]["predictor"]["latestCreatedRevision"] != judged
    with pytest.raises(ChangedOutside) as refused:
        release.promote(
            reg,
            isvcs,
            model_name=name,
            version="2",
            reason="canary passed",
            cfg=cfg,
            run_id="run-2",
        )
    latest = edited["status"]["components"]["predictor"]["latestCreatedRevision"]
    assert str(refused.value) == (
        f"InferenceService {NS}/{ISVC} was changed outside this rollout: the analysis judged revision {judged}, its "
        f"latest revision is now {latest} (the spec edited since); promoting would give 100 % to a revision nobody "
        "analysed; nothing promoted (whoever changed it decides: run the rollout again to analyse it, or ctloop "
        "rollout promote)"
    )
    assert (judged, latest) == (
        "credit-predictor-00002",
        "credit-predictor-00003",
    )  # as docs/serving.md shows
    after = isvcs.get(ISVC)
    # was: removed, the edit at 100 %
    assert after["spec"]["predictor"]["canaryTrafficPercent"] == 50
    assert reg.aliases(name)[CHAMPION] == "1"  # was: 2


def test_an_analysis_holds_a_canary_edited_by_hand_during_a_check(model, isvcs):  # noqa: F811
    """Edited by hand while a step's check ran: the next step gave the new, unjudged revision the
    next share and the walk went on judging it as the canary deployed. Now the spec read after the
    check (``rollout.check_unchanged``) sees another latest revision: changed outside, held."""
    reg, _, _, name = model
    cfg = _canary_of_v2(reg, isvcs, name)
    judged = isvcs.get(ISVC)["status"]["components"]["predictor"]["latestCreatedRevision"]
    edit = {"spec": {"predictor": {"model": {"env": [{"name": "WORKERS", "value": "4"}]}}}}
    checked: list[int] = []

    def check(percent: int):
        if not checked:
            isvcs.patch(ISVC, edit)  # kubectl edit during the 5 % step's interval
        checked.append(percent)
        return True, "fine", {}

    result = release.analyze(
        reg,
        isvcs,
        model_name=name,
        version="2",
        cfg=cfg,
        deploy_action="canary",
        canary_revision=judged,
        stable_revision="",
        run_id="run-2",
        check=check,
    )
    assert (result.decision, checked) == ("hold", [5]), result  # was: promote, judged at 5 and 50 %
    assert f"the analysis judged revision {judged}, its latest revision is now " in result.reason
    assert isvcs.get(ISVC)["spec"]["predictor"]["canaryTrafficPercent"] == 5  # not moved to 50
