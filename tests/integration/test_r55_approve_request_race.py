"""``ctloop approve`` of a version registered for a registry promotion (no InferenceService) racing a
newer continuous-training run's ``approval.request``: no acknowledged request or decision is lost.

``approve`` records its decision under the model's promotion lock, as ``request`` writes under it
(round 36), but it cleared ``pending-approval`` after the promotion, outside any lock: a read of the
alias (still v1), then its delete. A request of v2 landing in between (its register task had said
"pending-approval") had its alias deleted: v2 stayed tagged pending with nothing pending, and
``ctloop approve --version 2`` was refused ("nothing is pending"). The race is forced at that point
with a second thread; the session's real MLflow server on loopback."""

from __future__ import annotations

import sys
import threading
import uuid

import pytest

from ctloop import approval
from ctloop.cli import main
from ctloop.registry import MlflowRegistry

pytestmark = pytest.mark.slow


def test_a_request_landing_while_approve_clears_the_alias_is_kept(mlflow_url, monkeypatch, capsys):
    model = f"race-{uuid.uuid4().hex[:8]}"
    registry = MlflowRegistry(mlflow_url)
    registry.client.create_registered_model(model)
    experiment = registry.client.create_experiment(model)
    for _ in (1, 2):  # versions of a training run each (the server takes no bare local source)
        run = registry.client.create_run(experiment)
        registry.client.set_terminated(run.info.run_id)
        registry.client.create_model_version(
            model, f"{run.info.artifact_uri}/model", run_id=run.info.run_id
        )
    approval.request(
        registry, model, "1", reason="approval required", rollout={"approval": "required"}
    )

    settled = threading.Event()  # the racing request wrote, or found the lock held and waits for it
    errors: list[BaseException] = []

    def newer_run() -> None:
        other = MlflowRegistry(mlflow_url)
        held = other._lock_holder

        def waiting(
            name,
        ):  # _acquire reads the holder after its create was refused: the lock is held
            found = held(name)
            if found is not None:
                settled.set()
            return found

        other._lock_holder = waiting
        try:
            approval.request(
                other, model, "2", reason="approval required", rollout={"approval": "required"}
            )
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            settled.set()

    read = approval.pending
    racer: list[threading.Thread] = []

    def pending(reg, name):
        found = read(reg, name)
        # finish()'s read of the alias (v1), before its delete: the newer run's request lands here
        if (
            not racer
            and sys._getframe(1).f_code.co_name == "finish"
            and threading.current_thread() is threading.main_thread()
        ):
            racer.append(threading.Thread(target=newer_run))
            racer[0].start()
            assert settled.wait(60)
        return found

    monkeypatch.setattr(approval, "pending", pending)
    # the racing request waits for approve's lock: it tries again sooner (was: 0.5 s of the test's time)
    monkeypatch.setattr("ctloop.registry._LOCK_POLL_S", 0.02)
    assert (
        main(
            [
                "approve",
                "--model-name",
                model,
                "--version",
                "1",
                "--reason",
                "review passed",
                "--by",
                "alice",
                "--tracking-uri",
                mlflow_url,
            ]
        )
        == 0
    )
    assert racer, "finish() never read the pending alias"
    racer[0].join(60)
    assert not errors, errors
    assert registry.champion(model).version == "1"
    assert registry.get_version(model, "2").tags[approval.TAG_STATE] == approval.PENDING
    waiting = read(registry, model)
    assert waiting is not None and waiting.version == "2", (
        "v2's request was acknowledged, its alias lost"
    )
    capsys.readouterr()
