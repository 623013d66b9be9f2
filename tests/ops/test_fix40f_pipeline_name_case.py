"""A pipeline's name is found as KFP's database compares it: without regard to case (review revF 4).

kubeflow/pipelines 2.17.0 keeps pipelines in MySQL (``backend/src/apiserver/model/pipeline.go``: ``Name``
with ``uniqueIndex:namespace_name``); KFP's manifests deploy MySQL 8 and create the database without a
collation, so ``utf8mb4_0900_ai_ci`` compares: the ``name`` filter of ``GET /pipelines`` matches
``Continuous-Training`` for ``continuous-training`` and the upload of ``continuous-training`` collides with
it (409). ``Platform.find_pipeline`` then kept only the exact spelling: nothing found, a new pipeline
uploaded, refused 409 -- every ``ctloop upload``/``apply`` failed. (``_free_version_name`` already
compares version names casefolded for the same reason.) The double (tests/doubles/kfp_api.py) now
filters and collides as that database does.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_r40_kfp_pipeline_name_key import _seed

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_upload_into_a_pipeline_named_in_another_case(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        pid = _seed(kfp, "Continuous-Training", "Continuous-Training")
        code = main(["upload", "--host", kfp.url])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        assert list(kfp.state.pipelines) == [pid] and len(kfp.state.versions[pid]) == 2
    assert captured.out.startswith("pipeline continuous-training: new-version"), captured.out


def test_the_double_filters_on_the_name_alone(monkeypatch, tmp_path):
    """A display name is no pipeline's key (model/pipeline.go: DisplayName has no index; the filter's
    ``name`` maps to ``Name``, pipelineAPIToModelFieldMap in 2.17.0 ``model/pipeline.go``)."""
    from ctloop.ops.platform import Platform

    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _seed(kfp, "someone-elses", "continuous-training")
        assert Platform(host=kfp.url).find_pipeline("continuous-training") is None
