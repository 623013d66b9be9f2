"""A version whose model files were removed from its training run's artifact store after training logged them (a
bucket lifecycle rule, a clean-up by hand: the object store answers 404; here the local artifact root, where the
files are simply gone). Was (main 4f1e0ea7): every reader said "run ... has no artifact 'model-joblib/model.joblib'
(was it logged by ctloop's train_model?)", blaming the training, and ``registry status`` of a champion or rollback
target in that state read "consistent" with no word, so the missing files were found by the rollback that needed
them. Now the refusal says training logged the file (its run carries the tag training writes after the upload) and
the store no longer holds it, naming where it was; ``registry status`` notes a champion or ``previous-champion`` whose
serving files are gone, with the way out. MLflow is real (the ``registered`` sqlite store: v1 champion, v2)."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from ctloop.errors import RegistryError
from ctloop.tracking import JOBLIB_ARTIFACT_DIR
from tests.fixtures.rollout_store import MODEL, registered
from tests.helpers import run_main

__all__ = ["registered"]


def _remove_served_files(reg, version: str) -> str:
    """The version's serving directory removed from its run's artifact store; its location."""
    run = reg.client.get_run(reg.get_version(MODEL, version).run_id)
    where = f"{run.info.artifact_uri}/{JOBLIB_ARTIFACT_DIR}"
    shutil.rmtree(Path(unquote(urlsplit(where).path)))
    return where


def test_files_gone_from_storage_are_said_so_by_readers_and_status(registered, tmp_path, capsys):
    uri, reg = registered
    where = _remove_served_files(reg, "1")
    with pytest.raises(RegistryError) as caught:
        reg.download_joblib(MODEL, "1", str(tmp_path))
    text = str(caught.value)
    assert "was it logged by ctloop's train_model" not in text, text  # was: blamed the training
    assert f"{JOBLIB_ARTIFACT_DIR}/model.joblib" in text and "no longer holds" in text, text
    assert "which training logged" in text, text
    assert where in text and "\n" not in text, text
    code, out, _ = run_main(
        ["registry", "status", "--model-name", MODEL, "--tracking-uri", uri], capsys, 60
    )
    (note,) = [line for line in out.splitlines() if "no longer holds" in line]  # was: no note
    assert note.startswith(f"  note: champion v1: its model files ({where}) are gone"), note
    assert code == 0, out
