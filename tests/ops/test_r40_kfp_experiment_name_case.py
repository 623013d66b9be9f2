"""An experiment's name is found as KFP's database compares it: without regard to case.

kubeflow/pipelines 2.17.0 ``backend/src/apiserver/model/experiment.go`` keeps ``Name`` (the API's
``display_name``) under ``uniqueIndex:idx_name_namespace``; KFP's MySQL 8 database is created
without a collation, so ``utf8mb4_0900_ai_ci`` compares: ``Credit`` beside an existing ``credit``
is refused 409, and the ``display_name`` filter of ``GET /experiments`` matches ``credit`` for
``Credit``. ``Platform._experiment`` kept only the exact spelling: nothing found, a create, 409,
and ``ensure_experiment`` then found nothing again and failed (round 40; pipeline names had the
same fault, test_fix40f_pipeline_name_case). The double collides as that database does.
"""

from __future__ import annotations

import pytest

from tests.doubles.kfp_cli import kfp_for_cli

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_an_experiment_named_in_another_case_is_the_same_experiment(monkeypatch, tmp_path):
    from ctloop.ops.platform import Platform

    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        first = platform.ensure_experiment("credit")
        assert platform.ensure_experiment("Credit") == first
        assert platform.find_experiment("CREDIT") == first
        assert [e["display_name"] for e in kfp.state.experiments.values()] == ["credit"]


def test_the_exact_spelling_wins_where_both_exist(monkeypatch, tmp_path):
    """Experiments created before (a store with a binary collation) may hold both spellings."""
    from ctloop.ops.platform import Platform

    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        lower = platform.ensure_experiment("credit")
        upper = kfp.new_id("experiment")
        kfp.state.experiments[upper] = {**kfp.state.experiments[lower], "experiment_id": upper,
                                         "display_name": "Credit"}
        assert platform.find_experiment("Credit") == upper
        assert platform.find_experiment("credit") == lower


def test_the_double_refuses_another_spelling_of_an_experiment_name(monkeypatch, tmp_path):
    import requests

    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        url = f"{kfp.url}/apis/v2beta1/experiments"
        assert requests.post(url, json={"display_name": "credit"}, timeout=10).status_code == 200
        assert requests.post(url, json={"display_name": "Credit"}, timeout=10).status_code == 409
