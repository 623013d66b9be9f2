"""Reserved column names: the one place that spells them.

Training data: ``WEIGHT`` is the recency sample weight ``prepare_data`` writes and ``train_model``
consumes; it is never a feature and never compared for drift.

Inference log rows (written by the sink, read by monitoring, the label join, the canary quality
check and batch scoring): identity columns, then ``meta_<header>`` business keys, the request's
features and the response's ``prediction*`` columns.

Label store rows: the join key (``request_id`` or a ``meta_*`` column), optional ``instance``,
``label`` and ``label_time``.
"""

from __future__ import annotations

# training data
WEIGHT = "_ctloop_weight"
RESERVED_TRAINING = (WEIGHT,)

# inference log
REQUEST_ID = "request_id"
INSTANCE = "instance"
MODEL = "model"
NAMESPACE = "namespace"
REVISION = "revision"
MODEL_VERSION = "model_version"
COMPONENT = "component"
TIME = "time"
HAS_REQUEST = "has_request"
HAS_RESPONSE = "has_response"
LOG_IDENTITY = (INSTANCE, REQUEST_ID, MODEL, NAMESPACE, REVISION, MODEL_VERSION, COMPONENT, TIME, HAS_RESPONSE,
                HAS_REQUEST)
META_PREFIX = "meta_"
PREDICTION = "prediction"  # a scalar prediction (regression, or a class label)
PREDICTION_PREFIX = "prediction_"  # prediction_<i>: class probabilities in the model's class order
PARSED_TIME = "_time"  # readers add the parsed UTC time of ``time``

# label store
LABEL = "label"
LABEL_TIME = "label_time"


def prediction_column(index: int) -> str:
    """``prediction_<index>``: the probability of the model's ``index``-th class."""
    return f"{PREDICTION_PREFIX}{index}"


def class_probability_columns(n_classes: int) -> list[str]:
    return [prediction_column(i) for i in range(n_classes)]


__all__ = ["WEIGHT", "RESERVED_TRAINING", "REQUEST_ID", "INSTANCE", "MODEL", "NAMESPACE", "REVISION",
           "MODEL_VERSION", "COMPONENT", "TIME", "HAS_REQUEST", "HAS_RESPONSE", "LOG_IDENTITY", "META_PREFIX",
           "PREDICTION", "PREDICTION_PREFIX", "PARSED_TIME", "LABEL", "LABEL_TIME", "prediction_column",
           "class_probability_columns"]
