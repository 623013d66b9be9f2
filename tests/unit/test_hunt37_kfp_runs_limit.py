"""``ctloop runs --limit N`` shows N runs when there are, also beyond one page of the API.

The API server answers at most 200 items a page, whatever ``page_size`` asks (kubeflow/pipelines
2.17.0 ``backend/src/apiserver/list/list.go`` ``validatePageSize``: ``maxPageSize = 200``), with a
``next_page_token``; ``ctloop runs`` read the first page only: ``--limit 500`` listed 200 runs, the
older 300 silently missing.
"""

from __future__ import annotations

import pytest

from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


class MaxPage200(KfpApiDouble):
    def dispatch(self, method, path, query, body):
        if query.get("page_size") and int(query["page_size"]) > 200:
            query = {**query, "page_size": "200"}
        return super().dispatch(method, path, query, body)


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    import tests.doubles.kfp_cli as kfp_cli

    monkeypatch.setattr(kfp_cli, "KfpApiDouble", MaxPage200)
    with kfp_cli.kfp_for_cli(monkeypatch, tmp_path) as double:
        yield double


def _seed(kfp, n: int) -> str:
    experiment_id = Platform(host=kfp.url).ensure_experiment("ctloop")
    for i in range(n):
        kfp.add_run(experiment_id, f"run-{i:03d}", "SUCCEEDED", tasks=[("retrain", "SUCCEEDED")])
    return experiment_id


@pytest.mark.parametrize(("runs", "limit", "shown"), [(260, 250, 250), (260, 500, 260), (30, 10, 10)])
def test_the_limit_is_what_is_shown(kfp, runs, limit, shown):
    experiment_id = _seed(kfp, runs)
    listed = Platform(host=kfp.url).recent_runs(experiment_id, limit=limit)
    assert len(listed) == shown
    assert len({r.run_id for r in listed}) == shown
