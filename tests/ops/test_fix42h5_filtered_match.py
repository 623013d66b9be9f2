"""The lone item a name filter answered is taken only when KFP's database could hold both for one name.

A name lookup takes the exact spelling, else the ``collation_key`` match, else the single item the server's
``EQUALS`` filter answered (``łódź`` for ``lodz``: ``utf8mb4_0900_ai_ci`` equalities ctloop does not know).
Behind a proxy that drops ``?filter=`` that single item is whatever the list holds:
``Platform.newest_version("rollout")`` with only ``continuous-training`` uploaded returned its version (a
rollout run of the training pipeline), and ``ctloop upload --pipeline-name credit`` with only
``batch-scoring`` there added a version to ``batch-scoring``. For pure-ASCII names the collation only
folds case, so two that differ after ``collation_key`` are two names: such an answer is no match.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.helpers import REPO
from tests.ops.test_fix42h5_keyed_run import drop_filters
from tests.ops.test_r40_kfp_pipeline_name_key import _seed

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_another_pipeline_is_not_the_newest_version_of_rollout(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        platform.ensure_pipeline("continuous-training", REPO / "tests/golden/pipelines/continuous-training.yaml")
        drop_filters(kfp)
        with pytest.raises(PlatformError, match="pipeline 'rollout' is not uploaded"):
            platform.newest_version("rollout")


def test_upload_behind_a_filter_dropping_proxy_adds_no_version_to_another_pipeline(monkeypatch, tmp_path,
                                                                                    capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        pid = _seed(kfp, "batch-scoring", "batch-scoring")
        drop_filters(kfp)
        code = main(["upload", "--host", kfp.url, "--pipeline-name", "credit"])
        assert code == 0, capsys.readouterr().err
        assert len(kfp.state.versions[pid]) == 1
        assert sorted(p["name"] for p in kfp.state.pipelines.values()) == ["batch-scoring", "credit"]


def test_a_lone_answer_the_collation_may_equal_is_still_taken(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        pid = _seed(kfp, "łódź", "łódź")
        drop_filters(kfp)
        assert Platform(host=kfp.url).find_pipeline("lodz") == pid
