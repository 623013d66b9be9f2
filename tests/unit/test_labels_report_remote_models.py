"""``ctloop labels report`` on an object-store log whose ``_schema`` lacks the model (rows written
by another tool, or before the type registry existed): a quiet period of a known model listed every
object under ``<root>/model=<name>/`` (one request per 1,000 objects: a year of hourly partitions
is thousands) to learn that the model exists, and a typo said "models there: none" where a local
log named the models it holds. Now the log's models come from its ``_schema`` and one listing of
the root's top level (a delimiter listing: one entry per model), the same on local disk, the GCS
emulator, moto's S3 server and Azurite (tests/fixtures/object_stores.py); the model tree is never
listed."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.labels.store import ingest_labels
from tests.fixtures.object_stores import fresh_bucket

pytestmark = pytest.mark.slow


@pytest.fixture(params=("local", "gs", "s3", "az"))
def log_root(request, stores, monkeypatch, tmp_path):
    """A fresh bucket on one store (the environment holds exactly its settings), or a local dir."""
    if request.param == "local":
        return str(tmp_path / "log")
    return fresh_bucket(stores[request.param], monkeypatch, tmp_path / "home", "inference-log")


@pytest.fixture
def label_store(tmp_path) -> str:
    (tmp_path / "labels.csv").write_text("request_id,label\nr0,1\n")
    ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"))
    return str(tmp_path / "store")


def log_without_schema(root: str, days: int = 6) -> None:
    """Rows of ``credit`` on ``days`` days of November, and no ``_schema`` registry."""
    frame = pd.DataFrame({"request_id": ["r0"], "instance": 0, "model_version": "1", "revision": "v1",
                          "time": ["2026-11-01T10:00:00Z"], "has_request": True, "has_response": True,
                          "prediction_1": [0.8]})
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    for day in range(1, days + 1):
        storage.write_bytes(f"{root}/model=credit/date=2026-11-{day:02d}/revision=v1/part-0.parquet", buf.getvalue())


@pytest.fixture
def listings(monkeypatch) -> list[str]:
    """Every prefix listed through ctloop.storage (recursive listings)."""
    seen: list[str] = []
    for name in ("list_files", "list_objects"):
        original = getattr(storage, name)

        def spy(prefix, *args, _original=original, **kwargs):
            seen.append(prefix)
            return _original(prefix, *args, **kwargs)

        monkeypatch.setattr(storage, name, spy)
    return seen


def report(root: str, store: str, model: str) -> int:
    return main(["labels", "report", "--log-root", root, "--store", store, "--model-name", model,
                 "--start", "2026-12-03", "--end", "2026-12-04"])


def test_a_model_the_schema_lacks_is_known_without_listing_its_rows(log_root, label_store, listings, capsys):
    log_without_schema(log_root)
    assert report(log_root, label_store, "credit") == 0  # a quiet period of a logged model
    out = capsys.readouterr().out
    assert "credit: 2026-12-03 00:00 → 2026-12-04 00:00 UTC, 0 logged rows" in out
    model_tree = f"{log_root}/model=credit"
    assert [p for p in listings if p.rstrip("/") == model_tree] == [], listings


def test_a_typo_on_a_log_the_schema_lacks_names_its_models_in_one_line_exit_2(log_root, label_store, listings,
                                                                             capsys, tmp_path, monkeypatch):
    log_without_schema(log_root)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")  # no registry here: nothing is created to find out
    assert report(log_root, label_store, "credti") == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured
    assert (f"error: --model-name: the inference log at {log_root} holds no rows of model 'credti' "
            "(models there: credit) and the model registry cannot tell (") in captured.err
    # the typo's own partitions of the period are read (none: nothing to list), no model's tree
    assert not [p for p in listings if p.rstrip("/") in (f"{log_root}/model=credti", f"{log_root}/model=credit")
                or p.startswith(f"{log_root}/model=credit/")], listings
