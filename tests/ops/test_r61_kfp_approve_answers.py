"""``ctloop approve`` meeting an authenticated KFP that stops answering as the KFP API does (round 61): the round-60
sweep (tests/ops/test_r60_kfp_answers_sweep.py) ran ``runs``, ``upload``, ``schedule``, ``trigger`` and ``apply``
against every answer, never ``approve``, the other command that talks to the KFP API. Each answer, on approve's first
call after healthz (the experiment lookup, before the approval is recorded) and on its create run (after), must end
in one ``error:`` line, exit code 2, no traceback; the first leaves the version pending approval.

The answers and the failing proxy are the sweep's (Istio's 401/403, the API server's PermissionDenied and Internal,
grpc-gateway's 404, Envoy's 503, nginx's HTML 502, oauth2-proxy's login redirect and sign-in page, a 200 that is no
JSON, one cut short)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop import approval
from ctloop.cli import main
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import PREFIX, KfpApiDouble
from tests.helpers import REPO
from tests.ops.test_r60_kfp_answers_sweep import ANSWERS, _failing_proxy, env  # noqa: F401,F811 - env: the fixture

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines"
MODEL = "credit-approve-answers"
ROLLOUT = {"approval": "required", "inference_service": "credit-default", "namespace": "ctloop"}


@pytest.fixture(scope="module")
def double():
    """What ``ctloop apply`` leaves for a model with ``rollout.approval: required``: experiment ``ctloop``, the ct-
    schedule pinning a rollout version (as tests/ops/test_r39_kfp_approve_experiment.py)."""
    with KfpApiDouble(tokens={"t": "ok"}) as kfp:
        apply_leaves(Platform(host=kfp.url, token="t"))
        yield kfp


def apply_leaves(platform: Platform) -> None:
    """What ``ctloop apply`` leaves in KFP for :data:`MODEL`: experiment ``ctloop``, the ct- schedule pinning a
    rollout version (as tests/ops/test_r39_kfp_approve_experiment.py)."""
    ct = platform.ensure_pipeline("continuous-training", GOLDEN / "continuous-training.yaml")
    rollout = platform.ensure_pipeline("rollout", GOLDEN / "rollout.yaml")
    experiment_id = platform.ensure_experiment("ctloop")
    platform.reconcile_schedule(experiment_id=experiment_id, job_name=f"ct-{MODEL}", pipeline_id=ct.pipeline_id,
                                version_id=ct.version_id, cron="0 0 3 * * *", params={},
                                pins={"rollout": (rollout.pipeline_id, rollout.version_id)})


_SHARED: dict[str, tuple] = {}  # one registry per test process, for this module and tests/ops/test_r61_kfp_namespace.py


@pytest.fixture(scope="module")
def registry(tmp_path_factory, _mlflow_schema_template):
    """``(tracking URI, registry)`` of model :data:`MODEL` with two fitted versions, built once per test process
    (a sqlite store and two fits took ~1.5 s a case; round 61 review, L5): take :func:`pending` for a case. Built
    from the migrated schema (tests/conftest.py ``_mlflow_env`` installs it per test, after a module's fixtures: a
    store created here first migrated from scratch, most of the 9.6 s this module's setup took)."""
    if not _SHARED:
        _mlflow_schema_template.installed()
        from tests.integration.registry_support import register_fitted

        uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"
        rng = np.random.default_rng(0)
        frame = pd.DataFrame({"x": rng.normal(size=300)})
        frame["y"] = (frame.x > 0).astype(int)
        _SHARED["registry"] = uri, register_fitted(uri, MODEL, frame, seeds=(1, 2))
    return _SHARED["registry"]


@pytest.fixture
def pending(registry):
    """Version 2 pending approval again, whatever the case before did with it (a create-run case records the
    approval; the decision is cleared so that :func:`ctloop.approval.request` asks again)."""
    uri, models = registry
    models.set_tags(MODEL, "2", {approval.TAG_STATE: ""})
    approval.request(models, MODEL, "2", reason="approval required", rollout=ROLLOUT)
    assert approval.pending(models, MODEL).version == "2"
    return uri, models




def _approve(capsys, uri: str, double, answer: str, write: str = "") -> tuple[int, str, str, list]:
    proxy, seen = _failing_proxy(double.root_url, answer, 1, write)
    try:
        code = main(["approve", "--model-name", MODEL, "--version", "2", "--reason", "fairness review passed",
                     "--by", "alice", "--tracking-uri", uri, "--host", proxy.url, "--timeout", "5"])
    finally:
        proxy.close()
    out, err = capsys.readouterr()
    return code, out, err, seen


def _one_line(code: int, out: str, err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("warning: ")]
    assert code == 2, (code, out, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and "Traceback" not in out, err
    return lines[0]


@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_every_answer_before_the_record_is_one_line_and_nothing_recorded(env, capsys, double, pending, answer):  # noqa: F811
    uri, registry = pending
    code, out, err, seen = _approve(capsys, uri, double, answer)
    assert seen[0] >= 1, "approve made no call after healthz: the answer was never given"
    line = _one_line(code, out, err)
    assert "nothing was recorded" in line, line
    assert approval.pending(registry, MODEL).version == "2"


@pytest.mark.parametrize("answer", ["401-jwt-expired", "500-internal", "502-nginx-html", "200-cut-short",
                                    "302-login"])
def test_an_answer_to_the_create_run_is_one_line(env, capsys, double, pending, answer):  # noqa: F811
    """The create run (``POST /runs``), after the approval was recorded: one line, exit 2 (a 5xx says the run may
    have started without a KFP run, as ``_created_anyway`` does)."""
    uri, _ = pending
    code, out, err, seen = _approve(capsys, uri, double, answer, write=PREFIX + "/runs")
    assert len(seen) > 1 and seen[1][0] == "POST", seen
    _one_line(code, out, err)
