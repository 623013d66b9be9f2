"""A KFP retry of ``register_model`` whose first attempt registered the version and then failed in
``record_event`` (its audit run's create answered 503, or the version's ``ctloop.last_event`` tag
write) registered the model AGAIN: the registration id (tag ``ctloop.registration_id``) was random
per call, so the retried task made v2 beside its own v1 (round 54 task H6).

What identifies one task across its KFP retries (kubeflow/pipelines 2.17.0): the retry strategy is
on the executor template only (``backend/src/v2/compiler/argocompiler/container.go`` ~578-587),
whose pod gets ``KFP_POD_NAME``/``KFP_POD_UID`` (``common.go`` ``commonEnvs``: this attempt's pod)
and ``KFP_RETRY_INDEX`` (``{{retries}}``: 0, 1, ...), all different per attempt. The component's
inputs are resolved once per task by the driver (``system-container-driver``, no retry strategy),
which fills ``{{$.pipeline_job_uuid}}`` (the run id), ``{{$.pipeline_task_name}}`` and
``{{$.pipeline_task_uuid}}`` (in 2.17.0 the id of the task's enclosing DAG execution:
``backend/src/v2/driver/resolve.go`` ~436-446) into the pod spec patch every attempt runs with.
So a registration id derived from those is the same in every attempt of one task; outside KFP
(no task placeholders) it stays random.

Real ``mlflow server`` on loopback (the session's) behind tests/integration/registry_support.py's
proxy, which answers the injected failure as MLflow answers an error: the version's tag write
``POST /api/2.0/mlflow/model-versions/set-tag`` (mlflow 3.17.2 ``protos/model_registry.proto``
SetModelVersionTag)."""

from __future__ import annotations

import json
import uuid

import pytest
from kfp.dsl import Metrics, Model
from mlflow import MlflowClient

from ctloop.errors import RegistryError
from ctloop.registry import CHALLENGER, MlflowRegistry
from tests.integration.registry_support import proxy

pytestmark = pytest.mark.slow

BUSY = b'{"error_code": "TEMPORARILY_UNAVAILABLE", "message": "database is locked"}'
RUN_ID = (
    "4d3c0b9e-54a1-4c1e-9a51-2f1f7c6a0e11"  # what the driver fills in: the same in every attempt
)
TASK = {"pipeline_task_name": "register-model", "pipeline_task_id": "1234"}


@pytest.fixture(autouse=True)
def _no_retries(monkeypatch):
    monkeypatch.setenv(
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0"
    )  # MLflow's own retries: not the point


def _attempt(mlflow_url, tmp_path, model_id, name, answer, **task):
    """One attempt of the register_model task (its function, as the executor runs it), through the proxy
    answering ``answer`` (None: straight to the server)."""
    import mlflow

    from ctloop.components.register.component import register_model

    before = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    path = tmp_path / "model"
    path.mkdir(exist_ok=True)
    (path / "model.skops").write_bytes(b"")  # the component reads no model, only its metadata
    server = proxy(mlflow_url, answer) if answer else None
    try:
        return register_model.python_func(
            model=Model(
                name="model", uri=str(path), metadata={"mlflow_model_uri": f"models:/{model_id}"}
            ),
            gate_metrics=Metrics(name="m", uri=str(tmp_path / "m"), metadata={}),
            model_name=name,
            gate_reason="ok",
            tracking_uri=f"http://127.0.0.1:{server.server_address[1]}" if server else mlflow_url,
            pipeline_run_id=RUN_ID,
            **task,
        )
    finally:
        if server:
            server.shutdown()
            server.server_close()
        mlflow.set_tracking_uri(before[0])
        mlflow.set_registry_uri(before[1])


def _fail_first(path_end: str, tag_key: str = ""):
    """A proxy answer failing the first request to ``path_end`` (whose body names ``tag_key``) with a 503."""
    failed: list[bool] = []

    def answer(request, path, body):
        if (
            path.endswith(path_end)
            and not failed
            and (not tag_key or json.loads(body).get("key") == tag_key)
        ):
            failed.append(True)
            return 503, {"Content-Type": "application/json"}, BUSY
        return None

    return answer


