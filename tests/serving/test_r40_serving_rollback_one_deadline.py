"""``rollout.rollback`` gave each of its three waits (all traffic back on the stable revision, the
champion's revision ready at 0 %, the champion at 100 %) the whole ``timeout_s``: up to three times
``--timeout`` while each message said "within N s" (review J of round 40; ``deploy`` already shares
one deadline). Now every wait of a rollback gets the same deadline, ``timeout_s`` after it starts.
The waits are recorded here, not run: a canary at 10 % (KServe v0.20.0 ``status.components.
predictor.traffic[]``, the latest revision marked ``latestRevision``) rolled back to v1."""

from __future__ import annotations

import time

from ctloop.serving import rollout

CANARY = {"metadata": {"name": "m", "generation": 3},
          "spec": {"predictor": {"canaryTrafficPercent": 10, "model": {"modelFormat": {"name": "sklearn"},
                                                                         "storageUri": "s3://b/v2"}}},
          "status": {"components": {"predictor": {
              "latestReadyRevision": "m-predictor-00002", "latestCreatedRevision": "m-predictor-00002",
              "latestRolledoutRevision": "m-predictor-00001",
              "traffic": [{"revisionName": "m-predictor-00001", "percent": 90},
                          {"revisionName": "m-predictor-00002", "percent": 10, "latestRevision": True}]}}}}


class _Isvcs:
    namespace = "ml"

    def get(self, name):
        return CANARY

    def patch(self, name, body):
        pass


def test_every_wait_of_a_rollback_shares_one_deadline(monkeypatch):
    waits = []
    monkeypatch.setattr(rollout.specs, "check_deployment_mode", lambda *args: None)
    monkeypatch.setattr(rollout, "_check_drivable", lambda *args: None)
    monkeypatch.setattr(rollout, "wait_for", lambda *a, **k: waits.append(("wait_for", k.get("deadline"))) or CANARY)
    monkeypatch.setattr(rollout, "_wait_split", lambda *a, **k: waits.append(("split", k.get("deadline"))) or CANARY)
    started = time.monotonic()
    rollout.rollback(_Isvcs(), "m", version="1", storage_uri="s3://b/v1", timeout_s=30)
    assert [kind for kind, _ in waits] == ["wait_for", "split", "split"]
    deadlines = {deadline for _, deadline in waits}
    assert len(deadlines) == 1 and None not in deadlines
    assert started + 30 <= deadlines.pop() <= time.monotonic() + 30
