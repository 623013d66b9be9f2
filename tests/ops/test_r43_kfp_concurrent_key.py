"""Two creates with one idempotency key at once leave one run.

Each ``ctloop trigger --idempotency-key K`` (and each attempt of a monitoring window's retrain, of an
approval's rollout) looks ``K`` up and creates a run when KFP has none. Two at once both looked before
either run was stored, and both started a run: KFP 2.17 has nothing to lock on. A run id derived from the
key would not help: 2.17.0 ``resource/resource_manager.go`` ``CreateRun`` creates the Argo workflow
(``generateName``, labelled ``pipeline/runid=<id>``) before ``storage/run_store.go`` ``CreateRun`` inserts
the row, so the second insert fails (500) while ``ReportWorkflowResource`` adopts its workflow under the
first's row, where ``TerminateRun`` (which stops the row's ``K8SName`` only) cannot reach it.

Now each creator lists the key's runs once its own is stored; the earliest sent (run ids are version-7
UUIDs: their first 48 bits are the milliseconds they were drawn) is the key's, and a later one terminates
itself (``POST /apis/v2beta1/runs/{id}:terminate``, 2.17.0 ``api/v2beta1/run.proto``) and answers the
first. Through the KFP API double (tests/doubles/kfp_api.py)."""

from __future__ import annotations

import uuid

import pytest

from ctloop.ops.platform import Platform, run_id_now
from tests.doubles.kfp_cli import kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines" / "continuous-training.yaml"
KEY = "nightly-7"


def _create(platform: Platform) -> str:
    return platform.create_run(
        GOLDEN,
        experiment="credit-ct",
        params={"model_name": "credit"},
        run_name="continuous-training-triggered",
        key=KEY,
    )


def _states(kfp) -> dict[str, str]:
    return {rid: run["state"] for rid, run in kfp.state.runs.items()}


def test_run_ids_sort_by_when_they_were_drawn(monkeypatch):
    # three ids drawn a millisecond apart, the random part of each smaller than the one before: only
    # the leading milliseconds can put them in the order drawn
    now = iter([1_767_225_600_000_000_000 + i * 1_000_000 for i in range(3)])
    noise = iter([b"\xff" * 10, b"\x80" * 10, b"\x00" * 10])
    monkeypatch.setattr("time.time_ns", lambda: next(now))
    monkeypatch.setattr("ctloop.ops.platform.os.urandom", lambda n: next(noise))
    ids = [run_id_now() for _ in range(3)]
    assert all(uuid.UUID(i).version == 7 and uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)
    assert [uuid.UUID(i).int >> 80 for i in ids] == [1_767_225_600_000 + i for i in range(3)]
    assert sorted(ids) == ids  # as the database compares the UUID column


def test_the_later_of_two_creates_that_both_missed_the_key_terminates_itself(
    monkeypatch, tmp_path, capsys
):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        first, second = Platform(host=kfp.url), Platform(host=kfp.url)
        first.ensure_experiment("credit-ct")
        experiment = first.find_experiment("credit-ct")
        # both looked the key up before either run was stored
        assert (
            first.keyed_run(experiment, KEY) is None and second.keyed_run(experiment, KEY) is None
        )
        kept = _create(first)
        assert _create(second) == kept  # the second creator answers the key's run
        states = _states(kfp)
    assert states.pop(kept) == "PENDING" and list(states.values()) == ["CANCELING"]
    (dup,) = states
    err = capsys.readouterr().err
    assert (
        f"warning: run {dup} terminated: a trigger with idempotency key {KEY} at the same moment"
        in err
    )


def test_the_first_keeps_its_run_and_names_a_later_one_it_sees(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        original = kfp.dispatch
        late: list[str] = []

        def dispatch(
            method, path, query, body
        ):  # another trigger's create lands right after this one's
            answer = original(method, path, query, body)
            if method == "POST" and path.endswith("/runs") and not late:
                late.append(
                    str(uuid.UUID(int=uuid.UUID(body["run_id"]).int + (1 << 80)))
                )  # 1 ms later
                kfp.state.runs[late[0]] = {
                    **body,
                    "run_id": late[0],
                    "state": "PENDING",
                    "created_at": kfp.state.runs[body["run_id"]]["created_at"],
                }
            return answer

        kfp.dispatch = dispatch
        kept = _create(Platform(host=kfp.url))
        states = _states(kfp)
    # stopped by the first's creator too (r44)
    assert states == {kept: "PENDING", late[0]: "CANCELING"}
    err = capsys.readouterr().err
    assert (
        f"KFP has run(s) {late[0]} of idempotency key {KEY} too" in err
        and f"run {kept} is the key's" in err
    )


def test_a_lone_keyed_create_terminates_nothing(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        kept = _create(Platform(host=kfp.url))
        assert _states(kfp) == {kept: "PENDING"}
        assert not [c for c in kfp.calls if c.path.endswith(":terminate")]
    assert "warning" not in capsys.readouterr().err
