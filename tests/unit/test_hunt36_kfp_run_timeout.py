"""A run whose creation KFP answered too late is not started twice.

``POST /runs`` is not idempotent, and its answer can come after the client's timeout (a slow API
server, an ingress under load): the run exists, but ``ctloop trigger`` said "cannot reach KFP: no
answer within N s — fix: check --host", and the retry that message invites started a second
training run. ctloop now names the run itself: kubeflow/pipelines 2.15.0-2.17.0 keeps a client's
``run_id`` (``backend/src/apiserver/server/api_converter.go`` ``toModelRun``: ``UUID: runId``;
``resource/resource_manager.go`` ``CreateRun`` generates one only when it is empty), so after a
timeout ctloop asks for that run and, when it exists, reports it started.
"""

from __future__ import annotations

import re
import uuid

import pytest

from ctloop.cli import main
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines" / "continuous-training.yaml"
PARAMS = TRIGGER_PARAMS


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path, reply_delay={"POST /runs": 2.0}) as double:
        yield double


def _run_posts(double):
    return [c for c in double.calls if c.method == "POST" and c.path.endswith("/runs")]


def test_a_run_created_but_answered_late_is_reported_started_once(kfp, capsys):
    assert main(["trigger", "--host", kfp.url, "--timeout", "0.5", *PARAMS]) == 0
    out, err = capsys.readouterr()
    run_id = re.search(r"run_id=(\S+)", out).group(1)
    assert list(kfp.state.runs) == [run_id] and len(_run_posts(kfp)) == 1
    assert "Traceback" not in err and run_id in err  # the late answer is said, with the run


@pytest.fixture
def fast(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as double:
        yield double


def test_runs_carry_a_fresh_client_run_id(fast):
    platform = Platform(host=fast.url)
    returned = [platform.create_run(GOLDEN, experiment="ctloop", params={"model_name": "credit"}, run_name="r")
                for _ in range(2)]
    posts = _run_posts(fast)
    assert [c.body["run_id"] for c in posts] == returned
    ids = [c.body["run_id"] for c in posts]
    assert len(set(ids)) == 2 and all(uuid.UUID(i).version == 7 for i in ids)  # time-ordered
    assert sorted(ids) == sorted(fast.state.runs)


def test_a_gateway_that_gave_up_while_the_run_was_created_is_no_second_run(fast, capsys):
    """An ingress or Istio gateway in front of the API server answers 504 (502/503) when it stops
    waiting, while the API server goes on and creates the run (review D): that run is looked up
    too, not reported as a failure that invites a second one. Listing runs then works with the
    client's UUIDs (the double sorted by a numeric part of the id before)."""
    from kfp_server_api.exceptions import ApiException

    platform = Platform(host=fast.url)
    create = platform.client._run_api.run_service_create_run

    def gateway_timeout(*args, **kwargs):
        create(*args, **kwargs)
        raise ApiException(status=504, reason="Gateway Timeout")

    platform.client._run_api.run_service_create_run = gateway_timeout
    run_id = platform.create_run(GOLDEN, experiment="ctloop", params={"model_name": "credit"}, run_name="r")
    assert list(fast.state.runs) == [run_id] and len(_run_posts(fast)) == 1
    assert f"run {run_id} (r) was created" in capsys.readouterr().err
    for _ in range(3):
        Platform(host=fast.url).create_run(GOLDEN, experiment="ctloop", params={"model_name": "credit"}, run_name="s")
    experiment_id = next(iter(fast.state.experiments))
    assert len(Platform(host=fast.url).recent_runs(experiment_id, limit=10)) == 4
