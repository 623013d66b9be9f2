"""A schedule whose creation KFP answered too late still retires the one it replaces.

``POST /recurringruns`` answered after the client's timeout (a slow API server, an ingress under
load) although the server made it: ``apply`` stopped with "cannot reach KFP" before retiring the
old schedule, so the old and the new one both fired every tick (two training runs each time) until
someone applied again. ctloop now looks for the new schedule by its spec hash and goes on. The
double's ``reply_delay`` does the request, then answers late.
"""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines" / "continuous-training.yaml"


def _ids(platform: Platform) -> tuple[str, str, str]:
    upload = platform.ensure_pipeline("continuous-training", GOLDEN)
    return upload.pipeline_id, upload.version_id, platform.ensure_experiment("ctloop")


def _reconcile(platform: Platform, ids: tuple[str, str, str], cron: str):
    pipeline_id, version_id, experiment_id = ids
    return platform.reconcile_schedule(experiment_id=experiment_id, job_name="ct-credit", pipeline_id=pipeline_id,
                                       version_id=version_id, cron=cron, params={})


# the late answer comes 2 s after a create that a 1 s timeout gave up on; every other call is quick
LATE, TIMEOUT = 2.0, 1.0


def test_a_late_answered_schedule_replaces_the_old_one(monkeypatch, tmp_path):
    warned: list[str] = []
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        ids = _ids(Platform(host=kfp.url))
        old = _reconcile(Platform(host=kfp.url), ids, "0 0 3 * * *").recurring_run_id
        kfp.reply_delay = {"POST /recurringruns": LATE}
        result = _reconcile(Platform(host=kfp.url, timeout=TIMEOUT, warn=warned.append), ids, "0 0 4 * * *")
        assert result.action == "replaced" and result.retired == [old]
        assert list(kfp.state.recurring) == [result.recurring_run_id]
    assert warned and result.recurring_run_id in warned[0]


def test_a_late_answer_with_nothing_made_is_still_an_error(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        ids = _ids(Platform(host=kfp.url))
        platform = Platform(host=kfp.url, timeout=TIMEOUT)
        monkeypatch.setattr(platform, "recurring_runs", lambda *a: [])  # the server did not make it
        kfp.reply_delay = {"POST /recurringruns": LATE}
        with pytest.raises(PlatformError, match="does not show the new schedule ct-credit"):
            _reconcile(platform, ids, "0 0 4 * * *")
