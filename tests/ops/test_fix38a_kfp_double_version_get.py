"""The KFP API double's ``GET /pipelines/{pipeline id}/versions/{version id}`` is the server's.

kfp 2.17.0 ``backend/src/apiserver/server/pipeline_server.go`` ``GetPipelineVersion`` reads only
``request.GetPipelineVersionId()`` (the path's pipeline id is not looked at) and
``storage/pipeline_store.go`` ``GetPipelineVersion`` finds it by id alone
(``getPipelineVersionByCol("UUID", id, READY)``): a version named under another pipeline's id is
found (200, its own ``pipeline_id``). The double looked it up under the path's pipeline and answered
404, which a pin check against the double would read as "deleted" where KFP answers 200.
"""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
G = REPO / "tests" / "golden" / "pipelines"


def test_a_version_is_found_by_its_id_whatever_pipeline_the_path_names(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        ct = platform.ensure_pipeline("continuous-training", G / "continuous-training.yaml")
        rollout = platform.ensure_pipeline("rollout", G / "rollout.yaml")
        found = platform.client.get_pipeline_version(ct.pipeline_id, rollout.version_id)
        assert (found.pipeline_version_id, found.pipeline_id) == (rollout.version_id, rollout.pipeline_id)
        # a version no pipeline has: 404
        with pytest.raises(PlatformError) as caught:
            platform._call("get pipeline version", platform.client.get_pipeline_version, ct.pipeline_id, "version-999")
        assert getattr(caught.value.__cause__, "status", None) == 404