def test_a_retried_register_task_finishes_its_own_version(mlflow_url, tmp_path):
    """The first attempt registered v1, wrote its audit record and failed tagging the version (a failure
    of the audit run's create fails it one request earlier, nothing written: the same path, less to
    find). The retry finds v1 and its record, and writes the tag; was: v2 registered, two records."""
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    logged = client.create_logged_model(
        client.create_experiment(f"r54-retry-{uuid.uuid4().hex[:8]}")
    )
    name = f"r54-retry-{uuid.uuid4().hex[:8]}"
    with pytest.raises(
        RegistryError, match="is written, but tagging the version ctloop.last_event=register"
    ):
        _attempt(
            mlflow_url,
            tmp_path,
            logged.model_id,
            name,
            _fail_first("/model-versions/set-tag", "ctloop.last_event"),
            **TASK,
        )
    out = _attempt(mlflow_url, tmp_path, logged.model_id, name, None, **TASK)  # KFP's retry
    assert out.version == "1"  # was "2": a second version of the same task
    reg = MlflowRegistry(mlflow_url)
    assert [v.version for v in reg.versions(name)] == ["1"]
    assert reg.aliases(name) == {CHALLENGER: "1"}
    assert reg.get_version(name, "1").tags["ctloop.last_event"] == "register"
    assert [(e["event"], e["version"]) for e in reg.audit_log(name)] == [("register", "1")]


def test_a_retry_run_after_approve_leaves_the_decided_version_alone(mlflow_url, tmp_path):
    """KFP 2.17.0's "Retry run" (``backend/src/common/util/workflow.go`` ``GenerateRetryExecution``
    ~201-274) keeps the succeeded nodes, register-model's driver among them, so the retried task has the
    same registration id, possibly days later. Attempt 1 registered v1, asked for approval and failed
    after that (say on the approval record's ``ctloop.last_event`` tag); an operator approved v1
    (``ctloop approve``: its rollout or promotion runs elsewhere); the retry set ``ctloop.approval=pending``
    again and went on to route ``pending-approval``, and with v1 promoted meanwhile pointed challenger and
    pending-approval at the champion and rewrote its last event (the round 54 review's reproducer). Now:
    nothing changed, route ``decided`` (the pipeline's "decided-since" branch: no deploy, no promotion).
    What else counts as decided: tests/unit/test_r54_decided_since.py."""
    from ctloop import approval
    from ctloop.components.register.core import registration_id

    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    logged = client.create_logged_model(client.create_experiment(f"r54-retry-run-{uuid.uuid4().hex[:8]}"))
    name = f"r54-retry-run-{uuid.uuid4().hex[:8]}"
    task = {**TASK, "rollout": {"approval": "required"}}
    ids = {"model_name": name, "model_uri": f"models:/{logged.model_id}", "pipeline_run_id": RUN_ID, **TASK}
    reg = MlflowRegistry(mlflow_url)
    # attempt 1: the component's calls up to its failure (its wiring: the test above)
    reg.register(name, model_uri=ids["model_uri"], run_id="", tags={}, registration_id=registration_id(**ids))
    reg.record_event(name, "1", {"event": "register"}, event_id=registration_id(**ids, step="register-event"))
    approval.request(reg, name, "1", reason="approval required", rollout={},
                     event_id=registration_id(**ids, step="approval-requested"))
    approval.decide(reg, name, "1", approve=True, by="ops", reason="looks good")  # its rollout: another run
    before, aliases = reg.get_version(name, "1"), reg.aliases(name)
    records = len(reg.audit_log(name))

    out = _attempt(mlflow_url, tmp_path, logged.model_id, name, None, **task)  # the "Retry run"

    assert (out.version, out.route) == ("1", "decided")
    assert out.route_reason == (f"{name} v1, this task's registration, was decided since (approved): "
                                "not registered again, nothing changed")
    after = reg.get_version(name, "1")
    assert (after.aliases, after.tags) == (before.aliases, before.tags)  # was: + challenger, pending-approval
    assert reg.aliases(name) == aliases
    assert len(reg.audit_log(name)) == records  # was: register and approval_requested again


