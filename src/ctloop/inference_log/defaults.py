"""The defaults of the inference log's commands (``ctloop logger serve``, ``ctloop logger import``),
written once here: the sink, the import and the command line read them from this module, which
imports nothing, so that building the ``ctloop`` parser stays cheap."""

from __future__ import annotations

MAX_BODY_BYTES = 1 << 20  # the largest body the sink takes (``ctloop logger serve --max-body-bytes``)
MAX_OBJECT_BYTES = 64 << 20  # ``logger import``: an object is read whole, up to 8 at once: bounded memory
CHECKPOINT_OBJECTS = 10000  # each checkpoint flushes: fewer, larger Parquet files
PROGRESS_OBJECTS = 1000
JOIN_TTL_SECONDS = 600.0  # a batch (logger.batchSize > 1) may hold a request far from its response

__all__ = ["MAX_BODY_BYTES", "MAX_OBJECT_BYTES", "CHECKPOINT_OBJECTS", "PROGRESS_OBJECTS", "JOIN_TTL_SECONDS"]
