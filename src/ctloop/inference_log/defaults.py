"""The defaults of the inference log's commands (``ctloop logger serve``, ``ctloop logger import``),
written once here: the sink, the import and the command line read them from this module, which
imports nothing of ctloop, so that building the ``ctloop`` parser stays cheap."""

from __future__ import annotations

from typing import NamedTuple

# the largest body the sink takes (``ctloop logger serve --max-body-bytes``). Nothing upstream limits
# a REST body (KServe v0.20.0: the agent's pkg/logger/handler.go io.ReadAll, the model server's
# uvicorn/FastAPI, Knative's queue-proxy), and the agent never retries a refused event; KServe's own
# gRPC default is 8 MiB (MAX_GRPC_MESSAGE_LENGTH). At 1 MiB a batch of ~900 rows of 50 features was
# lost. Peak RSS of the sink for one pair (docs/inference-log.md "Body size"): 16 MiB v1 body
# (14,181 rows x 50) 384 MiB, 64 MiB 1,123 MiB, past the manifest's 1 GiB memory limit
MAX_BODY_BYTES = 16 << 20
# bytes a request head (request line and headers) may take: Go's http.DefaultMaxHeaderBytes (net/http/server.go),
# what KServe's agent itself accepts (cmd/agent/main.go at v0.20.0 sets no MaxHeaderBytes), the limit of the
# sink's own protocol (:mod:`ctloop.inference_log.protocol`) and so the longest ce-id or metadata header a
# logged key can be (the label store refuses longer keys: ``ctloop.labels.store``)
MAX_HEAD_BYTES = 1 << 20
# the most values one event (a request or a response body) may hold: the sink's memory goes by
# values, not bytes, and peaks at the join and flush, after the event was acknowledged; a row costs
# as much as ROW_VALUES values (its identity columns), so an event counts its values plus
# ROW_VALUES per row (events.count_values). Peak RSS of one pair at this cap, 16 MiB limit:
# docs/inference-log.md "Body size"
VALUES_DIVISOR = 16
ROW_VALUES = 16


def max_values(max_body_bytes: int) -> int:
    """The values cap of an event under the body limit ``max_body_bytes``: 1,048,576 at 16 MiB."""
    return max(max_body_bytes // VALUES_DIVISOR, 1)


MAX_VALUES = max_values(MAX_BODY_BYTES)  # the values cap of a sink built without one (``Sink(max_values=…)``)


MAX_OBJECT_BYTES = 64 << 20  # ``logger import``: an object is read whole, up to 8 at once: bounded memory
CHECKPOINT_OBJECTS = 10000  # each checkpoint flushes: fewer, larger Parquet files
PROGRESS_OBJECTS = 1000
JOIN_TTL_SECONDS = 600.0  # a batch (logger.batchSize > 1) may hold a request far from its response
# ``ctloop logger serve`` (and the ``app_from_env`` factory): flush at this many buffered rows or
# after this many seconds; a request waits this long for its response (KServe's agent sends the
# response right after the request: seconds are plenty)
FLUSH_ROWS = 20000
FLUSH_SECONDS = 5.0
SINK_JOIN_TTL_SECONDS = 30.0
# ``logger serve``: an event showing its producer's clock this far off the sink's is counted and said
# (``ctloop_log_clock_skewed_events_total``, ``events.clock_offset``): KServe's agent's ce-recordedtime is
# its clock as it sends, so against the arrival it is off by the network's milliseconds plus the clocks'
# difference; a minute is far above the first and far below a monitoring window
CLOCK_SKEW_SECONDS = 60.0
WAL_DIR = "/var/lib/ctloop-log/wal"  # the sink's write-ahead log (``--wal``, ``CTLOOP_LOG_WAL``): local disk
# feature columns a model's log may have (``ctloop logger serve --max-columns``; predictions and
# meta_* not counted); the values of later features go to the row's ``_overflow`` (JSON text). Every file carries every
# registered column: 200 requests of 50 per-request keys, flushed every 20, made 10,001 columns,
# 1.24 s of flushes and 12.9 MB of Parquet; with this cap 1,001 (1,000 features and the
# prediction), 0.20 s and 2.6 MB
MAX_COLUMNS = 1000
# ``logger serve`` at start removes the temporary files of writes a crash cut (``write_durably``'s
# ``.<name>.tmp``, ``<name>.tmp`` before round 45) older than this: a write in progress, by this
# sink's replica or another one sharing the volume, renames its temporary file within seconds
TEMP_GRACE_SECONDS = 3600
# ``logger serve`` on SIGTERM: how long open requests may take before the final flush (the pod's
# terminationGracePeriodSeconds must exceed preStop sleep + this + the flush)
DRAIN_TIMEOUT_SECONDS = 30
# ``logger serve --token-file``: the file is looked at (one stat) at most this often and re-read when
# it changed, so a rotated Secret's token is in force within this many seconds (the kubelet itself
# takes up to a minute or so to swap a mounted Secret)
TOKEN_RECHECK_SECONDS = 5.0
# the shortest interval taken: each look is a blocking stat on the event loop (~5-7 us, +3-5 % of a
# sink's CPU at one per request; an OSError raised and caught per request once the Secret is gone)
TOKEN_RECHECK_MIN_SECONDS = 0.1


class Setting(NamedTuple):
    """One numeric setting of the sink: ``logger serve --flush-rows`` and ``CTLOOP_LOG_FLUSH_ROWS``
    (:mod:`ctloop.inference_log.settings` checks both against it)."""

    kind: type  # int: a whole number; float: a number of seconds
    default: float
    low: float
    low_allowed: bool  # False: the value must be above ``low``
    variable: bool = True  # also a ``CTLOOP_LOG_<NAME>`` variable of the ``app_from_env`` factory


SINK_SETTINGS = {
    "flush_rows": Setting(int, FLUSH_ROWS, 1, True),
    "flush_seconds": Setting(float, FLUSH_SECONDS, 0, False),  # 0 would flush without pause
    "join_ttl_seconds": Setting(float, SINK_JOIN_TTL_SECONDS, 0, True),
    "max_columns": Setting(int, MAX_COLUMNS, 1, True),
    "max_body_bytes": Setting(int, MAX_BODY_BYTES, 1, True),
    # the server's, not the app's: uvicorn's own --timeout-graceful-shutdown under app_from_env
    "drain_timeout_seconds": Setting(int, DRAIN_TIMEOUT_SECONDS, 0, True, variable=False),
    # ``--token-file``'s: the app_from_env factory takes no token, so no variable either
    "token_recheck_seconds": Setting(float, TOKEN_RECHECK_SECONDS, TOKEN_RECHECK_MIN_SECONDS, True, variable=False),
}

__all__ = ["Setting", "SINK_SETTINGS", "MAX_BODY_BYTES", "MAX_HEAD_BYTES", "VALUES_DIVISOR", "ROW_VALUES", "max_values", "MAX_VALUES", "MAX_OBJECT_BYTES", "CHECKPOINT_OBJECTS", "PROGRESS_OBJECTS", "JOIN_TTL_SECONDS",
           "MAX_COLUMNS", "FLUSH_ROWS", "FLUSH_SECONDS", "SINK_JOIN_TTL_SECONDS", "WAL_DIR", "DRAIN_TIMEOUT_SECONDS",
           "TEMP_GRACE_SECONDS", "TOKEN_RECHECK_SECONDS", "TOKEN_RECHECK_MIN_SECONDS"]
