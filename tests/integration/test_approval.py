"""A person signs off a challenger: register_model parks it as ``pending-approval``; ``ctloop approve``
promotes it (or starts its rollout run), ``ctloop reject`` records why not; a stale approval is
refused. A real (sqlite) MLflow registry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop import approval
from ctloop.cli import main
from tests.integration.registry_support import register_fitted

MODEL = "credit-approval"


@pytest.fixture
def registry(sqlite_tracking):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300)})
    frame["y"] = (frame.x > 0).astype(int)
    return register_fitted(sqlite_tracking, MODEL, frame, seeds=(1, 2, 3))


def test_approve_promotes_the_pending_version_and_records_who(registry, sqlite_tracking, capsys):
    approval.request(registry, MODEL, "2", reason="approval required", rollout={"approval": "required"})
    assert approval.pending(registry, MODEL).version == "2" and registry.champion(MODEL).version == "1"
    assert main(["approve", "--model-name", MODEL, "--version", "2", "--reason", "fairness review passed",
                 "--by", "alice", "--tracking-uri", sqlite_tracking]) == 0
    assert "v2 approved by alice" in capsys.readouterr().out
    assert registry.champion(MODEL).version == "2" and approval.pending(registry, MODEL) is None
    tags = registry.get_version(MODEL, "2").tags
    assert tags[approval.TAG_STATE] == "approved" and tags["ctloop.approval.by"] == "alice"
    events = [(e["event"], e.get("by", "")) for e in registry.audit_log(MODEL)]
    assert ("approval_requested", "") in events and ("approved", "alice") in events
    assert main(["audit", "--model-name", MODEL, "--tracking-uri", sqlite_tracking]) == 0
    assert "approved" in capsys.readouterr().out


def test_an_approval_after_a_newer_challenger_is_refused_with_the_reason(registry, sqlite_tracking, capsys):
    approval.request(registry, MODEL, "2", reason="approval required", rollout={})
    approval.request(registry, MODEL, "3", reason="approval required", rollout={})  # a newer run registered v3
    assert main(["approve", "--model-name", MODEL, "--version", "2", "--reason", "ok", "--tracking-uri",
                 sqlite_tracking]) == 2
    err = capsys.readouterr().err
    assert "cannot approve credit-approval v2: a newer challenger v3 was registered after v2" in err
    assert registry.champion(MODEL).version == "1"  # nothing changed


def test_reject_records_why_and_a_decided_version_cannot_be_decided_again(registry, sqlite_tracking, capsys):
    approval.request(registry, MODEL, "3", reason="approval required", rollout={})
    assert main(["reject", "--model-name", MODEL, "--version", "3", "--reason", "fails the fairness review",
                 "--by", "bob", "--tracking-uri", sqlite_tracking]) == 0
    assert registry.get_version(MODEL, "3").tags[approval.TAG_STATE] == "rejected"
    assert registry.champion(MODEL).version == "1"
    assert main(["approve", "--model-name", MODEL, "--version", "3", "--reason", "changed my mind",
                 "--tracking-uri", sqlite_tracking]) == 2
    assert "v3 was already rejected by bob" in capsys.readouterr().err


def test_a_reason_is_required(registry, sqlite_tracking, capsys):
    approval.request(registry, MODEL, "2", reason="approval required", rollout={})
    assert main(["approve", "--model-name", MODEL, "--version", "2", "--reason", " ", "--tracking-uri",
                 sqlite_tracking]) == 2
    assert "--reason is required" in capsys.readouterr().err
    assert approval.pending(registry, MODEL).version == "2"


def test_approve_starts_the_rollout_version_applied_with_the_models_schedule(registry, sqlite_tracking, monkeypatch,
                                                                           tmp_path, capsys):
    """A spec applied with image A, then someone uploads rollout for image B (another spec):
    approve started the newest rollout version, B's code. It now starts the version the model's
    ct- schedule pins, as a monitoring trigger does (one resolution, Platform.pinned_version)."""
    import json

    import yaml

    from ctloop.cli.ops import _compile_one, apply_spec
    from ctloop.ops.platform import Platform
    from ctloop.ops.spec import parse_spec
    from tests.doubles.kfp_api import KfpApiDouble
    from tests.helpers import REPO

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("KFP_TOKEN", "KFP_TOKEN_FILE", "KF_PIPELINES_ENDPOINT", "KUBECONFIG", "CTLOOP_IMAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", "/nonexistent/token")
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["models"] = [data["models"][0]]
    data["models"][0]["name"] = MODEL
    data["models"][0]["rollout"]["approval"] = "required"
    spec = parse_spec(data)
    image_a, image_b = spec.platform.image, "registry.example.com/ml/ctloop:9.9.9"
    with KfpApiDouble() as kfp:
        apply_spec(spec, platform_factory=lambda _: Platform(host=kfp.url), image=None, dry_run=False,
                   out=lambda *_: None)
        platform = Platform(host=kfp.url)
        other = platform.ensure_pipeline("rollout", _compile_one(tmp_path, image_b, "rollout"))
        assert other.action == "new-version"  # apply uploaded rollout with the spec's image
        approval.request(registry, MODEL, "2", reason="approval required",
                         rollout={"approval": "required", "inference_service": "credit-default", "namespace": "ctloop"})
        assert main(["approve", "--model-name", MODEL, "--version", "2", "--reason", "ok", "--tracking-uri",
                     sqlite_tracking, "--host", kfp.url, "--experiment", spec.kfp.experiment]) == 0
        (run,) = kfp.state.runs.values()
        version = run["pipeline_version_reference"]["pipeline_version_id"]
        assert version != other.version_id
        package = json.dumps(kfp.version_package(version))
        assert image_a in package and image_b not in package
        assert kfp.state.pipelines[run["pipeline_version_reference"]["pipeline_id"]]["display_name"] == "rollout"
    assert "rollout run" in capsys.readouterr().out


def test_a_request_again_after_the_decision_leaves_it_decided(registry, capsys):
    """A retried register task asks for approval again (its first attempt had asked and then failed):
    an approval or rejection given in between is kept, not set back to pending (round 54 review of
    39c9e205: a person approving in the seconds between the retry's check and its request)."""
    for version, approve in (("2", True), ("3", False)):
        approval.request(registry, MODEL, version, reason="approval required", rollout={"approval": "required"})
        approval.decide(registry, MODEL, version, approve=approve, by="alice", reason="reviewed")
        decided = registry.get_version(MODEL, version).tags[approval.TAG_STATE]
        again = approval.request(registry, MODEL, version, reason="approval required", rollout={"approval": "required"})
        assert again == decided and registry.get_version(MODEL, version).tags[approval.TAG_STATE] == decided
        assert f"v{version} was {decided} meanwhile: not asked again" in capsys.readouterr().out
    asked = [e["version"] for e in registry.audit_log(MODEL) if e["event"] == "approval_requested"]
    assert asked.count("2") == 1 and asked.count("3") == 1
