"""A KFP list answered with the same ``next_page_token`` again ends in one line, not a hang.

The API server's token is a new one for every page (kubeflow/pipelines 2.17.0
``backend/src/apiserver/list/list.go`` ``NextPageToken``: the next key, base64). A cache or proxy in
front of it that ignores the query string serves the first page, with its token, for every
request: ``ctloop apply`` (listing recurring runs, pipeline versions) never ended.
"""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

# the smallest golden pipeline: every version listed carries its spec (a page of 100 copies of the
# continuous-training spec was ~25 MB of JSON to decode; the pages, not the spec, are the point)
GOLDEN = REPO / "tests" / "golden" / "pipelines" / "batch-scoring.yaml"


class IgnoresPageToken(KfpApiDouble):
    """Every list is answered as its first page (a cache keyed on the path)."""

    def dispatch(self, method, path, query, body):
        return super().dispatch(method, path, {k: v for k, v in query.items() if k != "page_token"}, body)


def test_a_repeated_page_token_is_an_error_not_a_hang(monkeypatch, tmp_path):
    import tests.doubles.kfp_cli as kfp_cli

    monkeypatch.setattr(kfp_cli, "KfpApiDouble", IgnoresPageToken)
    with kfp_cli.kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        upload = platform.ensure_pipeline("batch-scoring", GOLDEN)
        for i in range(101):  # more than one page (ctloop asks for 100)
            kfp.state.versions[upload.pipeline_id].append({**kfp.state.versions[upload.pipeline_id][0],
                                                           "pipeline_version_id": f"v-{i}"})
        before = len(kfp.calls)
        with pytest.raises(PlatformError, match="answered the page token .* again"):
            platform.versions(upload.pipeline_id)
        assert len(kfp.calls) - before == 2  # the first page, then its token again: stopped


def test_paging_still_reads_every_page(monkeypatch, tmp_path):
    import tests.doubles.kfp_cli as kfp_cli

    with kfp_cli.kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        upload = platform.ensure_pipeline("batch-scoring", GOLDEN)
        for i in range(250):
            kfp.state.versions[upload.pipeline_id].append({**kfp.state.versions[upload.pipeline_id][0],
                                                           "pipeline_version_id": f"v-{i:03d}"})
        assert len(platform.versions(upload.pipeline_id)) == 251
