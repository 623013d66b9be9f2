"""SIGTERM of the process running a rollback (KFP stopping the run, the pod evicted or
preempted) skipped the rollback's cleanup: Python's default action for SIGTERM ends the process
at once, running no ``except``/``finally``. A rollback of a model staged at 0 % first
(``isvc.STAGED_ANNOTATION``) sends its restore first and, should the restore not land, deletes
the marker on its way out (``rollout._unstage_after``, round 47) — not when SIGTERM stopped it:
the marker stayed valid, and a deploy of the model being rolled back, run again, resumed it at
its share. Now SIGTERM raises ``rollout.Terminated`` (exit status 143, as the default action)
while a rollback runs, the cleanup runs, and a line says the rollback was stopped and what it
wrote.

The rollback runs in a forked child (no imports to pay for) that sends itself SIGTERM while its
restore is on its way (the default action would end the test run itself); the InferenceService is
tests/doubles/kube_api.py's, served on loopback to both processes."""

from __future__ import annotations

import io
import os
import signal
import sys
import time

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit"
V1, V2, V3 = "gs://models/v1", "gs://models/v2", "gs://models/v3"


def _deploy(isvcs, version, uri):
    return rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version=version,
        storage_uri=uri,
        percent=10,
        timeout_s=4,
    )


@pytest.fixture
def staged(monkeypatch):
    """v3 written at 0 % first, its deploy stopped before it gave v3 its share; v1 serves."""
    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        _deploy(isvcs, "1", V1)
        _deploy(isvcs, "2", V2)
        rollout.set_traffic(isvcs, NAME, 0, timeout_s=4)

        def stop(isvcs_, name, current, **kw):
            raise KeyboardInterrupt  # the pod gone right after the write at 0 %

        with monkeypatch.context() as m:
            m.setattr(rollout, "_from_zero", stop)
            with pytest.raises(KeyboardInterrupt):
                _deploy(isvcs, "3", V3)
        isvcs.get(NAME)  # v3's revision ready at 0 %
        assert rollout.staged_at_zero(isvcs.get(NAME))
        yield kube, isvcs


class Stopped:
    """``isvcs`` whose process gets SIGTERM while the rollback's restore (the champion's
    storageUri) is on its way."""

    def __init__(self, isvcs):
        self.isvcs, self.namespace = isvcs, isvcs.namespace

    def __getattr__(self, attr):
        return getattr(self.isvcs, attr)

    def patch(self, name, patch):
        if (((patch.get("spec") or {}).get("predictor") or {}).get("model") or {}).get(
            "storageUri"
        ) == V1:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        return self.isvcs.patch(name, patch)


def _rollback_in_child(isvcs) -> tuple[int | None, int | None, str]:
    """(exit status, terminating signal, stderr) of a forked child running the rollback."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        sys.stderr = io.StringIO()
        try:
            rollout.rollback(
                Stopped(isvcs),
                NAME,
                version="1",
                storage_uri=V1,
                timeout_s=8,
                failed_storage_uri=V3,
            )
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - reported through the exit status
            code = 99
        finally:
            os.write(write, sys.stderr.getvalue().encode())
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read) as f:
        err = f.read()
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status), err
    return os.WEXITSTATUS(status), None, err


def test_a_rollback_stopped_by_sigterm_leaves_no_staging_to_resume(staged):
    kube, isvcs = staged
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    code, killed, err = _rollback_in_child(isvcs)
    assert (code, killed) == (143, None), (code, killed, err)
    # the restore was on its way (its answer never read): the line cannot say it did not land
    assert (
        "deleted (a revision of it starts at 0 %); its restore (v1's storageUri written back at 0 %)"
        " was on its way" in err
    ), err
    now = isvcs.get(NAME)
    assert now["spec"]["predictor"]["model"]["storageUri"] == V3  # the restore never landed
    assert specs.STAGED_ANNOTATION not in (now["metadata"].get("annotations") or {})
    with pytest.raises(ServingError, match="canaryTrafficPercent 0: its canary was rolled back"):
        _deploy(isvcs, "3", V3)  # refused as any canary pinned back, not resumed at 10 %
    assert not any(
        pct for rev, pct in kube.traffic(NS, NAME).items() if kube.revision_uri(NS, NAME, rev) == V3
    )


def test_sigterm_keeps_its_default_action_outside_a_rollback():
    with rollout._terminated_raises():
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_status_says_what_a_staging_left_marked_means(staged, tmp_path, monkeypatch, capsys):
    from ctloop.cli import main
    from tests.doubles.kube_api import write_kubeconfig

    kube, isvcs = staged
    monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", kube.url))
    assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
    out = capsys.readouterr().out
    assert "STAGED: v3 written at 0 % first (ctloop.dev/staged-at-zero" in out, out
    assert "a deploy of v3 run again moves it to its share" in out
    rollout.set_traffic(isvcs, NAME, 0, timeout_s=4)  # pinned back: the marker goes
    assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
    assert "STAGED" not in capsys.readouterr().out
