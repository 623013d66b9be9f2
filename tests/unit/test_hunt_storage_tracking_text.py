"""log_training_run with a data location, digest or parameter holding a byte that is not UTF-8: a
Linux file name is bytes, and Python hands a name such as b'caf\\xe9.csv' (Latin-1) to ctloop as
'caf\\udce9.csv' (PEP 383). Training read the file, then MLflow could not encode the run's tag
(MlflowException "surrogates not allowed", a traceback) and the run ended FAILED with the model
unlogged. The text is logged with U+FFFD for the byte, as any UTF-8 reader shows it."""

from __future__ import annotations

import mlflow
import pytest
from sklearn.linear_model import LogisticRegression

from ctloop import tracking
from tests.integration.registry_support import small_frame


@pytest.mark.parametrize("where", ["data_uri", "dataset_digest", "params", "run_tags"])
def test_a_value_with_a_byte_that_is_not_utf8_is_logged_replaced(sqlite_tracking, where):
    frame = small_frame(0, rows=60)
    model = LogisticRegression().fit(frame[["a", "b"]], frame.y)
    meta = {"features": ["a", "b"], "numeric": ["a", "b"], "target": "y", "task": "classification"}
    args = {"data_uri": "data/ok.csv", "dataset_digest": "d0", "params": {}, "run_tags": None}
    args[where] = {"data_uri": "data/caf\udce9.csv", "dataset_digest": "d\udce9",
                   "params": {"note": "caf\udce9"}, "run_tags": {"ctloop.note": "caf\udce9"}}[where]
    run_id, model_uri = tracking.log_training_run(
        tracking_uri=sqlite_tracking, experiment="hunt-text", model=model, meta=meta, metrics={},
        train_frame=frame, seed=0, **args)
    run = mlflow.MlflowClient(sqlite_tracking).get_run(run_id)
    assert run.info.status == "FINISHED" and model_uri
    logged = {**run.data.tags, **run.data.params}
    key = {"data_uri": tracking.TAG_DATA_URI, "dataset_digest": tracking.TAG_DATASET_DIGEST,
           "params": "note", "run_tags": "ctloop.note"}[where]
    assert "\ufffd" in logged[key]
