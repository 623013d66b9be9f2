"""``ctloop approve`` when carrying out the approval fails half-way (the KFP API is down): the
approval must not be lost. A real (sqlite) MLflow registry and the KFP API double."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop import approval
from ctloop.cli import main
from tests.fixtures.servers import dead_port
from tests.integration.registry_support import register_fitted

MODEL = "credit-approval-retry"
ROLLOUT = {"approval": "required", "inference_service": "credit-default", "namespace": "ctloop"}


@pytest.fixture
def registry(sqlite_tracking):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300)})
    frame["y"] = (frame.x > 0).astype(int)
    return register_fitted(sqlite_tracking, MODEL, frame, seeds=(1, 2))


def _approve(uri, host, by="alice", reason="fairness review passed"):
    return main(["approve", "--model-name", MODEL, "--version", "2", "--reason", reason, "--by", by,
                 "--tracking-uri", uri, "--host", host, "--experiment", "ctloop"])


def test_an_approval_whose_rollout_could_not_start_can_be_retried(registry, sqlite_tracking, monkeypatch, tmp_path,
                                                                   capsys):
    """The KFP API was down when alice approved: the approval was recorded and the
    ``pending-approval`` alias cleared before the rollout run was created, so the command failed
    and every retry was refused ("v2 was already approved"): the approved model was never rolled
    out and ctloop had no way left to start it. Now the version stays pending until its rollout
    started; a retry starts it once, without a second approval record. Since round 39 (fix39a/f)
    the approval is checked against KFP before it is recorded: with KFP down nothing is recorded,
    and the approval that starts the rollout is the retry's (bob's)."""
    from tests.doubles.kfp_api import KfpApiDouble

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("KFP_TOKEN", "KFP_TOKEN_FILE", "KF_PIPELINES_ENDPOINT", "KUBECONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", "/nonexistent/token")
    approval.request(registry, MODEL, "2", reason="approval required", rollout=ROLLOUT)

    assert _approve(sqlite_tracking, f"http://127.0.0.1:{dead_port()}") == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert approval.pending(registry, MODEL).version == "2"  # still waiting: nothing was started

    with KfpApiDouble() as kfp:
        from ctloop.cli.ops import _compile_one
        from ctloop.ops.platform import Platform

        Platform(host=kfp.url).ensure_pipeline("rollout", _compile_one(tmp_path, None, "rollout"))
        Platform(host=kfp.url).ensure_experiment("ctloop")  # approve never creates it (test_r39_kfp_approve_experiment)
        assert _approve(sqlite_tracking, kfp.url, by="bob", reason="retry") == 0
        assert len(kfp.state.runs) == 1
        out = capsys.readouterr().out
        assert "rollout run" in out
        # a second retry after success: refused, no second rollout run
        assert _approve(sqlite_tracking, kfp.url) == 2
        assert len(kfp.state.runs) == 1
    assert approval.pending(registry, MODEL) is None
    tags = registry.get_version(MODEL, "2").tags
    assert tags[approval.TAG_STATE] == "approved" and tags["ctloop.approval.by"] == "bob"
    events = [e["event"] for e in registry.audit_log(MODEL)]
    assert events.count("approved") == 1 and events.count("rollout_started") == 1


def test_an_approval_refused_while_kfp_is_down_leaves_the_version_rejectable(registry, sqlite_tracking,
                                                                             monkeypatch, tmp_path, capsys):
    """An approval KFP cannot start is refused before anything is recorded (round 39: fix39a/f), so the
    version stays pending and a reviewer may still reject it (it was "already approved by alice")."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", "/nonexistent/token")
    for name in ("KFP_TOKEN", "KFP_TOKEN_FILE", "KF_PIPELINES_ENDPOINT", "KUBECONFIG"):
        monkeypatch.delenv(name, raising=False)
    approval.request(registry, MODEL, "2", reason="approval required", rollout=ROLLOUT)
    assert _approve(sqlite_tracking, f"http://127.0.0.1:{dead_port()}") == 2
    capsys.readouterr()
    assert approval.pending(registry, MODEL).version == "2"
    assert main(["reject", "--model-name", MODEL, "--version", "2", "--reason", "no", "--by", "bob",
                 "--tracking-uri", sqlite_tracking]) == 0, capsys.readouterr().err
    assert registry.get_version(MODEL, "2").tags[approval.TAG_STATE] == "rejected"


