"""A gs:// JSON lines label file (plain and gzipped) is streamed as CSV/Parquet ones are (real GCS
emulator of tests/fixtures/servers.py). An object store's input stream has no ``readline``: read
line by line it failed with io.UnsupportedOperation."""

import gzip
import json

import pytest

from ctloop.labels import store as label_store
from tests.unit.test_r38_labels_streamed import no_whole_reads

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ["labels.jsonl", "labels.ndjson.gz"])
def test_a_gcs_json_lines_file_is_read_in_batches(gcs, gcs_bucket, monkeypatch, name):
    records = [{"meta_x_order_id": 1000 + i, "label": i % 2, "label_time": "2026-01-07T00:00:00Z"} for i in range(10)]
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    gcs.bucket(gcs_bucket).blob(f"in/{name}").upload_from_string(gzip.compress(data) if name.endswith(".gz") else data)
    source = f"gs://{gcs_bucket}/in/{name}"
    no_whole_reads(monkeypatch, source)
    store = f"gs://{gcs_bucket}/store-{name}"
    assert label_store.ingest_labels(source, store, key="meta_x_order_id", batch_rows=3) == 10
    stored = label_store.read_labels(store)
    assert stored["meta_x_order_id"].tolist() == [str(1000 + i) for i in range(10)]
    assert stored["label"].tolist() == [float(i % 2) for i in range(10)]
