"""Reading the inference log: the rows of one model and period, with request and response halves
joined. The writer is :mod:`ctloop.inference_log.sink`; both follow :mod:`ctloop.inference_log.layout`.

:func:`read_log` reads only the ``date=`` partitions of the period. Rows sharing
``(request_id, instance)`` become one (:func:`merge_halves`): duplicates from at-least-once
delivery, and a request and its response that reached different sink replicas and were written as
two half rows. :func:`served` keeps the rows with a prediction.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from ctloop.columns import INSTANCE
from ctloop.errors import InferenceLogError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq


# a reader's own column (never a logged one, dropped before rows are returned): whether the row's file
# carries the sink's format stamp (:func:`stamped_schema`), read by :func:`drop_no_inference`
STAMPED = "__ctloop_stamped"


def stamped_schema(schema) -> bool:
    """Whether a file's Arrow ``schema`` carries the stamp every file a sink writes has since round 57
    (``schema.FORMAT_KEY``): a file that holds no health or metadata GET's answer (round 56 refuses
    them), so a lone response half of nothing in it is a model's answer without a prediction."""
    from ctloop.inference_log.schema import FORMAT_KEY

    return (getattr(schema, "metadata", None) or {}).get(FORMAT_KEY) is not None


def read_parquet_tree(root: str, *, stamped: bool = False) -> pd.DataFrame:
    """Every Parquet file under a local directory or object-store prefix, concatenated (nothing
    under ``root``: an empty frame). A file's column that held a feature before it became an
    identity column (``schema.former_features``: an integer, floating or boolean ``_error``) is
    read as that feature's column now (``input__error``). ``stamped``: each row says in
    :data:`STAMPED` whether its file carries the sink's stamp (:func:`read_parquet_files`)."""
    import pandas as pd

    from ctloop.storage import list_files

    frames = [f for f in read_parquet_files(list_files(root, ".parquet"), former=True, stamped=stamped)
              if len(f.columns)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_parquet_files(uris: list[str], *, former: bool = False, stamped: bool = False) -> list[pd.DataFrame]:
    """Each Parquet file of ``uris`` (local paths or objects) as a frame, in that order. A file
    that is no Parquet (cut short, another tool's) is an :class:`InferenceLogError` naming it, as
    :func:`open_parquet` says it. ``former``: a column that held a feature
    before it became an identity column is renamed to that feature's column, as the file's Parquet
    schema says (:func:`ctloop.inference_log.schema.former_features`, as the scan decides it).
    ``stamped``: a column :data:`STAMPED` says whether the file carries the sink's stamp
    (:func:`stamped_schema`; a reader's own, which :func:`read_log` drops)."""
    import pandas as pd
    import pyarrow.parquet as pq

    from ctloop.inference_log.schema import former_features
    from ctloop.storage import is_remote, memory_said, read_bytes

    frames = []
    for uri in uris:
        mark = False
        try:
            # a whole file (a day's log can be large): was MemoryError's traceback
            with memory_said(uri, fix="give the step more memory"):
                data = io.BytesIO(read_bytes(uri)) if is_remote(uri) else uri
                if former or stamped:
                    file = pq.ParquetFile(data)
                    renames = former_features(file.schema_arrow, file) if former else {}
                    mark = stamped_schema(file.schema_arrow)
                    if isinstance(data, io.BytesIO):
                        data.seek(0)
                else:
                    renames = {}
                frame = pd.read_parquet(data)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise InferenceLogError(f"cannot read Parquet file {uri}: {exc}") from exc
        if renames:
            frame = frame.rename(columns=renames)
        if stamped:
            frame[STAMPED] = mark
        frames.append(frame)
    return frames


def with_instances(frame: pd.DataFrame) -> np.ndarray | None:
    """Which rows of ``frame`` are no call of no instance (``instance`` < 0,
    :data:`ctloop.inference_log.events.NO_INSTANCE`); None when all are (or it has no ``instance``)."""
    import pandas as pd

    if INSTANCE not in frame.columns or frame.empty:
        return None
    instance = frame[INSTANCE]
    if not pd.api.types.is_numeric_dtype(instance):
        instance = pd.to_numeric(instance, errors="coerce")
    none = (instance < 0).to_numpy(bool)
    return ~none if none.any() else None


def calls_with_instances(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the rows of calls of no instance (``instance`` -1,
    :data:`ctloop.inference_log.events.NO_INSTANCE`: an empty batch the sink keeps in the log, which
    no reader counts as requested or served); ``frame`` itself when it has none."""
    some = with_instances(frame)
    return frame if some is None else frame[some].reset_index(drop=True)


def drop_no_instance(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the rows of calls of no instance when it is an inference log's (its
    ``request_id``, ``has_request``, ``has_response`` and ``instance`` columns there): for a tool
    reading the log's Parquet as a table (``ctloop drift --current <log dir>``), which would take
    such a row (an empty batch: no feature, no prediction) for a served row of null features.
    Any other table is returned as it is (a training table may have an ``instance`` column). The
    response halves of nothing older sinks wrote for health and metadata GETs go too
    (:func:`drop_no_inference`)."""
    from ctloop.columns import HAS_REQUEST, HAS_RESPONSE, REQUEST_ID

    if not {REQUEST_ID, HAS_REQUEST, HAS_RESPONSE, INSTANCE} <= set(frame.columns):
        return frame
    model = frame["model"].dropna().iloc[0] if "model" in frame.columns and frame["model"].notna().any() else "the log"
    return calls_with_instances(drop_no_inference(frame, model))  # and older sinks' response halves of nothing


def no_instance_filter(columns, types=None):
    """A ``pyarrow.dataset`` filter keeping the rows of calls with instances (``instance`` not
    below 0, or null) of a table with ``columns`` when it is an inference log's, as
    :func:`drop_no_instance` keeps them; None for any other table (``types``: ``{column: Arrow
    type}``, when known; an ``instance`` that is no number is not filtered). With boolean
    ``has_request``/``has_response`` in ``types`` it also leaves out the response halves of nothing
    (:func:`no_inference`) older sinks wrote for health and metadata GETs."""
    import pyarrow as pa
    import pyarrow.dataset as pads

    from ctloop.columns import HAS_REQUEST, HAS_RESPONSE, REQUEST_ID

    if not {REQUEST_ID, HAS_REQUEST, HAS_RESPONSE, INSTANCE} <= set(columns):
        return None
    kind = (types or {}).get(INSTANCE)
    if kind is not None and not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        return None
    field = pads.field(INSTANCE)
    keep = field.is_null() | (field >= 0)
    if all(pa.types.is_boolean((types or {}).get(name, pa.null())) for name in (HAS_REQUEST, HAS_RESPONSE)):
        # and not a response half of nothing (:func:`no_inference`; flags read as flag() reads them)
        response, request = pads.field(HAS_RESPONSE), pads.field(HAS_REQUEST)
        nothing = ((response.is_null() | (response == True)) & request.is_valid()  # noqa: E712 - expressions
                   & (request == False) & pads.field(REQUEST_ID).is_valid())  # noqa: E712 (never null: Kleene)
        for column in carried_columns(columns):
            nothing = nothing & pads.field(column).is_null(nan_is_null=True)
        keep = keep & ~nothing
    return keep


def log_dates(start: pd.Timestamp, end: pd.Timestamp) -> list[str]:
    """The ``date=`` partitions (UTC days) holding rows with ``start < time <= end``."""
    import pandas as pd

    days = pd.date_range(start.tz_convert("UTC").normalize(), end.tz_convert("UTC").normalize(), freq="D")
    return [d.strftime("%Y-%m-%d") for d in days]


def read_log(log_root: str, model: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Logged rows of ``model`` with ``start < time <= end``, reading only the ``date=``
    partitions of that period (``<root>/model=<model>/date=<YYYY-MM-DD>/revision=*/``).

    Adds ``_time`` (parsed UTC timestamps); ``model_version`` is ``""`` where unknown (older logs
    have no such column). Rows sharing ``(request_id, instance)`` become one (:func:`merge_halves`):
    duplicates from at-least-once delivery, and a request and its response that reached different
    sink replicas and were written as two half rows.
    """
    import pandas as pd

    from ctloop.inference_log.layout import date_prefix

    frames = [read_parquet_tree(date_prefix(log_root, model, day), stamped=True) for day in log_dates(start, end)]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({"_time": pd.Series(dtype="datetime64[ns, UTC]"), "model_version": pd.Series(dtype=str)})
    # the rows of calls of no instance are kept until the halves are merged (the half of such a call
    # a replica wrote may meet the other half, of instance 0, that another wrote: _no_instance_halves)
    logs = pd.concat(frames, ignore_index=True)
    logs["_time"] = utc_times(logs["time"])
    if "model_version" not in logs.columns:
        logs["model_version"] = ""
    logs["model_version"] = logs["model_version"].fillna("").astype(str)
    repeated = halves_involved(logs)  # every row of an id with a repeated (request_id, instance)

    def in_period(frame):
        return (frame["_time"] > start) & (frame["_time"] <= end)

    # merged over the whole days read, before the period filter (halves either side of its start
    # still meet); only the period's rows are copied
    # a response half of nothing (a GET an older sink logged: no_inference) is no row, nor looked up
    if not repeated.any():
        out = drop_no_inference(logs[in_period(logs)].reset_index(drop=True), model)
        out = _settle_lone_responses(out, logs, log_root, model, start, end)
        return _unstamped(calls_with_instances(_settle_lone_requests(out, logs, log_root, model, start, end)))
    from ctloop.inference_log.schema import registry

    merged = merge_halves(logs[repeated], registry(log_root, model))
    out = pd.concat([logs[~repeated & in_period(logs)], merged[in_period(merged)]], ignore_index=True)
    out = _settle_lone_responses(drop_no_inference(out, model), logs, log_root, model, start, end)
    return _unstamped(calls_with_instances(_settle_lone_requests(out, logs, log_root, model, start, end)))


def _unstamped(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the reader's own :data:`STAMPED` column."""
    return frame.drop(columns=[STAMPED]) if STAMPED in frame.columns else frame


def _settle_lone_requests(out: pd.DataFrame, logs: pd.DataFrame, log_root: str, model: str,
                          start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """``out`` with its lone request halves of the last :data:`LOOKAHEAD_SECONDS` before the
    midnight ending the read's last day (:func:`awaiting`) merged with their response halves in
    the day after it (:func:`later_rows`), as a read of that day too would: the mirror of
    :func:`_settle_lone_responses`, for a window ending before that midnight."""
    return _settle(out, logs, log_root, model, start, end, awaiting(out, end),
                   lambda prefix, ids: later_rows(prefix, end, ids),
                   "the day after the period was not looked up for the responses of {rows} lone request half "
                   "row(s) (they count unanswered in this period)")


def _settle_lone_responses(out: pd.DataFrame, logs: pd.DataFrame, log_root: str, model: str,
                           start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """``out`` with its lone response halves whose request is in the day before the read merged
    with it as a read of that day too would (:func:`earlier_rows`), then filtered to the period."""
    return _settle(out, logs, log_root, model, start, end, lone_responses(out),
                   lambda prefix, ids: earlier_rows(prefix, start, ids),
                   "the day before the period was not looked up for the requests of {rows} lone response half "
                   "row(s) (they count in this period)")


def _settle(out: pd.DataFrame, logs: pd.DataFrame, log_root: str, model: str, start: pd.Timestamp,
            end: pd.Timestamp, lone: pd.Series, look_up: Callable[[str, pd.Series], pd.DataFrame],
            warning: str) -> pd.DataFrame:
    """``out`` with the rows ``lone`` marks merged with their other halves, which ``look_up``
    finds in another day's partition (its model prefix, the ids), then filtered to the period.
    That day is not the period's data: when it cannot be read, ``warning`` (``{rows}``: how many
    were to be looked up) goes to stderr and ``out`` is returned as it is."""
    import pandas as pd

    from ctloop.columns import REQUEST_ID
    from ctloop.inference_log.layout import model_prefix

    if not lone.any():
        return out
    try:
        other = look_up(model_prefix(log_root, model), out.loc[lone, REQUEST_ID])
    except (InferenceLogError, OSError, ValueError) as exc:  # never fail for another day
        import sys

        print(f"ctloop: {warning.format(rows=int(lone.sum()))}: {exc}", file=sys.stderr, flush=True)
        return out
    if other.empty:
        return out
    from ctloop.inference_log.schema import registry

    found = other[REQUEST_ID].unique()
    rows = pd.concat([logs[logs[REQUEST_ID].isin(found)], other], ignore_index=True)
    merged = merge_halves(rows, registry(log_root, model))
    merged = merged[(merged["_time"] > start) & (merged["_time"] <= end)]
    return pd.concat([out[~out[REQUEST_ID].isin(found)], merged], ignore_index=True)


def lone_responses(frame: pd.DataFrame) -> pd.Series:
    """Response half rows (``has_response`` true, ``has_request`` false) with a ``request_id``:
    what a read finds alone when the request half of its call is in the day before the read."""
    import pandas as pd

    from ctloop.columns import HAS_REQUEST, HAS_RESPONSE, REQUEST_ID

    if frame.empty or not {HAS_REQUEST, HAS_RESPONSE, REQUEST_ID} <= set(frame.columns):
        return pd.Series(False, index=frame.index)
    request = frame[HAS_REQUEST]
    if request.dtype != bool:  # nulls (older files) or text: only rows not plainly true are looked at
        maybe = request.notna() & ~request.isin([True])
        out = pd.Series(False, index=frame.index)
        if maybe.any():
            part = frame[maybe]
            out[maybe] = (flag(part[HAS_RESPONSE]) & ~flag(part[HAS_REQUEST]) & part[REQUEST_ID].notna()).to_numpy(bool)
        return out
    return flag(frame[HAS_RESPONSE]) & ~request & frame[REQUEST_ID].notna()


def carried_columns(names) -> list[str]:
    """The columns of ``names`` a response half carries its answer in: the predictions, ``_error``,
    ``_whole`` (a TensorFlow Serving columnar side) and ``_mistyped`` (a prediction that did not fit
    its column). A response half has no feature (the request's), and ``meta_*`` are headers."""
    from ctloop.columns import PREDICTION, PREDICTION_PREFIX
    from ctloop.inference_log.schema import ERROR, MISTYPED, WHOLE

    return [c for c in names if c == PREDICTION or c.startswith(PREDICTION_PREFIX) or c in (ERROR, MISTYPED, WHOLE)]


def no_inference(frame: pd.DataFrame) -> np.ndarray | None:
    """Which rows of ``frame`` are response halves that carry nothing (:func:`lone_responses` whose
    :func:`carried_columns` are all null): the rows a sink before round 56 wrote for a call that
    was no inference — a client's health or metadata GET through the predictor, which KServe's
    agent logs (v0.20.0 ``pkg/logger/handler.go``) as an empty request event (refused) and a 200
    response of the model server's answer (``{"name": "credit", "ready": true}``), stored as a
    response half of nothing. Round 56 refuses such events (``not_inference``); the rows already
    written stay in the files, and readers skip them (:func:`drop_no_inference`). None when none."""
    lone = lone_responses(frame)
    if not lone.any():
        return None
    empty = lone.to_numpy(bool).copy()
    for column in carried_columns(frame.columns):
        empty &= frame[column].isna().to_numpy(bool)
    return empty if empty.any() else None


def no_inference_table(table) -> np.ndarray | None:
    """:func:`no_inference` of an Arrow table (the scan's batches, before they become pandas)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from ctloop.columns import HAS_REQUEST, HAS_RESPONSE, REQUEST_ID

    names = table.column_names
    if not table.num_rows or not {HAS_REQUEST, HAS_RESPONSE, REQUEST_ID} <= set(names):
        return None

    def flags(name: str) -> np.ndarray:  # as flag() reads them: a missing value is true
        column = table.column(name)
        if pa.types.is_boolean(column.type):
            return np.asarray(pc.fill_null(column, True), dtype=bool)
        return flag(column.to_pandas()).to_numpy(bool)

    empty = flags(HAS_RESPONSE) & ~flags(HAS_REQUEST) & np.asarray(pc.is_valid(table.column(REQUEST_ID)), dtype=bool)
    if not empty.any():
        return None
    for column in carried_columns(names):
        empty &= np.asarray(pc.is_null(table.column(column), nan_is_null=True), dtype=bool)
    return empty if empty.any() else None


def say_no_inference(rows: int, model: str, answers: int = 0) -> None:
    """The stderr lines of a read that skipped :func:`no_inference` rows of ``model``: ``rows`` of files
    without the sink's stamp, ``answers`` of stamped files (:func:`null_answers`), each on its own line."""
    import sys

    if rows:
        # not only GETs: in a file without the stamp a lone answer whose predictions are all null (logger
        # mode "response", a refused request's answer) cannot be told from a GET's (round 57 review)
        print(f"ctloop: skipped {rows} response half row(s) of {model} with no prediction, error or value: calls "
              "that were no inference (health or metadata GETs through the predictor, which sinks before round 56 "
              "logged), or answers whose predictions were all null with no request half to join (not counted as "
              "served)", file=sys.stderr, flush=True)
    if answers:
        print(f"ctloop: skipped {answers} answer row(s) of {model} whose predictions were all null or absent, with no "
              "request half to join: the model answered inference calls without a prediction (logger mode "
              "'response', or requests the sink refused); not counted as served", file=sys.stderr, flush=True)


def null_answers(frame: pd.DataFrame, empty: np.ndarray) -> np.ndarray:
    """Which of the :func:`no_inference` rows ``empty`` of ``frame`` are answers without a prediction:
    those of files with the sink's stamp (:data:`STAMPED` true), which hold no GET's answer. A row without
    the column (a table read as it is: ``ctloop drift --current <log dir>``) keeps the old reading."""
    if STAMPED not in frame.columns:
        return empty & False
    return empty & frame[STAMPED].eq(True).to_numpy(bool)


def drop_no_inference(frame: pd.DataFrame, model: str) -> pd.DataFrame:
    """``frame`` without its :func:`no_inference` rows, their counts said on stderr (:func:`say_no_inference`:
    the old files' apart from the null answers of stamped ones, :func:`null_answers`)."""
    empty = no_inference(frame)
    if empty is None:
        return frame
    answers = int(null_answers(frame, empty).sum())
    say_no_inference(int(empty.sum()) - answers, model, answers)
    return frame[~empty].reset_index(drop=True)


# How long before the midnight ending a read's last day a lone request half is looked up in the day
# after (its response half, written by another replica, may be past midnight): a response answers
# within Knative's request timeout (max-revision-timeout-seconds, 600 s by default), with room for the
# agent's queue. Reads of today (monitoring's live windows) have no day after to look in.
LOOKAHEAD_SECONDS = 3600


def lone_requests(frame: pd.DataFrame) -> pd.Series:
    """Request half rows (``has_request`` true, ``has_response`` false) with a ``request_id``: what
    a read finds alone when the response half of its call is in the day after the read."""
    import pandas as pd

    from ctloop.columns import HAS_REQUEST, HAS_RESPONSE, REQUEST_ID

    if frame.empty or not {HAS_REQUEST, HAS_RESPONSE, REQUEST_ID} <= set(frame.columns):
        return pd.Series(False, index=frame.index)
    return (flag(frame[HAS_REQUEST]) & ~flag(frame[HAS_RESPONSE]) & frame[REQUEST_ID].notna()).astype(bool)


def lookahead_day(end: pd.Timestamp) -> str:
    """The UTC day after the last ``date=`` partition a read of a period ending at ``end`` covers."""
    import pandas as pd

    return (end.tz_convert("UTC").normalize() + pd.Timedelta(days=1)).strftime("%Y-%m-%d")


def awaiting(frame: pd.DataFrame, end: pd.Timestamp) -> pd.Series:
    """The lone request halves (:func:`lone_requests`) of ``frame`` (rows with ``_time``) within
    :data:`LOOKAHEAD_SECONDS` before the start of :func:`lookahead_day`: those whose response half
    another replica may have written in the day after the read."""
    import pandas as pd

    lone = lone_requests(frame)
    if not lone.any():
        return lone
    midnight = end.tz_convert("UTC").normalize() + pd.Timedelta(days=1)
    return lone & (frame["_time"] > midnight - pd.Timedelta(seconds=LOOKAHEAD_SECONDS)).to_numpy(bool)


def later_files(prefix: str, end: pd.Timestamp) -> list[str]:
    """The Parquet files of ``<prefix>/date=<lookahead_day(end)>``."""
    from ctloop.storage import list_files

    return list_files(f"{prefix}/date={lookahead_day(end)}", ".parquet")


def later_rows(prefix: str, end: pd.Timestamp, ids: pd.Series) -> pd.DataFrame:
    """Every row of the ids ``ids`` in the partition of the day after a read ending at ``end``
    (:func:`lookahead_day`) when one of them is a response half, with ``_time`` and
    ``model_version`` as :func:`read_log` adds them; empty otherwise. A day whose footers say it
    holds no response half is not read; else each file's ``request_id`` column, then only the row
    groups holding one of the ids (:func:`rows_of_ids`)."""
    from ctloop.columns import HAS_RESPONSE

    return _with_times(rows_of_ids(later_files(prefix, end), ids, HAS_RESPONSE), HAS_RESPONSE)


def may_hold(pf, column: str) -> bool:
    """Whether a Parquet file may hold a row with ``column`` (``has_request``/``has_response``)
    true, from its footer: a file without ``request_id`` holds no row to look up; one whose
    ``column`` is a boolean column with no null and never true (its statistics, every row group)
    holds none."""
    import pyarrow as pa

    from ctloop.columns import REQUEST_ID

    names = pf.schema_arrow.names
    if REQUEST_ID not in names:
        return False
    if column not in names or not pa.types.is_boolean(pf.schema_arrow.field(column).type):
        return True
    meta = pf.metadata
    at = meta.schema.names.index(column)
    for i in range(meta.num_row_groups):
        st = meta.row_group(i).column(at).statistics
        if meta.row_group(i).num_rows and (st is None or not st.has_min_max or not st.has_null_count
                                           or st.null_count or st.max):
            return True
    return False


def open_parquet(uri: str, error: type[Exception] = InferenceLogError, what: str = "inference log file",
                 metadata: pq.FileMetaData | None = None):
    """A ``pyarrow.parquet.ParquetFile`` of a local or object-store file (read lazily: footer
    first, then the row groups and columns asked for; ``metadata``: its footer, already read, is
    not read again); unreadable: ``error``. INT96 timestamps (Spark, Hive) are read in
    :data:`storage.INT96_UNIT`, as ``read_table`` reads them (pyarrow's nanoseconds wrapped a
    ``9999-12-31`` label time to ``1816-03-29``)."""
    import pyarrow.parquet as pq

    from ctloop import storage

    try:
        if storage.is_remote(uri):
            fs, path = storage.filesystem(uri)
            return pq.ParquetFile(fs.open_input_file(path), metadata=metadata,
                                  coerce_int96_timestamp_unit=storage.INT96_UNIT)
        return pq.ParquetFile(uri, metadata=metadata, coerce_int96_timestamp_unit=storage.INT96_UNIT)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise error(f"cannot read {what} {uri}: {exc}") from exc


def rows_of_ids(uris: list[str], ids: pd.Series, column: str) -> pd.DataFrame:
    """The rows of ``uris`` whose ``request_id`` is one of ``ids`` (each file's columns renamed as
    :func:`read_parquet_files` renames a former feature), as a read of those files would find
    them; none when their footers say no row has ``column`` true (:func:`may_hold`: a model logged
    with ``logger.mode: response`` has no request half to look up). Of each file the
    ``request_id`` column is read first, then only the row groups holding one of the ids.
    Unreadable: an :class:`InferenceLogError` naming the file."""
    import pandas as pd

    from ctloop.columns import REQUEST_ID
    from ctloop.inference_log.schema import former_features

    wanted = set(ids.astype(str))

    def rows(pf) -> pd.DataFrame | None:  # the request_id column first, then the row groups with an id
        groups = [g for g in range(pf.metadata.num_row_groups)
                  if pf.read_row_group(g, columns=[REQUEST_ID]).column(REQUEST_ID).to_pandas().astype(str)
                  .isin(wanted).any()]
        if not groups:
            return None
        frame = pf.read_row_groups(groups).to_pandas().rename(columns=former_features(pf.schema_arrow, pf))
        return frame[frame[REQUEST_ID].astype(str).isin(wanted)]

    # a file is read in the open its footer is checked in once a footer so far says a row may have
    # ``column`` true; one checked before keeps its footer (small) for the read: opened again, the
    # footer not read again. One file open at a time: a day may have more files than fds
    found, checked, may = {}, [], False
    for at, uri in enumerate(uris):
        pf = open_parquet(uri, what="Parquet file")
        try:
            if REQUEST_ID not in pf.schema_arrow.names:
                continue
            may = may or may_hold(pf, column)
            if may:
                found[at] = rows(pf)
            else:
                checked.append((at, uri, pf.metadata))
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise InferenceLogError(f"cannot read Parquet file {uri}: {exc}") from exc
        finally:
            pf.close(force=True)
    if not may:
        return pd.DataFrame()
    for at, uri, footer in checked:
        pf = open_parquet(uri, what="Parquet file", metadata=footer)
        try:
            found[at] = rows(pf)
        except (OSError, ValueError) as exc:
            raise InferenceLogError(f"cannot read Parquet file {uri}: {exc}") from exc
        finally:
            pf.close(force=True)
    frames = [found[at] for at in sorted(found) if found[at] is not None]  # in file order
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _with_times(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """``rows`` with ``_time`` and a text ``model_version`` (as :func:`read_log` adds them) when
    one has ``column`` true (or lacks the column: an older file), else an empty frame."""
    import pandas as pd

    if rows.empty or not flag(rows[column] if column in rows.columns else pd.Series(True, index=rows.index)).any():
        return pd.DataFrame()
    rows["_time"] = utc_times(rows["time"])
    if "model_version" not in rows.columns:
        rows["model_version"] = ""
    rows["model_version"] = rows["model_version"].fillna("").astype(str)
    return rows


def lookback_day(start: pd.Timestamp) -> str:
    """The UTC day before the first ``date=`` partition a read of a period starting at ``start``
    covers (:func:`log_dates`)."""
    import pandas as pd

    return (start.tz_convert("UTC").normalize() - pd.Timedelta(days=1)).strftime("%Y-%m-%d")


def earlier_files(prefix: str, start: pd.Timestamp) -> list[str]:
    """The Parquet files of ``<prefix>/date=<lookback_day(start)>`` (``prefix``: a model's
    ``model=<m>`` directory or object prefix)."""
    from ctloop.storage import list_files

    return list_files(f"{prefix}/date={lookback_day(start)}", ".parquet")


def earlier_rows(prefix: str, start: pd.Timestamp, ids: pd.Series) -> pd.DataFrame:
    """Every row of the ids ``ids`` with a request half in the partition of the day before a read
    starting at ``start`` (:func:`lookback_day`), with ``_time`` and ``model_version`` as
    :func:`read_log` adds them; empty when there are none.

    A call whose halves two replicas wrote either side of midnight has its request half in the
    day before and its response half in the day of the read: :func:`merge_halves` over both gives
    the call's row with its request's time, outside a period starting after it — so the call is
    counted once, in the window of its request, not again as a lone response half. A day whose
    footers say it holds no request half (``logger.mode: response``) is not read; else each file's
    ``request_id`` column, then only the row groups holding one of the ids (:func:`rows_of_ids`;
    before round 44 also a response-only day's ``request_id`` columns, and a file holding one of the
    ids whole)."""
    from ctloop.columns import HAS_REQUEST

    return _with_times(rows_of_ids(earlier_files(prefix, start), ids, HAS_REQUEST), HAS_REQUEST)


def utc_times(values: pd.Series) -> pd.Series:
    """ISO 8601 text → UTC timestamps (NaT where unreadable). What the sink writes (an offset
    on every value) is parsed by Arrow, ~7× faster than pandas; anything else by pandas' ISO
    parser, then its per-value parser for whatever that could not read (older or hand-written
    logs) — the same result as ``pd.to_datetime(format="mixed", errors="coerce")``."""
    import pandas as pd
    import pyarrow as pa

    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.to_datetime(values, utc=True)
    try:
        parsed = pa.array(values, type=pa.string(), from_pandas=True).cast(pa.timestamp("ns", tz="UTC"))
        return pd.Series(parsed.to_pandas().array, index=values.index, name=values.name)  # positional
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    times = pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")
    missed = times.isna() & values.notna()
    if missed.any():
        times = times.copy()
        times[missed] = pd.to_datetime(values[missed], utc=True, format="mixed", errors="coerce")
    return times


def halves_involved(logs: pd.DataFrame) -> pd.Series:
    """The rows :func:`merge_halves` must see together: every row of a ``request_id`` that has a
    repeated ``(request_id, instance)`` (all its instances: a request and a response half are
    stitched only when they have as many rows)."""
    import pandas as pd

    if "request_id" not in logs.columns or logs.empty:
        return pd.Series(False, index=logs.index)
    if INSTANCE in logs.columns:  # a call's row of no instance (-1) and its other half's row 0: one key
        keys = pd.DataFrame({"request_id": logs["request_id"], INSTANCE: pair_instances(logs[INSTANCE])})
        repeated = keys.duplicated(keep=False)
    else:
        repeated = logs.duplicated(subset=["request_id"], keep=False)
    if not repeated.any():
        return repeated
    return logs["request_id"].isin(logs.loc[repeated, "request_id"].unique())


def pair_instances(instances: pd.Series) -> pd.Series:
    """``instance`` as the key halves are paired by: a call of no instance (-1,
    :data:`~ctloop.inference_log.events.NO_INSTANCE`) counts as instance 0, which the other half of
    that call has when its replica's join made a row of it (an ``{"error": ...}`` answer alone: no
    batch to tell empty): :func:`_no_instance_halves` pairs them."""
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(instances):
        instances = pd.to_numeric(instances, errors="coerce")
    return instances.where(~(instances < 0), 0)


def merge_halves(logs: pd.DataFrame, types: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per ``(request_id, instance)`` and event.

    Each sink replica joins the request and response it received; when the two halves of one
    request reach different replicas (no session affinity, a replica restarting between them)
    each writes a half row (``has_request`` or ``has_response`` only). Halves are stitched into
    one row only when they are unambiguous: among the rows of a ``request_id``, one request (one
    ``time``) and one response, with as many rows each. Then they become one row per instance:
    the response's columns (predictions, and ``model_version``/``revision`` when it names them —
    ``""``/``unknown`` do not count, as in the sink's own join), the request's features, time and
    ``meta_*`` where the response has none. Otherwise:

    * a request and a response with more or fewer rows than it: the request's rows without a
      response, the response left out — what the sink writes (and quarantines) when both reach
      one replica (:class:`~ctloop.inference_log.events.PairMismatch`). Not for TensorFlow
      Serving's columnar pair (``{"inputs": …}`` answered with ``{"outputs": …}``), which one
      replica joins into one row, each side whole (:func:`~ctloop.inference_log.events.join`):
      its halves' rows do not say which form the bodies had (``instances``/``predictions`` make
      the same rows), so here it too loses its response (review F2; see docs/inference-log.md);
    * several requests or responses sharing one id (a reused ``ce-id``): which response answers
      which request is unknown, so every half stays as written — unless every half row of the id
      carries a v2 body ``id`` (``meta_inference_id``): then halves pair by it as the sink pairs
      their events (:func:`_by_inference_id`).

    Copies are kept once: rows of the same key, kind, ``time`` and features and predictions
    (:func:`_value_hashes`: a WAL replayed after a crash, an event delivered twice; rows that differ
    there are two calls stamped with one time, and two halves of one key, kind and time left so keep
    every half of their id as written), a request half with the time of a complete row of its id, and a
    response half equal to a complete row of its key in every ``prediction*`` column (that pair's
    halves delivered again elsewhere) — unless a request half of its id arrived at or before it: a
    retry under the same id gets the same prediction, so such a response half counts as a half
    like any other (and is stitched to that request when they are the id's only pair). Two complete rows with their own times (two requests sent
    with the same ``ce-id``) are both kept, each whole.

    ``types``: the model's column types (``schema.registry``), which a columnar pair's whole values
    are typed with (:func:`_whole_pairs`); without them, the types of the values stored.
    """
    import pandas as pd

    involved = halves_involved(logs)
    if not involved.any():
        return logs
    group = logs[involved]
    reused = _reused_ids(group)
    if reused is None:
        return pd.concat([logs[~involved], *_merged(group, logs.columns, types)], ignore_index=True)
    # only the reused ids' rows are re-keyed (and cast to object: a categorical column takes no new key)
    keyed, split = _by_inference_id(group[reused])
    again = _unsplit(_merge_halves(keyed, types), split)
    again["request_id"] = _as_dtype(again["request_id"], logs["request_id"].dtype)
    return pd.concat([logs[~involved], *_merged(group[~reused], logs.columns, types), again], ignore_index=True)


_SPLIT = "\x00"  # between a request_id and a v2 id in a pairing key (no HTTP header holds a NUL)


def _as_dtype(values: pd.Series, dtype) -> pd.Series:
    """``values`` (each a value of a column of ``dtype``) back in ``dtype``; a categorical by its
    codes, without hashing its categories again (a scan chunk's has one per id)."""
    import pandas as pd

    if isinstance(dtype, pd.CategoricalDtype):
        codes = dtype.categories.get_indexer(values)
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=values.index, name=values.name)
    return values.astype(dtype)


def _time_keys(times: pd.Series) -> pd.Series:
    """A key per stored time text that is equal for one instant however it was written (a row of a
    round-54 sink has ``…02.417396+00:00``; the same event replayed from its WAL by a round-55 sink,
    ``…02.417396Z``): the UTC nanoseconds where the text reads as a time, else the text itself."""
    import pandas as pd

    parsed = utc_times(times)
    readable = parsed.notna().to_numpy(bool)
    keys = pd.Series("?" + times.astype(str).to_numpy(object), index=times.index, dtype=object)
    if readable.any():
        keys[readable] = parsed[readable].array.asi8.astype(str)
    return keys


def _reused_ids(group: pd.DataFrame) -> pd.Series | None:
    """Which rows of ``group`` (rows :func:`halves_involved` selected) belong to a reused id (several
    request or response half events under it) whose half rows all carry the Open Inference
    Protocol's ``id`` (``meta_inference_id``); None when no row does. Such halves pair by their body
    ``id`` as one sink replica pairs their events (``Sink._add``, round 42), so two calls a client
    sent under one ``Ce-Id`` are the two rows one replica writes, not four halves. Nothing changes
    for an id whose halves are one request and one response (a server making up its own response
    ``id`` still has them stitched) or one without a body ``id`` on every half."""
    import pandas as pd

    from ctloop.inference_log.events import INFERENCE_ID

    if INFERENCE_ID not in group.columns or "request_id" not in group.columns or "time" not in group.columns:
        return None
    has_req = flag(group["has_request"]) if "has_request" in group.columns else pd.Series(True, index=group.index)
    has_resp = flag(group["has_response"]) if "has_response" in group.columns else pd.Series(True, index=group.index)
    half = has_req != has_resp
    if not half.any():
        return None
    halves = pd.DataFrame({"request_id": group.loc[half, "request_id"].astype(object), "response": has_resp[half],
                           "time": _time_keys(group.loc[half, "time"].astype(str)),
                           "named": group.loc[half, INFERENCE_ID].notna()})
    events = halves.groupby(["request_id", "response"])["time"].nunique().groupby(level=0).max()
    named = halves.groupby("request_id")["named"].all()
    reused = events.index[(events > 1) & named.reindex(events.index).to_numpy(bool)]
    if not len(reused):
        return None
    return group["request_id"].isin(reused)


def _by_inference_id(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """``rows`` (every row of some reused ids, :func:`_reused_ids`) with the ``request_id`` of each
    row carrying a v2 body ``id`` made ``<request_id>\\0<id>``, and the map back."""
    from ctloop.inference_log.events import INFERENCE_ID

    named = rows[INFERENCE_ID].notna()
    original = rows.loc[named, "request_id"].astype(str)
    keys = original + _SPLIT + rows.loc[named, INFERENCE_ID].astype(str)
    rows = rows.copy()
    rows["request_id"] = rows["request_id"].astype(object)  # a categorical column takes no new key
    rows.loc[named, "request_id"] = keys
    return rows, dict(zip(keys, original, strict=True))


def _unsplit(frame: pd.DataFrame, split: dict[str, str]) -> pd.DataFrame:
    """``frame`` with the pairing keys :func:`_by_inference_id` made back to their ``request_id``."""
    keyed = frame["request_id"].isin(split.keys())
    if keyed.any():
        frame = frame.copy()
        frame.loc[keyed, "request_id"] = frame.loc[keyed, "request_id"].map(split)
    return frame


def _merge_halves(logs: pd.DataFrame, types: dict[str, str] | None = None) -> pd.DataFrame:
    """:func:`merge_halves` of rows whose pairing key is ``request_id``."""
    import pandas as pd

    involved = halves_involved(logs)
    if not involved.any():
        return logs
    return pd.concat([logs[~involved], *_merged(logs[involved], logs.columns, types)], ignore_index=True)


def _merged(group: pd.DataFrame, columns: pd.Index, types: dict[str, str] | None = None) -> list[pd.DataFrame]:
    """The rows :func:`_merge_halves` makes of ``group``, the rows :func:`halves_involved` selected."""
    import numpy as np
    import pandas as pd

    ids = [c for c in ("request_id", INSTANCE) if c in columns]
    has_req = flag(group["has_request"]) if "has_request" in group.columns else pd.Series(True, index=group.index)
    has_resp = flag(group["has_response"]) if "has_response" in group.columns else pd.Series(True, index=group.index)
    kind = pd.Series(np.where(has_req & has_resp, "complete", np.where(has_resp, "response", "request")),
                     index=group.index)
    times = group["time"].astype(str) if "time" in group.columns else pd.Series("", index=group.index)
    instants = _time_keys(times)  # one instant, one key: a round-54 row's +00:00 and its round-55 replay's Z
    # replays and events delivered twice: the same row (key, kind, instant) with the same values; two
    # calls under one Ce-Id stamped with one time (a producer's second-precision ce-time) are two rows
    keys = group[ids].assign(_kind=kind, _time=instants, _values=_value_hashes(group))
    group = group[~keys.duplicated(keep="last")]
    keys = keys.loc[group.index]
    # halves of one key, kind and instant left twice (their values differ): which answered which cannot
    # be told, as the sink could not (it wrote them as halves): every half of the id stays as written
    clash = keys[kind.loc[group.index] != "complete"].duplicated(subset=[*ids, "_kind", "_time"], keep=False)
    clash = pd.Index(keys.loc[clash[clash].index, "request_id"].unique()) if clash.any() else pd.Index([])
    kind, times, instants = kind.loc[group.index], times.loc[group.index], instants.loc[group.index]
    complete = group[kind == "complete"]
    requests, responses = group[kind == "request"], group[kind == "response"]
    if len(complete) and len(requests):  # a request half with the time of a complete row of its id: that
        done = pd.MultiIndex.from_arrays([complete["request_id"], instants.loc[complete.index]])  # pair's request again
        requests = requests[~pd.MultiIndex.from_arrays([requests["request_id"], instants.loc[requests.index]]).isin(done)]
    if len(complete) and len(responses):  # ... and a response half equal to a complete row of its key
        same = [*ids, *(c for c in responses.columns if c.startswith("prediction"))]
        found = responses[same].assign(_row=responses.index).merge(complete[same].drop_duplicates(), on=same,
                                                                   how="inner")  # NaN matches NaN
        # unless a request half of its id arrived at or before it: then it may answer that request (a
        # retry under the same id gets the same prediction) and is no copy; the halves count as a pair
        first = utc_times(times.loc[requests.index]).groupby(requests["request_id"].to_numpy()).min()
        earliest = found["request_id"].map(first)  # the id's first request half (NaT: none)
        at = pd.Series(utc_times(times.loc[found["_row"]]).array, index=found.index)
        answers = earliest.notna() & ~(at < earliest)  # an unreadable time: kept too
        responses = responses.drop(index=found.loc[~answers, "_row"])
    if INSTANCE in ids:
        requests, responses = _no_instance_halves(requests, responses)
    halves = pd.DataFrame({"request_id": pd.concat([requests["request_id"], responses["request_id"]]).astype(object),
                           "kind": kind.loc[[*requests.index, *responses.index]],
                           "time": instants.loc[[*requests.index, *responses.index]]})
    # per id and side: how many events (distinct instants) and rows
    per = halves.groupby(["request_id", "kind"], observed=True).agg(events=("time", "nunique"), rows=("time", "size"))
    per = per.unstack("kind").reindex(columns=pd.MultiIndex.from_product([["events", "rows"],
                                                                          ["request", "response"]])).fillna(0)
    single = (per["events"]["request"] == 1) & (per["events"]["response"] == 1) & ~per.index.isin(clash)
    stitch = per.index[single & (per["rows"]["request"] == per["rows"]["response"])]
    mismatched = per.index[single & (per["rows"]["request"] != per["rows"]["response"])]
    wholes = _whole_pairs(requests, responses, mismatched, columns, types)  # TF Serving columnar pairs: one row each
    failed = _failed_pairs(requests, responses, mismatched, columns)  # {"error": ...} answers: every row marked
    done = stitch.append(pd.Index(wholes["request_id"].unique() if len(wholes) else [])).append(
        pd.Index(failed["request_id"].unique() if len(failed) else []))
    kept = pd.concat([requests[~requests["request_id"].isin(done)],
                      responses[~responses["request_id"].isin(stitch.append(mismatched))]])
    requests = requests[requests["request_id"].isin(stitch)].set_index(ids)
    responses = responses[responses["request_id"].isin(stitch)].set_index(ids)
    unknown = {"model_version": "", "revision": "unknown"}
    blank = {c: v for c, v in unknown.items() if c in responses.columns}
    responses = responses.assign(**{c: responses[c].where(responses[c] != v) for c, v in blank.items()})
    merged = responses.combine_first(requests)
    for column in ("time", "_time", *[c for c in requests.columns if c.startswith("meta_")]):
        if column in requests.columns:  # when the request arrived; its business keys
            merged[column] = requests[column].combine_first(merged[column]).reindex(merged.index)
    for column, value in blank.items():
        merged[column] = merged[column].fillna(value)
    if "has_request" in columns:
        merged["has_request"] = merged.index.isin(requests.index)
    if "has_response" in columns:
        merged["has_response"] = merged.index.isin(responses.index)
    if "_whole" in merged.columns:  # a columnar pair's sides, whole: of no use once stitched
        merged["_whole"] = None
    merged = merged.reset_index()[list(columns)]
    return [complete, merged, kept, wholes, failed]


def _value_hashes(rows: pd.DataFrame) -> np.ndarray:
    """A hash per row of its features and predictions and of what the sink kept beside them
    (``_mistyped``, ``_overflow``, ``_error``): every column but the identity, ``meta_*`` and the
    other ``_``-prefixed ones. Equal for a row and its copy (a WAL line replayed, an event delivered
    twice: the same body), also when the copies were written into files of different columns (one
    before a new column was registered, one after: a column a file lacks reads NaN, a null one of a
    file that has it None; every missing value is one marker, whatever its kind). Different for two
    calls a client sent under one ``Ce-Id`` that were stamped with one time (a producer's
    second-precision ``ce-time``), which were read as one call before round 57, the first call's row
    dropped."""
    import numpy as np
    import pandas as pd

    from ctloop.columns import LOG_IDENTITY, META_PREFIX
    from ctloop.inference_log.schema import ERROR, MISTYPED, OVERFLOW

    kept = (MISTYPED, OVERFLOW, ERROR)
    values = [c for c in rows.columns
              if c in kept or (c not in LOG_IDENTITY and not c.startswith(("_", META_PREFIX)))]
    if not values:
        return np.zeros(len(rows), dtype=np.uint64)
    missing_mark = np.uint64(0x9E3779B97F4A7C15)  # the hash of a missing value, of any kind
    hashes = {}
    for i, column in enumerate(values):
        series = rows[column]
        missing = series.isna().to_numpy()
        if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
            hashed = _number_hashes(series)
        elif series.dtype == object:  # texts; a list (a whole tensor) hashes as its exact JSON text
            raw = series.to_numpy(dtype=object).copy()
            raw[missing] = ""
            if pd.api.types.infer_dtype(raw, skipna=False) != "string":
                raw = np.array([_exact_text(v) for v in raw], dtype=object)
            hashed = pd.util.hash_array(raw)
        else:  # a categorical or a time column: its values as pandas hashes them
            hashed = pd.util.hash_pandas_object(series, index=False).to_numpy(np.uint64)
        hashes[i] = np.where(missing, missing_mark, hashed)
    return pd.util.hash_pandas_object(pd.DataFrame(hashes, index=None), index=False).to_numpy(np.uint64)


def _number_hashes(series: pd.Series) -> np.ndarray:
    """A hash per value of a numeric or boolean column, alike for an int64 column of one file and a
    double one of another (1 and 1.0; -0.0 as 0.0) and distinct for integers past float64's 53 bits
    (ids 2**53 and 2**53 + 1): whole numbers hash as int64, other values as float64."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype):
        try:
            return pd.util.hash_array(series.to_numpy(dtype="int64", na_value=0))
        except (OverflowError, ValueError, TypeError):  # a uint64 past int64: as floats
            pass
    floats = series.to_numpy(dtype="float64", na_value=0.0) + 0.0
    whole = np.isfinite(floats) & (np.floor(floats) == floats) & (np.abs(floats) < 2.0**63)
    ints = np.where(whole, floats, 0.0).astype(np.int64)
    return np.where(whole, pd.util.hash_array(ints), pd.util.hash_array(floats))


def _exact_text(value) -> str:
    """``value`` as exact text: a whole tensor (a numpy array, a list, a dict) as JSON of its Python
    values (every digit of a float, every element), not numpy's printed text, which rounds to 8
    digits and cuts arrays past 1,000 values."""
    import json

    import numpy as np

    def plain(v):  # what json cannot write itself: an array inside a list (pyarrow reads list<list<...>> so)
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, np.generic):
            return v.item()
        return str(v)

    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=plain)
    return str(value)


def _no_instance_halves(requests: pd.DataFrame, responses: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``requests`` and ``responses`` (half rows) with the response half of a call whose request
    half is the row of no instance (-1: an empty batch) put under that instance too when it is one
    row of instance 0: an ``{"error": ...}`` answer (alone it says nothing of the batch), or
    predictions for no instance (which one replica's join refuses as a mismatch, keeping the
    request's row alone). A row with neither (``{"result": ...}``: no batch key) stays row 0, and
    so does its request half, as one replica's join keeps such a call (``events._no_instance``).
    Stitched, the call is the row of no instance that one replica writes, and
    the readers leave it out whichever replicas wrote its halves."""
    import pandas as pd

    if requests.empty or responses.empty:
        return requests, responses
    raw = pd.to_numeric(requests[INSTANCE], errors="coerce")
    if not (raw < 0).any():
        return requests, responses
    alone = requests["request_id"].map(requests["request_id"].value_counts()).eq(1)
    empty = set(requests.loc[alone & (raw < 0), "request_id"])
    answered = responses["request_id"].isin(list(empty))
    if not answered.any():
        return requests, responses
    from ctloop.inference_log.schema import ERROR

    ones = responses["request_id"].map(responses["request_id"].value_counts()).eq(1)
    row0 = pd.to_numeric(responses[INSTANCE], errors="coerce").eq(0)
    # an answer about the batch, as events._no_instance and the join see it: an error (-1 with its
    # request), or a prediction (a mismatch: the request's row alone). Any other body ({"result":
    # ...} of a custom predictor, no batch key) the join keeps as row 0 with the request
    about = pd.Series(False, index=responses.index)
    if ERROR in responses.columns:
        about |= responses[ERROR].notna()
    for column in responses.columns:
        if column == "prediction" or column.startswith("prediction_"):
            about |= responses[column].notna()
    single = answered & ones & row0
    responses = responses.copy()
    responses.loc[single & about, INSTANCE] = -1
    other = set(responses.loc[single & ~about, "request_id"])
    if other:  # the request half joins that answer as row 0, as one replica writes the call
        requests = requests.copy()
        requests.loc[requests["request_id"].isin(list(other)) & (raw < 0), INSTANCE] = 0
    return requests, responses


def _failed_pairs(requests: pd.DataFrame, responses: pd.DataFrame, ids, columns) -> pd.DataFrame:
    """The request rows of ``ids`` (one request and one response each, with different row counts)
    whose response reported an error (``_error``: its half has one row, as no prediction was
    served), each marked with that error as the sink's own join marks every row of such a pair
    (``events.join``), ``has_response`` true, ``model_version``/``revision`` the response's when
    it names them. Only ``columns`` are returned."""
    from ctloop.inference_log.schema import ERROR, WHOLE

    if ERROR not in responses.columns or not len(ids):
        return requests.iloc[:0]
    answers = responses[responses["request_id"].isin(ids) & responses[ERROR].notna()]
    answers = answers.drop_duplicates("request_id").set_index("request_id")
    rows = requests[requests["request_id"].isin(answers.index)].copy()
    if rows.empty:
        return requests.iloc[:0]
    rid = rows["request_id"]
    rows[ERROR] = rid.map(answers[ERROR]).to_numpy()
    for column in ("model_version", "revision"):  # the response's, when it names them (as stitched)
        if column in rows.columns and column in answers.columns:
            named = rid.map(answers[column])
            rows[column] = named.where(~named.isin(["", "unknown"]) & named.notna(), rows[column])
    for column in ("has_request", "has_response"):
        if column in rows.columns:
            rows[column] = True
    if WHOLE in rows.columns:  # a side whole is of no use once paired (as stitched rows, and the sink's join)
        rows[WHOLE] = None
    return rows[[c for c in columns if c in rows.columns]]


def _whole_pairs(requests: pd.DataFrame, responses: pd.DataFrame, ids, columns,
                 types: dict[str, str] | None = None) -> pd.DataFrame:
    """The halves of ``ids`` (one request and one response each, with different row counts) whose
    both sides were TensorFlow Serving's columnar form (or an unbatched v2 sequence and its one
    answer), each joined into the one row the sink's join makes of them (``events.join``: each side
    whole), from the sides' ``_whole`` text (``events._whole_side``). Each value is typed as the
    sink types it (``schema.normalise``) under the column types ``types`` (the model's registry),
    else those of the values stored (:func:`_stored_types`): a value that does not fit is null in
    its column and set aside in ``_mistyped``; nested values in a ``string`` column are JSON text.
    Only ``columns`` (the columns read: a projected scan's) are returned (review revC #1, #6)."""
    import json

    import pandas as pd

    from ctloop.inference_log.events import feature_column
    from ctloop.inference_log.schema import IDENTITY, MISTYPED, OVERFLOW, WHOLE, normalise

    if WHOLE not in requests.columns or INSTANCE not in requests.columns or not len(ids):
        return requests.iloc[:0]
    first_request = requests[requests["request_id"].isin(ids) & (requests[INSTANCE] == 0) & requests[WHOLE].notna()]
    first_response = responses[responses["request_id"].isin(ids) & (responses[INSTANCE] == 0)
                               & responses[WHOLE].notna()].set_index("request_id")
    known: dict[str, str] | None = None
    rows = []
    for _, request in first_request.iterrows():
        if request["request_id"] not in first_response.index:
            continue
        response = first_response.loc[request["request_id"]]
        row = {k: (v if k in IDENTITY or k == "_time" or k.startswith("meta_") else None)
               for k, v in request.items()}
        for column in ("model_version", "revision"):  # the response's, when it names them (as stitched)
            if column in row and response.get(column) not in (None, "", "unknown"):
                row[column] = response[column]
        sides = []
        spilled: dict = {}  # the request's inputs kept in _overflow, whole (each row holds its own token)
        for side, frame, features in ((request, requests, True), (response, responses, False)):
            whole = json.loads(side[WHOLE])
            marker = whole if isinstance(whole, list) and whole[:1] == ["rows"] else [whole]
            if marker[0] == "rows":  # the half's own rows hold its side whole (events.WHOLE_ROWS, _rows_marker)
                own = frame[frame["request_id"] == request["request_id"]]
                whole = _side_from_rows(own, features, set(marker[1:]))
                if features:
                    spilled = _overflow_whole(own)
            elif features:
                whole = {feature_column(k): v for k, v in whole.items()}
            sides.append(whole)
        values = {**sides[0], **sides[1]}
        if known is None:
            known = {**_stored_types(pd.concat([requests, responses])), **(types or {})}
        normalise(values, dict(known), {})  # as the sink's flush: what does not fit goes to _mistyped
        aside = json.loads(values.pop(MISTYPED, None) or "{}")
        row.update(values)
        for column, extra in ((MISTYPED, aside), (OVERFLOW, spilled)):  # both sides' values set aside, kept
            for side in (response, request):
                if isinstance(side.get(column), str):
                    extra = {**json.loads(side[column]), **extra}
            row[column] = json.dumps(extra) if extra else None
        row.update({WHOLE: None, "has_request": True, "has_response": True})
        rows.append({k: v for k, v in row.items() if k in columns})
    return pd.DataFrame(rows) if rows else requests.iloc[:0]


def _overflow_whole(rows: pd.DataFrame) -> dict:
    """The inputs a request half's rows (one per token of an unbatched v2 sequence) kept in
    ``_overflow``, each as the list of its rows' values in instance order: what one replica's join
    keeps there for the pair (each input whole). Empty when no row kept any."""
    import json

    from ctloop.inference_log.schema import OVERFLOW

    if OVERFLOW not in rows.columns:
        return {}
    kept = [json.loads(v) if isinstance(v, str) else {} for v in rows.sort_values(INSTANCE)[OVERFLOW]]
    return {k: [d.get(k) for d in kept] for k in dict.fromkeys(k for d in kept for k in d)}


def _side_from_rows(rows: pd.DataFrame, features: bool, ints: set[str] = frozenset()) -> dict:
    """A half's side whole from its rows (``_whole`` :data:`~ctloop.inference_log.events.WHOLE_ROWS`):
    a request's (``features``) every feature column as the list of its rows' values in instance
    order (an unbatched v2 sequence: each 1-D input whole), a response's instance-0 prediction
    columns; a value set aside in a row's ``_mistyped`` counts as that row's value, a column with
    no value in any row (another event's) is left out. The columns in ``ints`` (inputs sent as
    integers, stored as doubles) give their numbers back as integers (review revH2 #3)."""
    import json

    from ctloop.inference_log.schema import IDENTITY, MISTYPED

    rows = rows.sort_values(INSTANCE)
    if not features:
        rows = rows.iloc[:1]
    aside = ([json.loads(v) if isinstance(v, str) else {} for v in rows[MISTYPED]] if MISTYPED in rows.columns
             else [{}] * len(rows))
    out = {}
    for column in rows.columns:
        if column in IDENTITY or column.startswith(("_", "meta_")) or column.startswith("prediction") == features:
            continue
        values = [None if v is None or v != v else v for v in rows[column].astype(object).tolist()]
        values = [kept.get(column, v) for kept, v in zip(aside, values, strict=True)]
        if column in ints:
            values = [int(v) if isinstance(v, float) and v.is_integer() else v for v in values]
        if all(v is None for v in values):
            continue
        out[column] = values if features else values[0]
    for kept in aside if not features else ():  # the response's set-aside predictions
        out.update((k, v) for k, v in kept.items() if k.startswith("prediction"))
    if features:  # a set-aside column absent from the frame read (a projected scan): still that input
        for column in {k for kept in aside for k in kept} - set(out):
            if not column.startswith("prediction"):
                out[column] = [kept.get(column) for kept in aside]
    return out


def _stored_types(frame: pd.DataFrame) -> dict[str, str]:
    """The registry type (``bool``, ``double``, ``string``) of each column of ``frame`` with values,
    from the Arrow type of its values (a bool column with nulls is ``object`` in pandas, still
    ``bool`` to Arrow); identity columns and columns Arrow cannot type are left out."""
    import pyarrow as pa

    from ctloop.inference_log.schema import IDENTITY

    out = {}
    for column in frame.columns:
        if column in IDENTITY or column.startswith("_"):
            continue
        try:
            kind = pa.array(frame[column], from_pandas=True).type
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            continue
        if pa.types.is_boolean(kind):
            out[column] = "bool"
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
            out[column] = "double"
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            out[column] = "string"
    return out


def flag(values: pd.Series, missing: bool = True) -> pd.Series:
    """A boolean column (``has_request``/``has_response``) as bools; missing values (files
    written before the column existed) count as ``missing``; ``"false"`` strings are false."""
    import pandas as pd

    if values.dtype == bool:  # what the sink writes: nothing to look at
        return values.copy()

    def one(v):
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return missing
        if isinstance(v, str):
            return v.strip().lower() not in ("false", "0", "")
        return bool(v)

    return pd.Series([one(v) for v in values], index=values.index, dtype=bool)


def served(logs: pd.DataFrame) -> pd.DataFrame:
    """Rows with a response (``has_response`` true or absent) that reported no error (``_error``
    null or absent: a ``{"error": ...}`` response served no prediction): the ones with predictions."""
    from ctloop.inference_log.schema import ERROR

    if logs.empty:
        return logs
    ok = flag(logs["has_response"]) if "has_response" in logs.columns else None
    if ERROR in logs.columns:
        failed = logs[ERROR].notna()
        ok = ~failed if ok is None else ok & ~failed
    return logs if ok is None else logs[ok]


__all__ = ["read_log", "calls_with_instances", "with_instances", "drop_no_instance", "no_instance_filter", "read_parquet_tree", "read_parquet_files", "log_dates", "utc_times", "merge_halves",
           "halves_involved", "pair_instances", "flag", "served", "lone_responses", "lookback_day", "earlier_files", "earlier_rows",
           "lone_requests", "lookahead_day", "awaiting", "later_files", "later_rows", "may_hold", "rows_of_ids",
           "LOOKAHEAD_SECONDS", "open_parquet", "carried_columns", "no_inference", "no_inference_table",
           "say_no_inference", "drop_no_inference", "null_answers", "stamped_schema", "STAMPED"]
