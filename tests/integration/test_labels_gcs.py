"""Labels and the inference log on gs:// against the real GCS emulator (tests/fixtures/servers.py)."""

import io

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.components.monitor.component import ingest_labels
from ctloop.inference_log import reader as log_reader
from ctloop.labels import store as label_store

pytestmark = pytest.mark.slow


def upload(gcs, bucket, name, data: bytes):
    gcs.bucket(bucket).blob(name).upload_from_string(data)


def test_cli_and_component_ingest_from_and_into_gcs(gcs, gcs_bucket, capsys):
    upload(gcs, gcs_bucket, "in/labels.csv", b"meta_x_order_id,label\n1001,1\n1002,0\n")
    store = f"gs://{gcs_bucket}/store"
    assert main(["labels", "ingest", "--labels", f"gs://{gcs_bucket}/in/labels.csv", "--store", store,
                 "--key", "meta_x_order_id"]) == 0
    assert "appended 2 labels" in capsys.readouterr().out
    parquet = io.BytesIO()
    pd.DataFrame({"meta_x_order_id": [1003], "label": [1], "label_time": ["2026-01-07T00:00:00Z"]}).to_parquet(parquet)
    upload(gcs, gcs_bucket, "in/more.parquet", parquet.getvalue())
    assert ingest_labels.python_func(labels_uri=f"gs://{gcs_bucket}/in/more.parquet", labels_root=store,
                                     key="meta_x_order_id").rows == 1
    stored = label_store.read_labels(store)
    assert sorted(stored["meta_x_order_id"]) == ["1001", "1002", "1003"]
    assert label_store.store_key(store) == "meta_x_order_id"
    assert main(["labels", "ingest", "--labels", f"gs://{gcs_bucket}/in/labels.csv", "--store", store]) == 2
    assert "keyed by 'meta_x_order_id'" in capsys.readouterr().err
    missing = main(["labels", "ingest", "--labels", f"gs://{gcs_bucket}/in/nope.csv", "--store", store,
                    "--key", "meta_x_order_id"])
    assert missing == 2 and "does not exist" in capsys.readouterr().err


def test_read_log_lists_only_the_needed_partitions_on_gcs(gcs, gcs_bucket):
    def part(day, ids, time):
        buf = io.BytesIO()
        pd.DataFrame({"request_id": ids, "instance": 0, "time": time, "has_response": True, "model_version": "1",
                      "prediction_1": 0.5}).to_parquet(buf)
        upload(gcs, gcs_bucket, f"log/model=credit/date={day}/revision=credit-predictor-00001/p.parquet",
               buf.getvalue())

    part("2026-01-05", ["a", "b"], "2026-01-05T00:30:00+00:00")
    part("2026-01-04", ["c"], "2026-01-04T23:59:00+00:00")
    upload(gcs, gcs_bucket, "log/model=credit/date=2025-10-01/revision=r/p.parquet", b"PAR1 corrupt")
    end = pd.Timestamp("2026-01-05T01:00:00Z")
    frame = log_reader.read_log(f"gs://{gcs_bucket}/log", "credit", end - pd.Timedelta("2h"), end)
    assert sorted(frame["request_id"]) == ["a", "b", "c"]
