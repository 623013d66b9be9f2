"""``ctloop approve``/``reject`` while the model's promotion lock is held (a promotion, a rollout,
a monitoring trigger, or a holder that died before its lease ends): it says so in one line before
waiting, waits a short while (not the promotion's 330 s), and then refuses in one line, exit 2,
saying to retry — nothing recorded, no traceback. A real (sqlite) MLflow registry."""

from __future__ import annotations

from ctloop import approval
from ctloop.cli import approval as cli_approval
from ctloop.cli import main
from ctloop.registry import MlflowRegistry

MODEL = "credit-busy"


def test_a_held_lock_is_announced_then_refused_in_one_line(sqlite_tracking, tmp_path, monkeypatch, capsys):
    registry = MlflowRegistry(sqlite_tracking)
    registry.client.create_registered_model(MODEL)
    registry.client.create_model_version(MODEL, source=str(tmp_path / "a0"))
    approval.request(registry, MODEL, "1", reason="approval required", rollout={"approval": "required"})
    holder = MlflowRegistry(sqlite_tracking)
    holder._acquire(MODEL, wait=False)
    assert cli_approval.LOCK_TIMEOUT_S <= 60
    monkeypatch.setattr(cli_approval, "LOCK_TIMEOUT_S", 1.0)
    code = main(["reject", "--model-name", MODEL, "--version", "1", "--reason", "fails review",
                 "--tracking-uri", sqlite_tracking])
    captured = capsys.readouterr()
    assert code == 2
    assert f"held by {holder.owner}" in captured.out and "waiting up to 1 s" in captured.out
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "retry `ctloop reject`" in errors[0] and "Traceback" not in captured.err
    assert registry.get_version(MODEL, "1").tags[approval.TAG_STATE] == "pending"
    assert approval.pending(registry, MODEL).version == "1"
