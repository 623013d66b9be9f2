"""Two ``ctloop apply`` runs creating the same pipeline at once: the one that loses does not fail.

Specs of other images share a pipeline (``Platform.ensure_pipeline``). Both found no pipeline and
both uploaded; the API server keeps names unique per namespace (2.17.0 ``model/pipeline.go``
``uniqueIndex:namespace_name``) and answers the second ``409`` (``pipeline_upload_server.go``
``UploadPipeline``: "Failed to create a pipeline and a pipeline version"): that apply failed, and a
CI retry was the only way on. Now it takes the pipeline the other one created and goes on as if
it had found it (a new version, or none for the same content).
"""

from __future__ import annotations

import pytest

from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.helpers import REPO
from tests.ops.test_platform import isolate_kfp_env

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines"


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    isolate_kfp_env(monkeypatch, tmp_path)
    with KfpApiDouble() as double:
        yield double


def _lose_the_race(platform: Platform, monkeypatch) -> None:
    """The first lookup answers as it did before the other apply's upload landed."""
    real = platform.find_pipeline
    calls = []

    def find(name, shared=False):
        calls.append(name)
        return None if len(calls) == 1 else real(name, shared)

    monkeypatch.setattr(platform, "find_pipeline", find)


@pytest.mark.parametrize("same_content", [True, False])
def test_the_loser_of_a_concurrent_create_goes_on(kfp, monkeypatch, tmp_path, same_content):
    winner = Platform(host=kfp.url).ensure_pipeline("continuous-training", GOLDEN / "continuous-training.yaml")
    loser = Platform(host=kfp.url)
    _lose_the_race(loser, monkeypatch)
    package = GOLDEN / "continuous-training.yaml"
    if not same_content:
        package = tmp_path / "continuous-training.yaml"
        package.write_text((GOLDEN / "continuous-training.yaml").read_text() + "\n# another image\n")
    result = loser.ensure_pipeline("continuous-training", package)
    assert result.pipeline_id == winner.pipeline_id
    assert result.action == ("unchanged" if same_content else "new-version")
    assert len(kfp.state.pipelines) == 1
    assert len(kfp.state.versions[winner.pipeline_id]) == (1 if same_content else 2)


def test_the_loser_of_a_concurrent_new_version_goes_on(kfp, monkeypatch, tmp_path):
    """Both list the versions, both add the same content under the same name: the server answers the
    second 409 (the version name is taken); that one finds the version the other added."""
    first = Platform(host=kfp.url).ensure_pipeline("continuous-training", GOLDEN / "continuous-training.yaml")
    package = tmp_path / "continuous-training.yaml"
    package.write_text((GOLDEN / "continuous-training.yaml").read_text() + "\n# another image\n")
    loser = Platform(host=kfp.url)
    stale = loser.versions(first.pipeline_id)
    winner = Platform(host=kfp.url).ensure_pipeline("continuous-training", package)
    assert winner.action == "new-version"
    real, calls = loser.versions, []
    monkeypatch.setattr(loser, "versions", lambda pid: calls.append(pid) or (stale if len(calls) == 1 else real(pid)))
    result = loser.ensure_pipeline("continuous-training", package)
    assert (result.action, result.version_id) == ("unchanged", winner.version_id)
    assert len(kfp.state.versions[first.pipeline_id]) == 2
