"""``ctloop logger import`` of KServe objects whose id starts with '_' or '.' (review B, F6).

KServe names each object after its record's id (``pkg/logger/store.go`` v0.20.0:
``<...>/<storage.path>/<id>-<type>.json``), and that id is the client's ``Ce-Id`` header when it
sends one (``pkg/logger/handler.go`` ``getOrCreateID``: ``r.Header.Get(CloudEventsIdHeader)``, a
UUID only when empty). The scratch rule of ``storage.list_objects`` (a name starting with '_' or
'.' is Spark/Hadoop scratch) dropped ``_a1-request.json`` without a word, and a source of only
such objects was said not to exist. Now the source is listed whole; the log's own files (a root
inside the source) are still told apart by ``layout.is_log_path``.
"""

from __future__ import annotations

import json

from ctloop.inference_log.blob_import import run_import
from tests.inference_log.support import parquet_rows
from tests.inference_log.test_blob_import import PREFIX, log_request

IDS = ["_a1", ".b2", "c3"]


def _write(base, ids):
    for rid in ids:
        for kind in ("request", "response"):
            path = base / PREFIX / f"{rid}-{kind}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(log_request(1, kind, id=rid), separators=(",", ":")))


def test_objects_of_ids_starting_with_underscore_or_dot_are_imported(tmp_path):
    _write(tmp_path / "src", IDS)
    summary = run_import(str(tmp_path / "src" / "logs"), str(tmp_path / "log"))
    assert summary.listed == 6 and not summary.objects_skipped
    assert sorted(parquet_rows(tmp_path / "log").request_id) == sorted(IDS)


def test_a_source_of_only_such_objects_is_imported(tmp_path):
    _write(tmp_path / "src", ["_only"])
    run_import(str(tmp_path / "src" / "logs"), str(tmp_path / "log"))
    assert list(parquet_rows(tmp_path / "log").request_id) == ["_only"]


def test_the_logs_own_files_inside_the_source_are_still_left_out(tmp_path):
    """The root inside the source: its ``_imports`` records and ``model=`` Parquet are not KServe's."""
    src = tmp_path / "src"
    _write(src, IDS)
    root = src / "logs" / "ctloop-log"
    run_import(str(src / "logs"), str(root))
    again = run_import(str(src / "logs"), str(root))
    assert again.listed == 6 and again.already == 6 and not again.objects_skipped
