"""After two creates with one idempotency key raced, every lookup of the key answers the run that stays.

``Platform._settle_key`` keeps the earliest sent of the key's runs (its version-7 id's milliseconds) and the
later one terminates itself (CANCELING). ``Platform.keyed_run`` answered the newest run with the key: the
one that terminated itself. So a retry of ``ctloop trigger --idempotency-key K`` printed the cancelled run's
id, ``ctloop approve`` took it for the rollout, and the monitoring trigger saw its late retrain as not live
(CANCELED) and could start a second one. Now ``keyed_run`` answers the earliest sent, the same rule.

The KFP API double lists runs as kubeflow/pipelines 2.17.0 does (``backend/src/apiserver/list/list.go``
``NewOptions``/``AddSortingToSelect``: ``ORDER BY <field> <dir>, UUID <dir>``; without ``sort_by``
``model/run.go`` ``DefaultSortField`` ``CreatedAtInSec`` ascending), and answers ``TerminateRun`` of a
missing run 404 (``resource/resource_manager.go`` ``TerminateRun`` calls ``GetRun`` first)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

from ctloop.ops.platform import Platform
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


def test_a_lookup_after_the_race_answers_the_run_that_stays(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        first, second = Platform(host=kfp.url), Platform(host=kfp.url)
        experiment = first.ensure_experiment("credit-ct")
        kept = _create(first)
        assert _create(second) == kept  # the second terminated its own run
        states = {rid: run["state"] for rid, run in kfp.state.runs.items()}
        # what `ctloop trigger` (cli/ops.py), `ctloop approve` and the monitoring trigger look up
        found = Platform(host=kfp.url).keyed_run(experiment, KEY)
        in_namespace = Platform(host=kfp.url).keyed_run("", KEY)
    assert sorted(states.values()) == ["CANCELING", "PENDING"] and states[kept] == "PENDING"
    assert found.run_id == kept and in_namespace.run_id == kept


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_double_lists_runs_in_the_order_sort_by_asks(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        experiment = Platform(host=kfp.url).ensure_experiment("credit-ct")
        for rid, created in [
            ("b", "2026-01-01T00:00:02Z"),
            ("c", "2026-01-01T00:00:01Z"),
            ("a", "2026-01-01T00:00:02Z"),
        ]:
            kfp.state.runs[rid] = {
                "run_id": rid,
                "experiment_id": experiment,
                "display_name": rid,
                "state": "SUCCEEDED",
                "created_at": created,
            }
        base = f"{kfp.url}/apis/v2beta1/runs?experiment_id={experiment}"
        order = {}
        for sort_by in (
            "",
            "created_at%20desc",
            "created_at%20asc",
            "CREATED_AT%20DESC",
            "display_name",
        ):
            status, body = _get(f"{base}&sort_by={sort_by}")
            order[sort_by] = (status, [r["run_id"] for r in body["runs"]])
        bad = {s: _get(f"{base}&sort_by={s}")[0] for s in ("finished", "created_at%20down")}
    assert order[""] == (
        200,
        ["c", "a", "b"],
    )  # default: CreatedAtInSec ascending, then UUID ascending
    assert order["created_at%20desc"] == (200, ["b", "a", "c"])  # UUID in the same direction
    assert (
        order["created_at%20asc"] == order[""]
        and order["CREATED_AT%20DESC"] == order["created_at%20desc"]
    )
    assert order["display_name"] == (200, ["a", "b", "c"])
    assert bad == {"finished": 400, "created_at%20down": 400}


def test_the_double_answers_terminate_of_a_missing_run_404(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        request = urllib.request.Request(
            f"{kfp.url}/apis/v2beta1/runs/nope:terminate", method="POST", data=b"{}"
        )
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request)
    assert raised.value.code == 404
    assert "ResourceNotFoundError: Run nope not found" in raised.value.read().decode()


def test_with_three_at_once_a_lookup_afterwards_answers_the_run_none_terminates(
    monkeypatch, tmp_path
):
    """C, stored second, answers B (the earliest it sees); then A's run, sent 1 ms before B's but stored
    last, lands, and B terminates itself: C's answer is stale, a lookup of the key afterwards is not."""
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        a, b, c = (Platform(host=kfp.url) for _ in range(3))
        experiment = a.ensure_experiment("credit-ct")
        answers: dict[str, str] = {}
        settle = Platform._settle_key

        def b_settles(self, experiment_id, key, run_id):
            answers["C"] = _create(c)  # C's create lands and settles before B lists
            answers["A"] = str(uuid.UUID(int=uuid.UUID(run_id).int - (1 << 80)))
            kfp.state.runs[answers["A"]] = {
                **kfp.state.runs[run_id],
                "run_id": answers["A"],
                "state": "PENDING",
            }
            return settle(self, experiment_id, key, run_id)

        monkeypatch.setattr(b, "_settle_key", b_settles.__get__(b))
        answers["B"] = _create(b)
        assert settle(a, experiment, KEY, answers["A"]) == answers["A"]
        states = {rid: run["state"] for rid, run in kfp.state.runs.items()}
        found = Platform(host=kfp.url).keyed_run(experiment, KEY)
    assert (
        answers["B"] == answers["A"] and states[answers["C"]] == "CANCELING"
    )  # C's answer went stale
    assert found.run_id == answers["A"] and states[answers["A"]] == "PENDING"
