"""Set-up shared by round 59's release tests (test_r59_cluster, test_r59_fixcl, test_r59_fixcl2)."""

from __future__ import annotations

from ctloop.config import RolloutConfig
from ctloop.errors import RegistryError
from ctloop.serving import release
from tests.serving.test_fix38b_release_deploy_rollback import NAME, _v1_deployed
from tests.serving.test_rollout_components import NS


def stalled_v2(kube, monkeypatch=None, keep=None, timeout=0.3):
    """v1 serving (the release tests' registry double), v2's revisions never ready, no retry index set.
    ``keep`` (tests/serving/test_r58_fixcl.py ``_kept`` or test_r59_fixcl ``_kept_with_runs``) keeps v2's
    tags and the audit records: returns ``isvcs, reg, cfg, tags, records``."""
    if monkeypatch is not None:
        monkeypatch.delenv(release.RETRY_INDEX_ENV, raising=False)
    isvcs, _, reg = _v1_deployed(kube)
    tags, records = keep(reg) if keep is not None else ({}, [])
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=timeout)
    kube.stall_revisions("gs://models/v2")
    return isvcs, reg, cfg, tags, records


def refusing_first_record(reg, refused: list[str], matches) -> None:
    """MLflow refuses the first audit record ``matches`` picks (a 503); ``refused`` gets its version."""
    kept = reg.record_event

    def record_event(m, v, event):
        if matches(event) and not refused:
            refused.append(str(v))
            raise RegistryError("cannot write the audit record: 503 Service Unavailable")
        kept(m, v, event)

    reg.record_event = record_event