def test_a_late_approval_request_of_an_older_version_does_not_hide_the_newer_one(registry, sqlite_tracking,
                                                                                  capsys):
    """Two continuous-training runs at once (a scheduled run and a monitoring trigger): v3 was
    registered after v2, but v2's run set ``pending-approval`` last (aliases are last-writer-wins).
    v2 was then the one pending, and approving v3 — the newest challenger — was refused with "a
    newer challenger v2 was registered after v3". Now a request never moves the alias back to an
    older version: v3 stays pending, v2 is refused as superseded by it."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=300)})
    frame["y"] = (frame.x > 0).astype(int)
    register_fitted(sqlite_tracking, MODEL, frame, seeds=(3,))  # v3 (v1 stays the champion)
    approval.request(registry, MODEL, "3", reason="approval required", rollout={})
    approval.request(registry, MODEL, "2", reason="approval required", rollout={})  # v2's late write
    assert approval.pending(registry, MODEL).version == "3"
    assert main(["approve", "--model-name", MODEL, "--version", "3", "--reason", "ok", "--by", "alice",
                 "--tracking-uri", sqlite_tracking]) == 0
    assert registry.champion(MODEL).version == "3"
    assert main(["approve", "--model-name", MODEL, "--version", "2", "--reason", "ok",
                 "--tracking-uri", sqlite_tracking]) == 2
    assert "cannot approve credit-approval-retry v2" in capsys.readouterr().err


@pytest.mark.parametrize("tag", ['{"approval": "required", "inference_service": "cr…[truncated]', "[1, 2]"])
def test_rollout_settings_that_are_no_json_mapping_are_one_line_and_nothing_is_recorded(registry, sqlite_tracking,
                                                                                        capsys, tag):
    """The release settings are read back from a version tag (``tag_value`` cuts one past 5,000
    characters, a person may edit it): ``json.loads`` raised after the approval was recorded and
    the alias cleared — a traceback, and a version approved that nothing would ever roll out."""
    approval.request(registry, MODEL, "2", reason="approval required", rollout={})
    registry.set_tags(MODEL, "2", {approval.TAG_ROLLOUT: tag})
    assert main(["approve", "--model-name", MODEL, "--version", "2", "--reason", "ok", "--by", "alice",
                 "--tracking-uri", sqlite_tracking]) == 2
    err = capsys.readouterr().err
    assert "ctloop.approval.rollout is no JSON mapping" in err and "Traceback" not in err
    assert approval.pending(registry, MODEL).version == "2"
    assert registry.get_version(MODEL, "2").tags[approval.TAG_STATE] == "pending"


def test_an_approval_refused_while_kfp_is_down_says_nothing_was_recorded(registry, sqlite_tracking, monkeypatch,
                                                                         tmp_path, capsys):
    """The experiment check came before the wording every other precheck ends with: an unreachable
    KFP said only "cannot reach KFP", and before round 39 the same case recorded the approval
    (review G2)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", "/nonexistent/token")
    for name in ("KFP_TOKEN", "KFP_TOKEN_FILE", "KF_PIPELINES_ENDPOINT", "KUBECONFIG"):
        monkeypatch.delenv(name, raising=False)
    approval.request(registry, MODEL, "2", reason="approval required", rollout=ROLLOUT)
    assert _approve(sqlite_tracking, f"http://127.0.0.1:{dead_port()}") == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "nothing was recorded: v2 is still pending approval" in err, err
