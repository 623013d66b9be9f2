"""tests/fixtures/kfp_read_memo.py: a package read again is what kfp's own reader gives, in copies of
their own; changed bytes are read anew, and a failed read is kfp's own error every time."""

from __future__ import annotations

import shutil

import pytest

from tests.helpers import REPO

PACKAGE = REPO / "tests" / "golden" / "pipelines" / "batch-scoring.yaml"  # the smallest golden pipeline


@pytest.fixture
def reader(_kfp_read_memo):
    import kfp.client.client as client

    _kfp_read_memo.installed()
    assert client._extract_pipeline_yaml == _kfp_read_memo.read
    return client


def test_a_second_read_is_kfps_own_in_fresh_copies(reader, _kfp_read_memo, tmp_path):
    package = tmp_path / "p.yaml"
    shutil.copy(PACKAGE, package)
    with _kfp_read_memo.bypassed():
        own = reader._extract_pipeline_yaml(str(package))
    first = reader._extract_pipeline_yaml(str(package))
    hits = _kfp_read_memo.hits
    first.pipeline_spec.pipeline_info.name = "changed by its caller"  # as _override_caching_options does
    second = reader._extract_pipeline_yaml(str(package))
    assert _kfp_read_memo.hits == hits + 1
    assert second == own and second.to_dict() == own.to_dict()
    assert second.pipeline_spec is not first.pipeline_spec and second.platform_spec is not first.platform_spec


def test_changed_bytes_are_read_again_and_a_failed_read_is_kfps_error(reader, _kfp_read_memo, tmp_path):
    package = tmp_path / "p.yaml"
    shutil.copy(PACKAGE, package)
    reader._extract_pipeline_yaml(str(package))
    package.write_text(PACKAGE.read_text().replace("\n  name: batch-scoring\n", "\n  name: batch-scoring-2\n"))
    hits = _kfp_read_memo.hits
    assert reader._extract_pipeline_yaml(str(package)).pipeline_spec.pipeline_info.name == "batch-scoring-2"
    assert _kfp_read_memo.hits == hits
    for _ in range(2):
        package.write_text("pipelineInfo: [")
        with pytest.raises(Exception, match="expected"):  # PyYAML's parser error, as kfp raises it
            reader._extract_pipeline_yaml(str(package))
    with pytest.raises(FileNotFoundError):
        reader._extract_pipeline_yaml(str(tmp_path / "gone.yaml"))
    with pytest.raises(ValueError, match="should end with one of"):
        reader._extract_pipeline_yaml(__file__)  # a .py file
