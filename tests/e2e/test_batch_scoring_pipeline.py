"""The batch-scoring pipeline end to end through kfp.local: the champion registered in an MLflow
sqlite store, a Parquet table scored by ``score_batch`` in chunks, predictions and inference-log
rows written, and the exit handler run (bad inputs: tests/unit/test_scoring.py and
tests/integration/test_batch_scoring.py)."""

import pandas as pd
import pytest

from ctloop.local import run_pipeline_locally
from ctloop.pipelines.batch_scoring import batch_scoring
from ctloop.registry import MlflowRegistry
from tests.integration.registry_support import log_small_model, small_frame

pytestmark = pytest.mark.slow


def test_scores_with_the_champion(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    model, run_id, model_uri, _ = log_small_model(uri, "credit")
    registry = MlflowRegistry(uri)
    registry.register("credit", model_uri=model_uri, run_id=run_id, tags={})
    registry.promote("credit", "1", reason="fixture")
    frame = small_frame(5, 400).drop(columns=["y"])
    frame.to_parquet(tmp_path / "in.parquet")
    scoring = {"data": str(tmp_path / "in.parquet"), "output": str(tmp_path / "scores"), "batch_rows": 150,
               "log_root": str(tmp_path / "log")}
    run = run_pipeline_locally(batch_scoring, {"model_name": "credit", "scoring": scoring, "tracking_uri": uri},
                               workdir=tmp_path / "run")
    assert run.succeeded, run.error
    assert run.output("score-batch", "rows") == 400 and run.output("score-batch", "model_version") == "1"
    files = sorted((tmp_path / "scores").glob("*.parquet"))
    assert len(files) == 3 and run.output("score-batch", "files") == 3
    scored = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    assert scored.prediction_1.round(12).tolist() == model.predict_proba(frame[["a", "b"]])[:, 1].round(12).tolist()
    (job,) = set(scored.run_id)  # the pipeline's run id, in every row and file name
    assert job and all(f.name.startswith(f"part-{job}-") for f in files)
    assert len(list((tmp_path / "log" / "model=credit").rglob("*.parquet"))) == 3
