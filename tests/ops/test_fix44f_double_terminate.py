"""A race's later run, terminated by the first's creator, was reported as one that could not be terminated.

When two creates of one idempotency key race, the first's creator terminates every later run of the key it
sees still active (``_settle_key``), and the later run's creator terminates its own run too. Whichever comes
second gets HTTP 400: kubeflow/pipelines 2.17.0 ``backend/src/apiserver/storage/run_store.go``
``TerminateRun`` moves only a PAUSED, PENDING, RUNNING or unspecified run to CANCELING (404 once the run is
gone). That was taken for a failure: "could not be terminated — terminate run ... in the KFP UI", on an
ordinary race where nothing was left to do. Now a 400/404 there reads the run again: CANCELING or CANCELED
(or gone) is said as terminated; a run still active is still the warning. Through the KFP API double
(``tests/doubles/kfp_api.py``, which answers TerminateRun as run_store.go does)."""

from __future__ import annotations

import uuid

import pytest

from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_r43_kfp_concurrent_key import KEY, _create

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _race(kfp) -> tuple[str, str]:
    """A create of KEY while a later-drawn run of KEY was stored beside it: (the first, the later)."""
    original, late = kfp.dispatch, []

    def dispatch(method, path, query, body):
        answer = original(method, path, query, body)
        if method == "POST" and path.endswith("/runs") and not late:
            late.append(str(uuid.UUID(int=uuid.UUID(body["run_id"]).int + (1 << 80))))
            kfp.state.runs[late[0]] = {
                **body,
                "run_id": late[0],
                "state": "PENDING",
                "created_at": kfp.state.runs[body["run_id"]]["created_at"],
            }
        return answer

    kfp.dispatch = dispatch
    first = _create(Platform(host=kfp.url))  # its creator terminates the later run
    kfp.dispatch = original
    return first, late[0]


def test_the_later_creator_finds_its_run_terminated_already(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        first, late = _race(kfp)
        assert kfp.state.runs[late]["state"] == "CANCELING"
        capsys.readouterr()
        experiment = kfp.state.runs[first]["experiment_id"]
        assert Platform(host=kfp.url)._settle_key(experiment, KEY, late) == first
        err = capsys.readouterr().err
        assert "could not be terminated" not in err and "KFP UI" not in err, err
        assert f"run {late} terminated (CANCELING)" in err and f"started run {first}" in err, err


def test_a_refused_terminate_of_a_run_still_running_is_still_said(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        first, late = _race(kfp)
        original = kfp.dispatch

        def dispatch(method, path, query, body):  # a terminate refused while the run still runs
            if method == "POST" and path.endswith(f"{late}:terminate"):
                kfp.state.runs[late]["state"] = "RUNNING"
                return 400, {
                    "error": f"Failed to terminate run {late}: Invalid input error",
                    "code": 3,
                }
            return original(method, path, query, body)

        kfp.dispatch = dispatch
        capsys.readouterr()
        experiment = kfp.state.runs[first]["experiment_id"]
        kfp.state.runs[late]["state"] = "RUNNING"
        assert Platform(host=kfp.url)._settle_key(experiment, KEY, late) == first
        err = capsys.readouterr().err
        assert "could not be terminated" in err and "KFP UI" in err, err
