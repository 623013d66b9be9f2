"""The ctloop serving runtime: KServe's model server around a ctloop model directory.

Runs in the ``serving`` image (Dockerfile target; ``requirements/serving.txt``), which carries
exactly the training scikit-learn, so a model pickled by training always loads. Exposes
per-model-version Prometheus metrics on the model server's ``/metrics``:
``ctloop_predictions_total{model_name,model_version,outcome}`` (instances, for every outcome),
``ctloop_requests_total{model_name,model_version,outcome}`` (requests: one a request whatever its
instances, what canary analysis' 4xx rule judges; a refused batch of 20 rows is one refused request),
``ctloop_request_instances_squared_total{model_name,model_version,outcome}`` (each request's instances,
squared: the 5xx rule's effective count of failed requests, :func:`ctloop.serving.analysis.effective_failed_requests`),
``ctloop_predict_seconds{model_name,model_version}`` and
``ctloop_numbers_as_text_total{model_name,model_version,feature,outcome}`` (numbers sent for a
feature trained as text, read as the trained category of their value:
:func:`ctloop.storage.numbers_as_text`) and ``ctloop_text_as_codes_total{model_name,model_version,feature,outcome}``
(values sent for a feature trained on codes held as numbers, :func:`ctloop.serving.payload.text_as_codes`:
``code`` — text read as the code of its value; ``unknown`` — a value, text or number, that is no code,
served as an unknown category with the feature ignored, the first one of a feature also logged).

Every response names the model and version that answered (``CTLOOP_MODEL_VERSION``, from the
pod's ``ctloop.dev/model-version`` label through the downward API): v1
``{"predictions": [...], "model_name": ..., "model_version": ...}``, v2 the protocol's
``model_name``/``model_version`` fields. KServe's payload logger forwards the response body, so
the inference log sink files each row under ``revision=v<model_version>`` even though KServe's
``ce-source`` is the same ``http://localhost:9081/`` for canary and stable pods.

    python -m ctloop.serving.runtime --model_name credit-default --model_dir /mnt/models

**The model is verified before it is loaded.** The expected sha256 comes with the deployment:
``--model_sha256``, else ``CTLOOP_MODEL_SHA256``, which the ``ctloop-sklearn`` ServingRuntime fills
from the predictor-pod annotation ``ctloop.dev/model-sha256`` (written by the InferenceService
builders from the registry's run tag). The runtime loads the file of ``model_dir`` with that hash:
``model.skops`` (skops, building only ctloop's allow-listed types), or ``model.joblib`` for a
version trained before the skops copy existed. A missing hash, or files that do not match it,
stop the server at start-up with one line naming the directory, the expected and the found
hashes (exit code 2): that revision never becomes ready, so Knative keeps routing the previous
ready one (on a first deployment there is none: nothing serves).

A payload the model cannot take (a missing feature, text in a numeric feature, a tensor of the
wrong shape) is answered **400** with the reason (``kserve.errors.InvalidInput``), not 500: a bad
client must not count as a failure of the revision serving it, which canary analysis would roll
back. Its instances are counted as ``outcome="invalid"`` (and the request once in
``ctloop_requests_total``); ``outcome="error"`` is a failure of the model itself.

Imports kserve: never imported by the component image or the tests' main environment (the
runtime tests start it from ``.venv-serving``, built from ``requirements/serving.txt`` as the
Dockerfile installs it: ``make serving-env``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import struct
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import kserve
from kserve.errors import InvalidInput
from prometheus_client import Counter, Histogram

from ctloop.artifacts import MODEL_META_FILE, load_serving_dir
from ctloop.errors import CtloopError, ServingError
from ctloop.serving.payload import (
    CodesAsText,
    decode,
    flag_features,
    instances,
    numbers_read_as_text,
    refuse_nan,
    tensor_text,
    to_frame,
    trained_codes,
    v1_response,
    v2_response,
)
from ctloop.storage import NumbersAsText, number_categories, trained_categories

PREDICTIONS = Counter("ctloop_predictions_total", "Predictions served", ["model_name", "model_version", "outcome"])
# requests, not instances: the trials of the canary analysis' 4xx bound (ctloop.serving.analysis.client_error_rule),
# which instances of one batch, refused or served together, are not
REQUESTS = Counter("ctloop_requests_total", "Prediction requests answered, one a request whatever its instances",
                   ["model_name", "model_version", "outcome"])
# each request's instances squared: with the instances, the effective count of failed requests of the canary
# analysis' large-batch bound (ctloop.serving.analysis.effective_failed_requests; equal batches: their count)
SQUARES = Counter("ctloop_request_instances_squared_total", "Each request's instances, squared",
                  ["model_name", "model_version", "outcome"])
# numbers sent for a feature trained as text (ctloop.storage.numbers_as_text), by how they were read
NUMBERS_AS_TEXT = Counter("ctloop_numbers_as_text_total", "Numbers sent for a feature trained as text, read as text",
                          ["model_name", "model_version", "feature", "outcome"])
# values sent for a feature trained on codes held as numbers (ctloop.serving.payload.text_as_codes): text read as
# the code of its value (outcome code), or a value, text or number, that is no code (unknown: the feature ignored)
TEXT_AS_CODES = Counter("ctloop_text_as_codes_total", "Values sent for a feature trained on codes held as numbers: "
                        "text read as the code of its value (code), or no code, text or number (unknown)",
                        ["model_name", "model_version", "feature", "outcome"])
CODE_OUTCOMES = ("code", "unknown")
LATENCY = Histogram("ctloop_predict_seconds", "Prediction latency", ["model_name", "model_version"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))


SHA256_ENV = "CTLOOP_MODEL_SHA256"


class CtloopModel(kserve.Model):
    def __init__(self, name: str, model_dir: str, sha256: str = ""):
        super().__init__(name)
        self.model_dir = Path(model_dir)
        self.version = os.environ.get("CTLOOP_MODEL_VERSION") or ""  # "" when the label is missing
        self.sha256 = sha256 or os.environ.get(SHA256_ENV, "")
        self.features: list[str] = []
        self.numeric: list[str] = []
        self.text: list[str] = []
        self.as_text: list[str] = []  # text features whose numbers are read as text (not codes trained as numbers)
        self.categories: dict[str, Any] = {}  # text feature → its trained categories written as numbers
        self.codes: dict[str, Any] = {}  # feature trained on codes held as numbers → its codes by value
        self.no_flags: list[str] = []  # text features whose trained categories hold no True/False
        self.flags: list[str] = []  # text features trained on True/False alone
        self.unused: list[str] = []  # features learnt from no training row (ctloop.scoring.unused_features)
        self.noted: set[tuple[str, str]] = set()  # (feature, outcome) logged once

    def load(self) -> bool:
        self.model, _ = load_serving_dir(
            self.model_dir, self.sha256,
            recorded_in=f"--model_sha256 / {SHA256_ENV} (annotation ctloop.dev/model-sha256)")
        meta = self.model_dir / MODEL_META_FILE
        if meta.exists():
            from ctloop.scoring import unused_features

            info = json.loads(meta.read_text())
            self.features = list(info.get("features") or [])
            # a feature learnt from no training row takes any scalar, read as empty as batch scoring and
            # the gate read it: the meta's "unused", or for a model trained before ctloop recorded it
            # (its numeric step still reads the column), the fit's note / the imputer's NaN statistic
            unused = unused_features(self.model, info)
            self.unused = sorted(c for c in unused if c in self.features)
            self.numeric = [c for c in info.get("numeric") or [] if c in self.features and c not in unused]
            self.text = [c for c in info.get("categorical") or [] if c in self.features and c not in unused]
        fitted = [str(f) for f in getattr(self.model, "feature_names_in_", [])]
        if self.features and fitted and self.features != fitted:
            # to_frame orders the columns as the meta says; the estimator checks them against the
            # names it was fitted with, so every request would be a 500 of the revision (or, for a
            # model fitted without names, served from the wrong columns): refused before serving
            raise ServingError(f"{meta}: 'features' {self.features} disagree with the model's fitted "
                               f"feature_names_in_ {fitted} (order included); the metadata does not belong to "
                               "this model file: deploy the directory training wrote")
        self.features = self.features or fitted
        trained = trained_categories(self.model)
        self.categories = {c: number_categories(trained[c]) for c in self.text if c in trained}
        self.as_text = numbers_read_as_text(self.text, trained)  # not codes trained as numbers (1..5)
        self.codes = trained_codes(self.text, trained)  # those: text sent there is read as the code ('1' → 1)
        # every outcome's series from the start, at 0: one born at its first error (already 1) is
        # invisible to increase(), so a canary's first errors were missing from its error rate
        for outcome in ("ok", "invalid", "error"):
            PREDICTIONS.labels(self.name, self.version or "unknown", outcome)
            REQUESTS.labels(self.name, self.version or "unknown", outcome)
            SQUARES.labels(self.name, self.version or "unknown", outcome)
        for feature in self.codes:  # the same for each feature read as codes: its first batch counts
            for outcome in CODE_OUTCOMES:
                TEXT_AS_CODES.labels(self.name, self.version or "unknown", feature, outcome)
        # text features trained without True/False, or on them alone: a value matching no category is
        # refused there (to_frame)
        self.no_flags, self.flags = flag_features(self.text, trained)
        self.ready = True
        return self.ready

    def predict(self, payload, headers=None):
        start = time.perf_counter()
        label = self.version or "unknown"
        v2 = isinstance(payload, kserve.InferRequest)
        body: object = None
        # every request counted once, whatever ends it: a failure until it is answered (an exception
        # no branch names, or one after the predictions, is a 500 of the revision, and counted so)
        outcome, counted = "error", None
        try:
            try:
                if v2:
                    # gRPC (KServe v0.20.0 InferRequest.from_grpc): data is the protobuf contents, or [] beside
                    # raw_input_contents — as_numpy reads either, shaped; BYTES come as bytes either way
                    grpc = bool(getattr(payload, "from_grpc", False))
                    body = {"inputs": [{"name": t.name, "shape": list(t.shape), "datatype": t.datatype,
                                        "data": tensor_text(t.name, t.datatype, t.data if t.data is not None
                                                            and not grpc else t.as_numpy().tolist())}
                                       for t in payload.inputs]}
                    for t in payload.inputs:
                        # a JSON (REST) body only: a binary tensor and gRPC's fp64_contents have no null,
                        # their NaN is the missing value
                        if t.data is not None and not grpc:
                            refuse_nan(t.name, t.data)
                else:
                    body = decode(payload)  # decoded by KServe, or the raw bytes of another content type
                read: dict[str, NumbersAsText] = {}
                codes: dict[str, CodesAsText] = {}
                frame = to_frame(body, self.features, self.numeric, self.as_text, self.categories, read,
                                 no_flags=self.no_flags, flags=self.flags, codes=self.codes, read_codes=codes)
                if self.unused:  # whatever was sent there: the empty column the model was trained on
                    frame = frame.assign(**{name: float("nan") for name in self.unused})
            # struct.error: a binary BYTES tensor whose lengths overrun its bytes (KServe v0.20.0
            # protocol/infer_type.py deserialize_bytes_tensor, called by as_numpy)
            except (ServingError, ValueError, TypeError, KeyError, struct.error) as exc:
                outcome, counted = "invalid", instances(body)
                raise InvalidInput(f"{self.name}: {exc}") from exc
            counted = len(frame)
            out = self.model.predict_proba(frame) if hasattr(self.model, "predict_proba") else self.model.predict(frame)
            if v2:
                answer = kserve.InferResponse.from_rest(
                    v2_response(out.tolist(), self.name, self.version, payload.id or str(uuid.uuid4())))
            else:
                answer = v1_response(out.tolist(), self.name, self.version)
            self._count_numbers_as_text(label, read)
            self._count_codes(label, codes)
            LATENCY.labels(self.name, label).observe(time.perf_counter() - start)
            outcome = "ok"
            return answer
        finally:
            counted = instances(body) if counted is None else counted
            PREDICTIONS.labels(self.name, label, outcome).inc(counted)
            REQUESTS.labels(self.name, label, outcome).inc()
            SQUARES.labels(self.name, label, outcome).inc(counted * counted)

    def _count_codes(self, label: str, codes: dict[str, CodesAsText]) -> None:
        """Values sent for features trained on codes held as numbers (``ctloop_text_as_codes_total``:
        ``code`` — text read as the code of its value; ``unknown`` — text or a number that is no code,
        served with the feature ignored); the first ``unknown`` of a feature also logged, with an example."""
        for feature, tally in codes.items():
            for outcome, n in (("code", tally.read), ("unknown", tally.unknown)):
                if n:
                    TEXT_AS_CODES.labels(self.name, label, feature, outcome).inc(n)
            if tally.unknown and (feature, "unknown code") not in self.noted:
                self.noted.add((feature, "unknown code"))
                logging.getLogger(__name__).warning(
                    "%s: feature %s: %s, served as an unknown category (the feature ignored); %d such value(s) in "
                    "this request", self.name, feature, tally.problem(self.codes[feature]), tally.unknown)

    def _count_numbers_as_text(self, label: str, read: dict[str, NumbersAsText]) -> None:
        """Numbers read as text (``ctloop_numbers_as_text_total``: ``outcome`` ``recoded`` — the
        trained category of that value written otherwise, 3 → '3.0'; ``unknown`` — no trained
        category of that value; ``ambiguous`` — several, '1' and '01'; ``text`` — the rest, 3 →
        '3'); the first ``unknown``/``ambiguous`` of a feature also logged, with an example."""
        for feature, counts in read.items():
            plain = counts.numbers - counts.recoded - counts.unknown - counts.ambiguous
            for outcome, n in (("recoded", counts.recoded), ("unknown", counts.unknown),
                               ("ambiguous", counts.ambiguous), ("text", plain)):
                if n:
                    NUMBERS_AS_TEXT.labels(self.name, label, feature, outcome).inc(n)
            for outcome in ("unknown", "ambiguous"):
                if getattr(counts, outcome) and (feature, outcome) not in self.noted:
                    self.noted.add((feature, outcome))
                    logging.getLogger(__name__).warning("%s: numbers sent for text feature %s", self.name,
                                                        counts.note(feature))


def main() -> None:
    parser = argparse.ArgumentParser(parents=[kserve.model_server.parser])
    parser.add_argument("--model_dir", default="/mnt/models")
    parser.add_argument("--model_sha256", default="",
                        help=f"sha256 of the model file (default: ${SHA256_ENV})")
    args, _ = parser.parse_known_args()
    model = CtloopModel(args.model_name, args.model_dir, sha256=args.model_sha256)
    try:
        model.load()
    except CtloopError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    kserve.ModelServer().start([model])


if __name__ == "__main__":
    main()
