"""A gs:// label file is streamed too (CSV and Parquet, against the real GCS emulator of
tests/fixtures/servers.py): never read whole, stored as the whole-file read stored it."""

import io

import pandas as pd
import pytest

from ctloop.labels import store as label_store
from tests.unit.test_r38_labels_streamed import no_whole_reads

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ["labels.csv", "labels.parquet"])
def test_a_gcs_label_file_is_read_in_batches(gcs, gcs_bucket, monkeypatch, name):
    frame = pd.DataFrame({"meta_x_order_id": [f"NA-{i}" if i % 3 else "NA" for i in range(1, 11)],
                          "label": [i % 2 for i in range(10)], "label_time": "2026-01-07T00:00:00Z"})
    frame = frame.drop_duplicates("meta_x_order_id")
    buf = io.BytesIO()
    frame.to_csv(buf, index=False) if name.endswith(".csv") else frame.to_parquet(buf, index=False)
    gcs.bucket(gcs_bucket).blob(f"in/{name}").upload_from_string(buf.getvalue())
    source = f"gs://{gcs_bucket}/in/{name}"
    no_whole_reads(monkeypatch, source)
    store = f"gs://{gcs_bucket}/store"
    assert label_store.ingest_labels(source, store, key="meta_x_order_id", batch_rows=3) == len(frame)
    stored = label_store.read_labels(store)
    assert stored["meta_x_order_id"].tolist() == frame["meta_x_order_id"].tolist()
    assert stored["label"].tolist() == frame["label"].astype(float).tolist()
