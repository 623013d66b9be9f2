"""Pipeline, version and experiment names are compared as KFP's database compares them: without
regard to accents as much as to case.

kubeflow/pipelines 2.17.0 stores pipelines in MySQL (``backend/src/apiserver/model/pipeline.go``:
``Name`` with ``uniqueIndex:namespace_name``; ``model/pipeline_version.go`` ``idx_pipelineid_name``;
``model/experiment.go`` ``idx_name_namespace``). The manifests deploy MySQL 8 and the API server
creates its database without a collation (``client_manager/client_manager.go``), so the server
default ``utf8mb4_0900_ai_ci`` compares: *accent-* and case-insensitive. ``crédit`` is ``credit`` to
it: the ``name`` filter of ``GET /pipelines`` answers ``credit`` for ``crédit`` and an upload of
``crédit`` collides with ``credit`` (409). ctloop compared casefolded only: the lookup dropped
``credit``, the upload was refused, and ``ctloop upload`` failed every time with a bare
"HTTP 409 Conflict: Failed to create a pipeline and a pipeline version" that named neither pipeline.
Now the lookup finds the pipeline KFP holds for that name, and says which one it is.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_r40_kfp_pipeline_name_key import _seed

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_upload_of_an_accented_spelling_goes_to_the_pipeline_kfp_holds(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        pid = _seed(kfp, "credit", "credit")
        code = main(["upload", "--host", kfp.url, "--pipeline-name", "crédit"])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        assert list(kfp.state.pipelines) == [pid] and len(kfp.state.versions[pid]) == 2
    assert "'credit'" in captured.err and "crédit" in captured.err, captured.err
    assert len([x for x in captured.err.splitlines() if x.strip()]) == 1, captured.err


def test_the_double_collides_as_the_collation_does(monkeypatch, tmp_path):
    from tests.doubles.kfp_api import _same

    assert _same("crédit", "CREDIT") and _same("straße", "STRASSE") and not _same("credit ", "credit")
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        platform.ensure_experiment("équipe")
        eid = platform.find_experiment("equipe")
        assert eid and platform.ensure_experiment("Equipe") == eid
        assert len(kfp.state.experiments) == 1


def test_version_names_free_of_accented_collisions():
    from types import SimpleNamespace as V

    taken = [V(name="0.1.0-abcdef1", display_name="0.1.0-abcdef1", description="")]
    assert Platform._free_version_name(taken, "0.1.0-abcdéf1", "0" * 64) == "0.1.0-abcdéf1-0000000000"
