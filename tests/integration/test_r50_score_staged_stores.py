"""Batch scoring's staged writes on the object stores (the session's moto server, GCS emulator and
Azurite, tests/conftest.py): an attempt writes its chunks under ``<output>/_staging/<run id>/`` and
publishes them with ``ctloop.storage.move``, which has no rename there (read and written whole under
the new key, then removed). A retry in other chunks whose publish fails part-way puts the finished
earlier attempt back, object for object; the next retry leaves exactly its own chunks and nothing
under ``_staging`` (tests/unit/test_r50_score_staged.py has the local cases). The failure is the
store refusing the 3rd move into place (a ``DataSourceError``, as the backends wrap a failed
request): every other move, the set-aside and put-back ones too, is the store's own."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop import scoring, storage
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import fresh_bucket
from tests.unit import test_fix49a_score_retry_failure as retry_failure
from tests.unit.test_fix49a_score_retry_failure import SCORED_AT

scorer = retry_failure.scorer  # its fixture: a model of 2 features


def _objects(base: str) -> dict[str, bytes]:
    found = storage.list_objects(base, scratch=True)
    return {
        o.uri[len(base) :]: storage.read_bytes(o.uri) for o in found if "/_schema/" not in o.uri
    }


@pytest.mark.parametrize("scheme", ["s3", "gs", "az"])
def test_a_failed_publish_on_an_object_store_puts_the_earlier_attempt_back(
    stores, scheme, scorer, tmp_path, monkeypatch
):
    rng = np.random.default_rng(1)
    ids = [f"o-{i}" for i in range(10)]
    table = pa.table({"id": ids, "a": rng.normal(size=10), "b": rng.normal(size=10)})
    pq.write_table(table, tmp_path / "in.parquet")
    base = fresh_bucket(stores[scheme], monkeypatch, tmp_path / "home", "run") + "/"

    def run(batch_rows):
        return scoring.score(scorer, str(tmp_path / "in.parquet"), f"{base}out", run_id="r1",
                             id_column="id", batch_rows=batch_rows,
                             scored_at=SCORED_AT)  # fmt: skip

    run(
        4
    )  # 3 chunks (the log's files are published the same way: tests/unit/test_r50_score_staged.py)
    before = _objects(base)
    assert len(before) == 3
    real, into_place = storage.move, []

    def move(source, target, content_type=None):
        staged = "/_staging/" in source and "/earlier/" not in source
        if staged and "/_staging/" not in target:
            into_place.append(target)
            if len(into_place) > 2:
                raise DataSourceError(f"cannot write {target}: the store answered 503 Slow Down")
        real(source, target, content_type)

    monkeypatch.setattr(storage, "move", move)
    with pytest.raises(DataSourceError, match="503 Slow Down"):
        run(3)
    assert _objects(base) == before  # the earlier attempt's 3 objects as they were, none staged
    monkeypatch.setattr(storage, "move", real)
    assert run(3).chunks == 4
    after = _objects(base)
    assert len(after) == 4 and not [k for k in after if "_staging" in k]
    outputs = [pq.read_table(pa.BufferReader(v)) for k, v in after.items() if k.startswith("out/")]
    assert sorted(i for t in outputs for i in t.column("id").to_pylist()) == ids
