"""A name KFP's database takes for another is found by what the server's filter answers, not by
ctloop's approximation of the collation.

kubeflow/pipelines 2.17.0 keeps pipeline names unique per namespace (``backend/src/apiserver/model/pipeline.go``
``uniqueIndex:namespace_name``) in MySQL 8, whose default ``utf8mb4_0900_ai_ci`` compares at the
primary strength of DUCET 9.0.0 (allkeys-9.0.0.txt): ``łódź`` is ``lodz``, ``Øre`` is ``ore``, ``æble``
is ``aeble``. ctloop kept only the pipelines its ``collation_key`` (NFKD without marks, casefolded) took
for the name, and that leaves ``ł``, ``ø``, ``æ`` as they are: ``upload --pipeline-name lodz`` with
``łódź`` present dropped the ``łódź`` the name filter had answered, uploaded, got 409 and failed "which
ctloop cannot find". Now the exact spelling wins, else what the server's filter answered. The double
compares with a pinned table of DUCET 9.0.0 primary equalities (``tests/doubles/kfp_api.py``
``UCA_900_PRIMARY``), not with ctloop's function, so the two can disagree as MySQL and ctloop do.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.ops.platform import Platform, collation_key
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_r40_kfp_pipeline_name_key import _seed

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.mark.parametrize(("stored", "given"), [("łódź", "lodz"), ("Øre", "ore"), ("æble", "aeble")])
def test_upload_goes_to_the_pipeline_the_database_takes_for_the_name(monkeypatch, tmp_path, capsys, stored, given):
    assert collation_key(stored) != collation_key(given)  # beyond ctloop's approximation
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        pid = _seed(kfp, stored, stored)
        code = main(["upload", "--host", kfp.url, "--pipeline-name", given])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        assert list(kfp.state.pipelines) == [pid] and len(kfp.state.versions[pid]) == 2  # _seed made one
    assert f"KFP holds it as the pipeline {stored!r}" in captured.err, captured.err


def test_the_exact_spelling_wins_and_an_unfiltered_answer_is_no_match(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        exact = platform.ensure_experiment("æble")
        assert platform.find_experiment("aeble") == exact
        _seed(kfp, "credit", "credit")
        _seed(kfp, "fraud", "fraud")
        original = kfp.dispatch

        def filter_dropped(method, path, query, body):  # a proxy that drops the query string's filter
            return original(method, path, {k: v for k, v in query.items() if k != "filter"}, body)

        kfp.dispatch = filter_dropped
        assert platform.find_pipeline("lodz") is None
        assert platform.find_pipeline("fraud") is not None


def test_the_double_takes_ducet_equalities_ctloop_does_not_know():
    from tests.doubles.kfp_api import _same

    assert _same("ŁÓDŹ", "lodz") and _same("Œuvre", "oeuvre") and _same("Đakovo", "dakovo")
    assert _same("soft\u00adhyphen", "softhyphen") and _same("crédit", "CREDIT") and not _same("credit ", "credit")
