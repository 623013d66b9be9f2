"""An empty import record under another spelling of the source is refused as under its own (fix round
41h2, review h2 finding 6).

The ledger lists its own records with ``empty=True`` and refuses an empty one ("move it aside"), but
the records of other spellings (format ``ctloop.kserve-blob-import/1``, one directory per URI as
given) were listed without it: an empty one there was left out with a warning, its directory taken
over and removed around it. Now it is refused the same way, naming the file."""

from __future__ import annotations

import json

import pytest

from ctloop.errors import DataSourceError
from ctloop.inference_log.blob_import import run_import
from tests.inference_log.test_blob_import import PREFIX, log_request
from tests.inference_log.test_blob_import_record import local_etag, old_record


def _source(tmp_path):
    src, root = tmp_path / "src", tmp_path / "log"
    base = src / PREFIX
    base.mkdir(parents=True)
    names = ["1-request.json", "1-response.json"]
    for name, kind in zip(names, ("request", "response"), strict=True):
        (base / name).write_text(json.dumps(log_request(1, kind)))
    objects = {f"{PREFIX}/{n}": {"etag": local_etag(base / n), "size": (base / n).stat().st_size} for n in names}
    return src, root, objects


@pytest.mark.parametrize("empty_first", [False, True], ids=["after-a-record", "before-a-record"])
def test_an_empty_record_of_another_spelling_is_refused(tmp_path, empty_first):
    src, root, objects = _source(tmp_path)
    old = old_record(root, src.as_uri(), objects)
    empty = old.with_name("checkpoint-20261001T000000000000Z-00000000.json" if empty_first
                          else "checkpoint-20261102T000000000000Z-4567cdef.json")
    empty.write_bytes(b"")
    # before: a warning "left out 1 zero-byte file(s)", the old record taken over, the empty one left behind
    with pytest.raises(DataSourceError, match=r"is not an import record .*move it aside") as caught:
        run_import(str(src), str(root))
    assert empty.name in str(caught.value)
    assert old.exists() and empty.exists()
