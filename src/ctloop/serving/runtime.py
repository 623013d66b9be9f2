"""The ctloop serving runtime: KServe's model server around a ctloop ``model.joblib``.

Runs in the ``serving`` image (Dockerfile target; ``requirements/serving.txt``), which carries
exactly the training scikit-learn, so a model pickled by training always loads. Exposes
per-model-version Prometheus metrics on the model server's ``/metrics``:
``ctloop_predictions_total{model_name,model_version,outcome}`` and
``ctloop_predict_seconds{model_name,model_version}``.

    python -m ctloop.serving.runtime --model_name credit-default --model_dir /mnt/models

Imports kserve: never imported by the component image or the tests' main environment.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import joblib
import kserve
from prometheus_client import Counter, Histogram

from ctloop.serving.payload import to_frame

PREDICTIONS = Counter("ctloop_predictions_total", "Predictions served", ["model_name", "model_version", "outcome"])
LATENCY = Histogram("ctloop_predict_seconds", "Prediction latency", ["model_name", "model_version"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))


class CtloopModel(kserve.Model):
    def __init__(self, name: str, model_dir: str):
        super().__init__(name)
        self.model_dir = Path(model_dir)
        self.version = os.environ.get("CTLOOP_MODEL_VERSION", "unknown")
        self.features: list[str] = []

    def load(self) -> bool:
        self.model = joblib.load(self.model_dir / "model.joblib")
        meta = self.model_dir / "ctloop-model.json"
        if meta.exists():
            info = json.loads(meta.read_text())
            self.features = list(info.get("features") or [])
        self.features = self.features or list(getattr(self.model, "feature_names_in_", []))
        self.ready = True
        return self.ready

    def predict(self, payload, headers=None):
        start = time.perf_counter()
        try:
            frame = to_frame(payload if isinstance(payload, dict) else json.loads(payload), self.features)
            out = self.model.predict_proba(frame) if hasattr(self.model, "predict_proba") else self.model.predict(frame)
        except Exception:
            PREDICTIONS.labels(self.name, self.version, "error").inc()
            raise
        PREDICTIONS.labels(self.name, self.version, "ok").inc(len(frame))
        LATENCY.labels(self.name, self.version).observe(time.perf_counter() - start)
        return {"predictions": out.tolist()}


def main() -> None:
    parser = argparse.ArgumentParser(parents=[kserve.model_server.parser])
    parser.add_argument("--model_dir", default="/mnt/models")
    args, _ = parser.parse_known_args()
    model = CtloopModel(args.model_name, args.model_dir)
    model.load()
    kserve.ModelServer().start([model])


if __name__ == "__main__":
    main()
