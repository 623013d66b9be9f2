"""``ctloop approve`` resumed after a crash between creating the rollout run and recording it
starts no second rollout.

The rollout run was created with a random id, then ``rollout_started`` recorded: a process killed
in between left the approval pending with no record, and ``ctloop approve`` again created a second
run: two canaries of one version on the same InferenceService. The run id is now the approval's
(``approval.rollout_run_id``; since fix42f a key in its description, ``approval.rollout_key``), and KFP is
asked for it before creating: the API server keeps a
client's ``run_id`` (kubeflow/pipelines 2.17.0 ``backend/src/apiserver/server/api_converter.go``
``toModelRun``) and would not refuse a second create before its workflow exists
(``resource/resource_manager.go`` ``CreateRun`` creates the Argo workflow, then stores the run).
A real (sqlite) MLflow registry and the KFP API double.
"""

from __future__ import annotations

import pytest

from ctloop import approval
from ctloop.cli import main
from ctloop.registry import MlflowRegistry
from tests.doubles.kfp_cli import GOLDEN_ROLLOUT, kfp_with_rollout
from tests.integration.registry_support import two_versions

MODEL = "credit-approval-once"
ROLLOUT = {"approval": "required", "inference_service": "credit-default", "namespace": "ctloop"}

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


class Crash(BaseException):
    """The process dying (nothing catches it)."""


@pytest.fixture
def registry(sqlite_tracking):
    return two_versions(sqlite_tracking, MODEL)


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    with kfp_with_rollout(monkeypatch, tmp_path) as double:
        yield double


def _approve(uri, host, version="2"):
    return main(["approve", "--model-name", MODEL, "--version", version, "--reason", "fairness review passed",
                 "--by", "alice", "--tracking-uri", uri, "--host", host, "--experiment", "ctloop"])


def test_an_approval_resumed_after_its_run_was_created_starts_no_second_rollout(registry, sqlite_tracking, kfp,
                                                                                  monkeypatch, capsys):
    approval.request(registry, MODEL, "2", reason="approval required", rollout=ROLLOUT)
    record = MlflowRegistry.record_event

    def dies_on_rollout_started(self, name, version, event):
        if event.get("event") == "rollout_started":
            raise Crash()
        return record(self, name, version, event)

    monkeypatch.setattr(MlflowRegistry, "record_event", dies_on_rollout_started)
    with pytest.raises(Crash):
        _approve(sqlite_tracking, kfp.url)
    assert len(kfp.state.runs) == 1 and approval.pending(registry, MODEL).version == "2"
    monkeypatch.setattr(MlflowRegistry, "record_event", record)
    capsys.readouterr()

    assert _approve(sqlite_tracking, kfp.url) == 0
    (run_id,) = kfp.state.runs
    assert len([c for c in kfp.calls if c.method == "POST" and c.path.endswith("/runs")]) == 1
    assert f"the rollout run {run_id} of v2 was already started" in capsys.readouterr().out
    assert approval.pending(registry, MODEL) is None
    events = [(e["event"], e.get("kfp_run", "")) for e in registry.audit_log(MODEL)]
    assert events.count(("rollout_started", run_id)) == 1 and [e for e, _ in events].count("approved") == 1


def test_each_approval_has_its_own_rollout_run(registry, sqlite_tracking, kfp):
    for version in ("1", "2"):
        approval.request(registry, MODEL, version, reason="approval required", rollout=ROLLOUT)
        assert _approve(sqlite_tracking, kfp.url, version) == 0
    assert len(kfp.state.runs) == 2
    assert {r["display_name"] for r in kfp.state.runs.values()} == {f"rollout-{MODEL}-v1", f"rollout-{MODEL}-v2"}


def test_approve_takes_the_token_from_a_file_kept_out_of_ps(registry, sqlite_tracking, monkeypatch, tmp_path, capsys):
    """``ctloop approve`` had only ``--token``: a token on the command line is in ``ps`` for every
    user. It takes the KFP options of the other commands: ``--token-file`` (and ``--timeout``)."""
    from ctloop.ops.platform import Platform
    from tests.doubles.kfp_cli import kfp_for_cli
    from tests.helpers import REPO

    token = tmp_path / "kfp-token"
    token.write_text("good\n")
    with kfp_for_cli(monkeypatch, tmp_path, tokens={"good": "ok"}) as double:
        Platform(host=double.url, token="good").ensure_pipeline("rollout", REPO / GOLDEN_ROLLOUT)
        Platform(host=double.url, token="good").ensure_experiment("ctloop")  # approve never creates it
        approval.request(registry, MODEL, "2", reason="approval required", rollout=ROLLOUT)
        assert main(["approve", "--model-name", MODEL, "--version", "2", "--reason", "ok", "--tracking-uri",
                     sqlite_tracking, "--host", double.url, "--token-file", str(token), "--timeout", "10"]) == 0
        (run,) = double.state.runs.values()
        posts = [c for c in double.calls if c.method == "POST" and c.path.endswith("/runs")]
    assert run["display_name"] == f"rollout-{MODEL}-v2"
    assert [c.headers.get("authorization") for c in posts] == ["Bearer good"]
