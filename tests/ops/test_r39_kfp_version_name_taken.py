"""A pipeline version name ``ctloop apply``/``upload`` would use is taken by a version made by hand.

ctloop names a version ``<package version>-<commit>`` and, when a version of that name exists,
``-<content hash>`` after it. It looked only at ``display_name``; KFP 2.17.0 keeps ``Name`` unique per
pipeline (``backend/src/apiserver/model/pipeline_version.go``: ``uniqueIndex:idx_pipelineid_name``)
and the upload endpoint sets it from ``?name=`` (``server/pipeline_upload_server.go``
``UploadPipelineVersion``, which answers AlreadyExists with ``409`` and the v1beta1 body
``{"error_message": "Failed to create a pipeline version", ...}``). A version created in the KFP UI
or through ``POST /pipelines/{id}/versions`` (``server/pipeline_server.go``
``CreatePipelineVersion``) may carry that name with another display name, or the hashed name too:
the upload failed with the bare ``HTTP 409 Conflict: Failed to create a pipeline version``, and
every apply after it. Now the first free name of ``<name>``, ``<name>-<hash>``, ``<name>-<hash>-2``...
is used (the same for every apply of one content: re-applying is ``unchanged``); a 409 for a name
taken between the listing and the upload takes the next free one; the v2beta1 ``PipelineVersion``
has both fields (``backend/api/v2beta1/swagger/pipeline.swagger.json``, 2.17.0).
"""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform, content_hash, version_name
from tests.doubles.kfp_api import KfpApiDouble
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines"
COMMIT = "1a2b3c4"


@pytest.fixture
def kfp(kfp_env):
    with KfpApiDouble() as double:
        yield double


@pytest.fixture
def kfp_env(monkeypatch, tmp_path):
    from tests.ops.test_platform import isolate_kfp_env

    isolate_kfp_env(monkeypatch, tmp_path)


def _first(platform: Platform) -> str:
    """The pipeline, uploaded once with other content (the golden monitoring pipeline)."""
    return platform.ensure_pipeline("continuous-training", GOLDEN / "monitoring.yaml", commit=COMMIT).pipeline_id


def test_a_name_taken_by_hand_gets_the_hashed_name_and_apply_again_is_unchanged(kfp):
    platform = Platform(host=kfp.url)
    pid = _first(platform)
    wanted = version_name(COMMIT)
    kfp.add_version(pid, wanted, display_name="hotfix by hand")
    package = GOLDEN / "continuous-training.yaml"
    plan = platform.ensure_pipeline("continuous-training", package, dry_run=True, commit=COMMIT)
    result = platform.ensure_pipeline("continuous-training", package, commit=COMMIT)
    expected = f"{wanted}-{content_hash(package)[:10]}"
    assert (plan.action, plan.version_name) == ("would-add-version", expected)
    assert (result.action, result.version_name) == ("new-version", expected)
    assert platform.ensure_pipeline("continuous-training", package, commit=COMMIT).action == "unchanged"


def test_the_hashed_name_taken_too_gets_a_counter(kfp):
    platform = Platform(host=kfp.url)
    pid = _first(platform)
    package = GOLDEN / "continuous-training.yaml"
    hashed = f"{version_name(COMMIT)}-{content_hash(package)[:10]}"
    kfp.add_version(pid, version_name(COMMIT))
    kfp.add_version(pid, hashed.upper(), display_name="copy")  # MySQL compares names case-insensitively
    result = platform.ensure_pipeline("continuous-training", package, commit=COMMIT)
    assert (result.action, result.version_name) == ("new-version", f"{hashed}-2")
    names = [v["name"] for v in kfp.state.versions[pid]]
    assert len(names) == len(set(names)) == 4


class TakenMeanwhile(KfpApiDouble):
    """Someone adds a version of the name ctloop is uploading, between its listing and its upload."""

    def dispatch(self, method, path, query, body):
        if path.endswith("/pipelines/upload_version") and not getattr(self, "raced", False):
            self.raced = True
            self.add_version(query["pipelineid"], query["name"], display_name="by hand")
        return super().dispatch(method, path, query, body)


def test_a_name_taken_between_listing_and_upload_takes_the_next_free_one(kfp_env):
    with TakenMeanwhile() as kfp:
        platform = Platform(host=kfp.url)
        pid = _first(platform)
        package = GOLDEN / "continuous-training.yaml"
        result = platform.ensure_pipeline("continuous-training", package, commit=COMMIT)
        assert (result.action, result.version_name) == ("new-version", f"{version_name(COMMIT)}-"
                                                                       f"{content_hash(package)[:10]}")
        assert len(kfp.state.versions[pid]) == 3


class AlwaysTaken(KfpApiDouble):
    """A version store that answers every version upload 409 (a name KFP holds that no list shows)."""

    def dispatch(self, method, path, query, body):
        if path.endswith("/pipelines/upload_version"):
            return 409, self._upload_error("Failed to create a pipeline version")
        return super().dispatch(method, path, query, body)


def test_a_409_that_stays_is_one_line_naming_pipeline_and_version(kfp_env):
    with AlwaysTaken() as kfp:
        platform = Platform(host=kfp.url)
        _first(platform)
        with pytest.raises(PlatformError) as caught:
            platform.ensure_pipeline("continuous-training", GOLDEN / "continuous-training.yaml", commit=COMMIT)
    line = str(caught.value)
    assert "\n" not in line and "pipeline continuous-training" in line and version_name(COMMIT) in line, line
    assert "HTTP 409" in line and "fix:" in line, line