def _registered(mlflow_url, prefix):
    """A new model with v1 (made directly: what register adds is not the point); its name and registry."""
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    client.create_model_version(name, "s3://r54/model")
    return name, MlflowRegistry(mlflow_url)


def test_a_kept_record_does_not_rewrite_a_later_last_event(mlflow_url):
    """record_event's keep path (a retried task's record found by its id) wrote the version's
    ``ctloop.last_event`` again over whatever was recorded since (was: promote -> register). A tag of the
    registration's own events is still written in the task's order (its approval record's tag failed)."""
    name, reg = _registered(mlflow_url, "r54-keep")
    first = reg.record_event(name, "1", {"event": "register"}, event_id="a" * 32)
    reg.record_event(name, "1", {"event": "approval_requested"}, event_id="c" * 32)
    reg.client.set_model_version_tag(name, "1", "ctloop.last_event", "register")  # as if that tag failed
    reg.record_event(name, "1", {"event": "approval_requested"}, event_id="c" * 32)  # the retry's
    assert reg.get_version(name, "1").tags["ctloop.last_event"] == "approval_requested"
    reg.record_event(name, "1", {"event": "promote"})
    assert reg.record_event(name, "1", {"event": "register"}, event_id="a" * 32) == first
    assert reg.get_version(name, "1").tags["ctloop.last_event"] == "promote"  # was "register"


def test_a_record_of_a_deleted_version_is_not_kept_for_a_new_one(mlflow_url):
    """v1 (its register record written by attempt 1) deleted before the retry, which registers v2: the
    record found by the task's event id is v1's; it was kept as v2's (no record of v2). Now v2 gets
    its own, under an id of its own (the same again in a further retry)."""
    name, reg = _registered(mlflow_url, "r54-gone")
    old = reg.record_event(name, "1", {"event": "register"}, event_id="b" * 32)
    reg.client.delete_model_version(name, "1")
    assert reg.client.create_model_version(name, "s3://r54/model").version == "2"  # the retry's register
    new = reg.record_event(name, "2", {"event": "register"}, event_id="b" * 32)
    assert new != old  # was: v1's record kept
    assert reg.record_event(name, "2", {"event": "register"}, event_id="b" * 32) == new
    assert sorted((e["event"], e["version"]) for e in reg.audit_log(name)) == [("register", "1"), ("register", "2")]
    assert reg.get_version(name, "2").tags["ctloop.last_event"] == "register"


def test_an_approval_during_the_retry_routes_decided_not_pending(mlflow_url, tmp_path, monkeypatch):
    """The retry of a task whose first attempt asked for approval: an operator approves in the seconds
    between the retry's registration check (not decided yet) and its request. The request keeps the
    approval (approval.request), and the task routes ``decided``, not ``pending-approval`` with a
    reason saying it waits for ``ctloop approve`` (round 54 review of 3546221b)."""
    from ctloop import approval
    from ctloop.components.register.core import registration_id

    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    logged = client.create_logged_model(client.create_experiment(f"r54-race-{uuid.uuid4().hex[:8]}"))
    name = f"r54-race-{uuid.uuid4().hex[:8]}"
    ids = {"model_name": name, "model_uri": f"models:/{logged.model_id}", "pipeline_run_id": RUN_ID, **TASK}
    reg = MlflowRegistry(mlflow_url)
    reg.register(name, model_uri=ids["model_uri"], run_id="", tags={}, registration_id=registration_id(**ids))
    approval.request(reg, name, "1", reason="approval required", rollout={},
                     event_id=registration_id(**ids, step="approval-requested"))  # attempt 1, then it failed
    request = approval.request

    def approved_first(registry, model, version, **kwargs):
        approval.decide(registry, model, version, approve=True, by="ops", reason="looks good")
        return request(registry, model, version, **kwargs)

    monkeypatch.setattr(approval, "request", approved_first)
    out = _attempt(mlflow_url, tmp_path, logged.model_id, name, None, **TASK, rollout={"approval": "required"})

    assert (out.version, out.route) == ("1", "decided")
    assert out.route_reason == f"{name} v1 was approved since this task first asked: not asked again, nothing changed"
    assert reg.get_version(name, "1").tags[approval.TAG_STATE] == "approved"
