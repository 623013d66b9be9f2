"""``ctloop drift``: an ad-hoc drift check between two tables or datasets.

    ctloop drift --reference train.parquet --current gs://bucket/last-week.csv --output out/
    ctloop drift --reference 'data/train/*.parquet' --current logs/model=credit/ --exclude label

Each side is a CSV/Parquet file, a directory (read recursively; hive partitions such as the
inference log's ``model=/date=/revision=`` are layout, not compared unless named in
``--columns``), a glob, or a ``gs://``, ``s3://`` or ``az://`` prefix (``ctloop.storage``'s
credentials and endpoints). Two engines compute the same verdict:

* ``memory`` reads both tables into pandas (:func:`ctloop.drift.engine.detect`, exact);
* ``stream`` summarises each side chunk by chunk into mergeable state
  (:mod:`ctloop.drift.streaming`): memory bounded by columns × sketch size, not rows; exact up
  to ``--sketch-size`` distinct values per numeric column, beyond that Wasserstein and KS are
  estimates with guaranteed bounds (a column whose bounds straddle its threshold is marked
  ``?``), and binned methods are made exact by a second pass;
* ``auto`` (default) uses ``memory`` when both sides hold at most 1,000,000 rows × 25 columns
  (25M cells; a single remote file counts as small), else ``stream``.

Datetime and timedelta columns are compared as numbers (seconds since the epoch; a duration's
seconds), except ``--time-column``, which is never a feature. No column is left out silently:
columns no method can compare (lists, dicts, complex numbers) and the time column are printed as
one ``skipped N column(s): name (dtype, reason), ...`` line and listed under ``skipped`` in
``drift.json`` and the report.

The table and ``drift.json`` are the same for both engines (a streamed result adds
``streaming``, and per column ``approximate``/``score_low``/``score_high``/``borderline`` where
a score is approximate); ``--output DIR`` (local or remote) also gets evidently's
``report.html``, rendered on a seeded sample of each side (drawn while streaming). The exit
code is 0 whether or not the data drifted (read the verdict or drift.json); 1 when evidently's
report fails after the verdict (one ``error: report.html: ...`` line; drift.json is written, its
``report`` null); 2 on an error.

A training table against an inference log: a feature the sink stores as ``input_<name>`` (one
named like a column the sink fills itself: ``prediction*``, ``meta_*``, ``date``, ``time``, ``model``, …)
is read from there, coalesced with ``<name>`` where older rows hold it
(:func:`ctloop.inference_log.events.feature_sources`, as monitoring reads it); the log's own
column of that name (a prediction, a request header, the event time) is never read as the
feature: a log without ``input_<name>`` lacks the feature, and is refused saying so.

Two inference log windows: when the reference is a log (``request_id``, ``has_request`` and
``has_response`` present), its identity columns (request id, time, revision, ``_mistyped``, ``_overflow``, …,
and the request's ``meta_*`` headers) are not compared (new in every window, they would always drift) and are listed as skipped
(``inference log identity``), unless ``--columns`` names them.

Refused with one line before a verdict (both engines): a reference column the current data lacks
(unless ``--exclude``-d), ±inf values in a compared column (the statistics would drop them
silently), a side with fewer than ``--min-rows`` rows (default 30), and an ``--output`` inside a
file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from typing import Any

# beyond it a numeric column's squares overflow float64: standard deviations, normed Wasserstein
# distances and histogram ranges become inf (a score drift.json cannot hold)
from ctloop.metrics import LARGEST_VALUE

PROGRESS_EVERY_S = 2.0


def column_record(text: str) -> list[str] | None:
    """Column names as one CSV record (``'"income, net",age'``; a ``"`` inside a quoted name
    doubled): an unquoted name without the blanks around it (``str.isspace``; the same blanks are
    skipped around a quoted name), a quoted one as written (``'" age"'``
    is `` age``, a CSV header ``id, age`` as pandas reads it); empty names dropped. ``None`` for an
    unclosed quote or text after a closing one."""
    names, i, n = [], 0, len(text)
    while i <= n:
        while i < n and text[i].isspace():  # the blanks str.strip() drops around an unquoted name
            i += 1
        if i < n and text[i] == '"':
            j, buf = i + 1, []
            while True:
                if j >= n:
                    return None
                if text[j] == '"':
                    if j + 1 < n and text[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    j += 1
                    break
                buf.append(text[j])
                j += 1
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] != ",":
                return None
            names.append("".join(buf))
            i = j + 1
        else:
            j = text.find(",", i)
            j = n if j < 0 else j
            names.append(text[i:j].strip())
            i = j + 1
    return [name for name in names if name]


def _split(flag: str, values: list[str] | None) -> list[str]:
    """The names of ``--columns``/``--exclude`` (each value one CSV record, :func:`column_record`;
    the flag repeatable, its names add up); ``[]`` when the flag is not given.

    Raises:
        ConfigError: an unclosed quote; ``--columns`` given names no column (``,``, or empty: it
            compared every column).
    """
    from ctloop.errors import ConfigError

    out = []
    for text in values or []:
        names = column_record(text)
        if names is None:
            raise ConfigError(f"{flag} {text!r} has an unclosed quote (or text after a closing one): quote a "
                              "name with a comma or blanks whole, e.g. '\"income, net\",age'")
        if not names and flag == "--columns":
            raise ConfigError(f"{flag} {text!r} names no column: give the compared columns, comma-separated "
                              "(e.g. --columns age,income), or leave the flag out to compare every column")
        out += names
    return out


LOG_IDENTITY_REASON = "inference log identity"


def _log_identity(columns: list[str]) -> list[str]:
    """The identity columns of an inference log (request id, time, revision, ``_mistyped``, ``_overflow``, …,
    and the request's ``meta_*`` headers) when ``columns`` are a log's (request_id, has_request
    and has_response all there), else []. They are not features: request ids, times and business
    keys are new in every window, so compared they would always drift."""
    from ctloop.columns import HAS_REQUEST, HAS_RESPONSE, LOG_IDENTITY, META_PREFIX, REQUEST_ID
    from ctloop.inference_log.schema import IDENTITY  # LOG_IDENTITY, _mistyped, _overflow

    if not {REQUEST_ID, HAS_REQUEST, HAS_RESPONSE} <= set(columns):
        return []
    return [*(c for c in dict.fromkeys((*LOG_IDENTITY, *IDENTITY)) if c in columns),
            *(c for c in columns if c.startswith(META_PREFIX))]  # the request's headers: not model inputs


class _Progress:
    """Throttled progress lines on stderr: rows, files, rows/s, per side."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.last = 0.0

    def __call__(self, label: str, info: Any) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if info.finished or now - self.last >= PROGRESS_EVERY_S:
            self.last = now
            print(info.line(label), file=sys.stderr, flush=True)


class _Steps:
    """Throttled progress lines on stderr for the memory engine, as :class:`_Progress` for the
    streamed one: columns compared, calibration splits done (the last of each always)."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.last = 0.0
        self.started = time.monotonic()

    def __call__(self, step: str, done: int, total: int) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if done >= total or now - self.last >= PROGRESS_EVERY_S:
            self.last = now
            what = "calibration: " if step == "splits" else ""
            unit = "random splits of the reference" if step == "splits" else "columns compared"
            print(f"memory engine: {what}{done}/{total} {unit}, {now - self.started:.0f} s", file=sys.stderr, flush=True)


def _drift_command(args: argparse.Namespace) -> int:
    """``ctloop drift``, whose refusal of a column typed differently on each side names the flags
    that go on (the library's message asks to give it "the same type in both frames")."""
    from ctloop.errors import ColumnTypesDiffer, ConfigError, DataSourceError, DriftError

    try:
        return _drift(args)
    except (DataSourceError, ConfigError) as exc:  # the stream engine names files by their absolute paths
        written = _as_written(str(exc), (args.reference, args.current))
        named = written.split(": ", 1)[0]  # the file the line names, as written
        sides = (("--reference", args.reference, args.current), ("--current", args.current, args.reference))
        for flag, uri, other in sides:
            if any(c in uri for c in "*?[") and _globbed(named, uri) and not _under(named, other) \
                    and flag not in written:  # a glob's file: main leads only a line naming the glob itself
                written = f"{flag}: {written}"  # not the other flag's file beside it (fixinput review M1)
                break
        if written != str(exc):
            exc.args = (written,)  # its class kept: main names the flag when the line starts with the path given
        raise
    except ColumnTypesDiffer as exc:
        col = exc.column
        way = f"leave the column out with --exclude {col}"
        if exc.temporal and not args.time_column:  # a CSV holds times as text, a Parquet file as
            # datetimes; there is one time column, so not when --time-column already names another
            way += f", or name it --time-column {col} if it is the time column (not compared)"
        said = str(exc).replace("in both frames", "on both sides")  # a command-line user made no frames
        raise DriftError(f"{said}, or {way}") from exc


def _globbed(path: str, pattern: str) -> bool:
    """Whether ``path`` (or a folder above it: a glob may match directories) matches ``pattern`` as the readers
    match it (``storage.glob_match``: ``**`` any number of names)."""
    from ctloop.storage import glob_match

    names = path.split("/")
    return any(glob_match("/".join(names[:k]), pattern) for k in range(len(names), 0, -1))


def _under(path: str, other: str) -> bool:
    """Whether ``path`` is the other flag's path or lies under it (a directory)."""
    return path == other or path.startswith(other.rstrip("/") + "/")


def _as_written(text: str, uris: tuple[str, ...]) -> str:
    """``text`` with each local path of ``uris`` named as the user wrote it (``cur.csv``, ``data/part-0.csv``)
    where it names the path made absolute (the stream engine's files: ``drift.streaming._filesystem``), as
    ``read_table`` names it for the memory engine, so that ``main`` leads the line with the flag
    (``--current: cur.csv: line 101 ...``). Object-store URIs and ``file:`` URIs are left as they are."""
    import os

    from ctloop.storage import scheme

    for uri in uris:  # argparse refused a path starting with '~' (cli.main): none is expanded here
        if scheme(uri) != "file" or uri.lower().startswith("file:"):
            continue
        cut = min((i for i in (uri.find(c) for c in "*?[") if i >= 0), default=-1)
        if cut >= 0:  # a glob: its files named from the part before its first wildcard as typed (review 61 L3)
            given = uri[:cut]
            full = os.path.abspath(given or ".") + ("/" if given.endswith("/") or not given else "")
            if full != given:
                text = text.replace(full, given)
            continue
        full = os.path.abspath(uri)
        given = uri.rstrip("/") or uri
        if full != given:  # a path followed by its end, a separator or punctuation (a sentence's '.' or ';' too,
            # not a longer name sharing its start: cur.csv.gz)
            text = re.sub(re.escape(full) + r"(?=$|[/:\s'\",);]|\.(?!\w))", lambda _m, g=given: g, text)
    return text


def _drift(args: argparse.Namespace) -> int:
    from ctloop.columns import RESERVED_TRAINING
    from ctloop.drift import engine as core
    from ctloop.errors import ConfigError, DataSourceError, one_line
    from ctloop.storage import check_output_dir, output_dir, parse, scheme

    for flag, uri in (("--reference", args.reference), ("--current", args.current)):
        try:  # an unsupported scheme, a password or a signed query, said with the flag: the message
            if scheme(uri) != "file":  # shows the URI masked, so the flag cannot be told by its value later
                parse(uri)
        except ConfigError as exc:
            raise ConfigError(f"{flag}: {exc}") from None
    if args.output:
        check_output_dir(args.output, name="--output")  # before reading, not after the comparison
    if args.report_sample_size < 0:
        raise ConfigError(
            f"--report-sample-size must be >= 0 (0 = all rows), got {args.report_sample_size}"
        )
    options = {
        "drift_share": args.drift_share,
        "method": args.method,
        "threshold": args.threshold,
        "correction": args.correction,
        "time_column": args.time_column or None,
    }
    from ctloop.drift.streaming import (
        check_side,
        choose_engine,
        read_side,
        refuse_headerless,
        refuse_late_text,
    )

    opened: dict = {}  # the sides choose_engine opened (listed) to count their cells: read, not opened again
    used = choose_engine(args.engine, args.reference, args.current, calibrate=bool(args.calibrate), opened=opened)
    columns = _split("--columns", args.columns) or None
    exclude = _split("--exclude", args.exclude)  # its mistakes before anything is read
    if columns is not None and exclude:  # --exclude wins: a column named by both is left out
        columns = [c for c in columns if c not in set(exclude)]
        if not columns:
            raise ConfigError(f"--exclude leaves out every column --columns names ({', '.join(map(repr, exclude))}): "
                              "nothing to compare; drop them from --exclude")
    calibration = None
    identity: list[str] = []
    identity_types: dict[str, str] = {}
    streaming_info = None
    samples = None
    sides = (f"the reference data ({args.reference})", f"the current data ({args.current})")
    if used == "memory":
        from ctloop.inference_log.reader import drop_no_instance

        reference, ref_source = read_side(args.reference, columns, side=sides[0], opened=opened.get(args.reference))
        current, cur_source = read_side(args.current, columns, side=sides[1], opened=opened.get(args.current))
        # an inference log's calls of no instance (an empty batch: instance -1) are no rows, as read_log
        # reads them (the stream engine leaves them out as it reads: streaming.detect_sources)
        reference, current = (drop_no_instance(frame) for frame in (reference, current))
        log_columns, sources = None, {}
        if core.is_inference_log(current.columns) and not core.is_inference_log(reference.columns):
            # a training table against an inference log: a feature named like a column the sink fills
            # itself (a prediction, a request header, an identity column) is read from input_<name>
            log_columns = list(current.columns)
            sources = core.log_sources([c for c in (columns or reference.columns) if c != (args.time_column or None)],
                                       log_columns, layout=cur_source.partition_keys if cur_source else ())
            current = core.read_log_features(current, sources)
        refuse_headerless(columns, (reference.columns, ref_source), (current.columns, cur_source))
        if columns is None:
            identity = [c for c in _log_identity(list(reference.columns)) if c not in exclude]
            # no --time-column (''): a column named '' (a Parquet file's) is compared, as the streamed engine does
            skip = set(exclude) | set(RESERVED_TRAINING) | {args.time_column or None} | set(identity)
            columns = core.shared_columns(list(reference.columns), list(current.columns), skip=skip,
                                          reference=sides[0], current=sides[1], log_columns=log_columns)
        for side, source, names in zip(sides, (ref_source, cur_source),
                                       (columns, core.source_columns(columns, sources)), strict=True):
            if source is not None:  # several files: each must have every compared column
                check_side(source, names, side)
        refuse_late_text((args.reference, reference), (args.current, current), columns)
        rows = {sides[0]: len(reference), sides[1]: len(current)}
        core.refuse_few_rows(rows, args.min_rows)
        known = [c for c in columns if c in reference.columns and c in current.columns]  # others: named below
        core.refuse_infinite({sides[0]: core.infinite_values(reference, known),
                              sides[1]: core.infinite_values(current, known)}, rows)
        core.refuse_extremes({sides[0]: core.extreme_values(reference, known, current),  # the current side's kind decides
                              sides[1]: core.extreme_values(current, known)})
        if args.calibrate:
            result, calibration = core.detect_calibrated(
                reference, current, rounds=args.calibrate, seed=args.seed, columns=columns,
                progress=_Steps(args.quiet), **options,
            )  # fmt: skip
        else:
            steps = _Steps(args.quiet)
            result = core.detect(reference, current, columns=columns, **options,
                                 progress=lambda done, total: steps("columns", done, total))  # fmt: skip
        n_ref, n_cur = len(reference), len(current)
    else:
        from ctloop.drift import streaming

        sample_size = 0 if args.no_report or not args.output else args.report_sample_size
        if sample_size == 0 and args.output and not args.no_report:
            raise ConfigError(
                "--report-sample-size 0 (all rows) cannot be streamed into an HTML report: give a "
                "sample size (default 20000) or --no-report"
            )
        ref_source = None
        if columns is None:
            ref_source = opened.get(args.reference) or streaming.open_source(args.reference)
            names = ref_source.every_files_columns()  # a header a later file has is skipped too
            identity = [c for c in _log_identity(names) if c not in exclude]
            types = {n: str(t) for _, schema in reversed(ref_source.file_schemas or []) for n, t in
                     zip(schema.names, schema.types, strict=True)}
            identity_types = {c: types.get(c, "") for c in identity}
        run = streaming.detect_sources(  # the opened reference: its files' schemas are read once
            opened.get(args.reference, args.reference) if ref_source is None else ref_source,
            opened.get(args.current, args.current), columns=columns, exclude=[*exclude, *identity],
            batch_rows=args.batch_rows, sketch_size=args.sketch_size, max_categories=args.max_categories,
            sample_size=sample_size, seed=args.seed, progress=_Progress(args.quiet),
            check_rows=lambda n_ref, n_cur: core.refuse_few_rows({sides[0]: n_ref, sides[1]: n_cur}, args.min_rows),
            **options,
        )  # fmt: skip
        n_ref, n_cur = run.reference.rows, run.current.rows
        rows = {sides[0]: n_ref, sides[1]: n_cur}
        core.refuse_few_rows(rows, args.min_rows)
        core.refuse_infinite({side: {c.name: c.infs for c in state.columns.values()}
                              for side, state in zip(sides, (run.reference, run.current), strict=True)}, rows)
        core.refuse_extremes({side: {c.name: v for c in state.columns.values() if c.numeric is not None and c.numeric.n
                                     and abs(v := core.largest((c.numeric.minimum, c.numeric.maximum))) > LARGEST_VALUE}
                          for side, state in zip(sides, (run.reference, run.current), strict=True)})
        result = run.result
        streaming_info = run.info
        hashed = {name for state in (run.reference, run.current) for name, col in state.columns.items()
                  if col.categories is not None and col.categories.hashed}  # past --max-categories
        if sample_size:
            samples = (run.reference_sample.to_pandas(), run.current_sample.to_pandas())

    if identity:  # not compared, and said so: in the skipped line and drift.json
        result.skipped[:0] = [core.SkippedColumn(c, identity_types.get(c) or str(reference[c].dtype),
                                                 LOG_IDENTITY_REASON) for c in identity]
    print(f"reference {args.reference}: {n_ref} rows; current {args.current}: {n_cur} rows\n")
    if streaming_info is not None:
        approximate = {c.column for c in result.columns if c.approximate}
        # the setting the approximate scores met: before round 57 a column hashed past --max-categories was
        # said to have met the sketch size
        said = [f"sketch size {streaming_info['sketch_size']}"] if approximate - hashed or not approximate else []
        if approximate & hashed:
            said.append(f"max categories {streaming_info['max_categories']}, --max-categories")
        print(
            f"streamed in {streaming_info['passes']} pass(es), {streaming_info['seconds']:.1f} s, "
            f"state {streaming_info['state_bytes'] / 2**20:.1f} MiB; {len(approximate)} of "
            f"{len(result.columns)} scores approximate ({'; '.join(said)})\n"
        )
    print(core.format_table(result))
    if calibration is not None:
        print(
            f"thresholds calibrated on {args.calibrate} random splits of the reference (recorded in drift.json)"
        )
    if not args.output:
        print("(no --output given: nothing written)")
        return 0

    payload = {
        **result.to_dict(),
        "reference": {"uri": args.reference, "rows": n_ref},
        "current": {"uri": args.current, "rows": n_cur},
        "calibration": calibration,
        "report": None,
    }
    if streaming_info is not None:
        payload["streaming"] = streaming_info
    verdict_uri = f"{args.output.rstrip('/')}/drift.json"
    failed = None
    # report.html first, drift.json last, each in its own upload: a reader polling for drift.json
    # (the artifact it keys on) finds the report it names complete. A local directory; for gs://,
    # s3:// or az:// every file is uploaded when its block ends (each object appears whole).
    if not args.no_report:
        from ctloop.storage import delete, exists

        # a reused --output: an earlier run's verdict must not sit beside this report. Only when
        # there is one (a HEAD: read access), and a refused delete (an identity that may write but
        # not delete, as docs/drift.md's role) is a warning: the new drift.json replaces it below
        if exists(verdict_uri):
            try:
                delete(verdict_uri)
            except DataSourceError as exc:
                if "denied" not in str(exc):
                    raise
                print(one_line(f"warning: could not delete the earlier {verdict_uri} ({exc}); until "
                               "this run writes its own, it sits beside the new report.html"),
                      file=sys.stderr)  # fmt: skip
        try:
            with output_dir(args.output) as out:
                from ctloop.drift import report

                ref_frame, cur_frame = samples if samples is not None else (reference, current)
                try:
                    rendered = report.render_html(
                        ref_frame,
                        cur_frame,
                        path=out / "report.html",
                        sample_size=args.report_sample_size,
                        seed=args.seed,
                        **report.options_from_result(result),
                    )
                except Exception as exc:  # noqa: BLE001 - evidently's: the verdict is still written, say so in one line
                    failed = f"{type(exc).__name__}: {exc}"
                    (out / "report.html").unlink(missing_ok=True)  # no half-written page
                else:
                    payload["report"] = rendered
                    if samples is not None:  # sampled while streaming: the totals are the scans'
                        payload["report"].update(reference_rows=n_ref, current_rows=n_cur,
                                                 report_sampling="bottom-k while streaming")  # fmt: skip
        except Exception:  # the report could not be stored (an upload, a full disk): keep the verdict
            payload["report"] = None
            with output_dir(args.output) as out:
                _write_json(out / "drift.json", payload)
            print(f"wrote {verdict_uri}")
            raise
        if failed is None:
            print(f"wrote {args.output.rstrip('/')}/report.html")
    with output_dir(args.output) as out:
        _write_json(out / "drift.json", payload)
    print(f"wrote {verdict_uri}")
    if failed is not None:
        print(one_line(f"error: report.html: evidently's report failed ({failed}); the verdict is in "
                       f"{args.output.rstrip('/')}/drift.json"), file=sys.stderr)
        return 1
    if payload["report"]:
        rep = payload["report"]
        print(
            f"(report.html: evidently on {rep['report_reference_rows']} / {rep['report_current_rows']} "
            f"sampled rows, seed {args.seed}; the verdict above uses all rows)"
        )
    return 0


def _write_json(path, payload: dict) -> None:
    """``path`` whole or not at all, flushed, through a symlink (``storage.write_bytes``): before fix 46 C
    a ``drift.json`` that was a link was replaced by a plain file, the file it led to left stale. Made
    absolute first: ``write_bytes`` reads a string as a URI, and a relative ``./file:/y`` went to
    ``/y/drift.json``, ``./s3:/x`` was refused (fix 46 C2)."""
    from pathlib import Path

    from ctloop.storage import write_bytes

    text = json.dumps(payload, indent=2, allow_nan=False, default=str)
    write_bytes(str(Path(path).absolute()), (text + "\n").encode("utf-8"), "application/json")


def _budget(text: str, most: int, each: int, unit: str, kind: str) -> int:
    """A whole number in ``MIN_BUDGET``..``most`` (``ctloop.drift.streaming``'s bound of a new state). One range
    message below and above; above, also what it would hold: ``most`` ``unit``s of ``each`` bytes is the most
    per ``kind`` column and side, so a file's columns add up."""
    from ctloop.cli.argtypes import int_between
    from ctloop.drift.sketch import MIN_BUDGET

    value = int_between(MIN_BUDGET, most)
    try:
        return value(text)
    except argparse.ArgumentTypeError as exc:
        digits = text.strip().removeprefix("+").lstrip("0")  # by length first: int() takes at most 4300 digits
        if not (digits.isascii() and digits.isdigit() and (len(digits) > len(str(most)) or int(digits) > most)):
            raise
        column = each * most
        raise argparse.ArgumentTypeError(
            f"{exc}: at {each} bytes {unit} that is up to {column // 10**6:,} MB for each {kind} column "
            f"on each side, and the columns add up (25 {kind} columns: {25 * 2 * column // 10**9:,} GB for the two "
            "sides); for exact scores over more distinct values use --engine memory") from None


def sketch_size(text: str) -> int:
    """argparse ``type`` of ``--sketch-size``: a whole number of buckets in ``MIN_BUDGET``..``MAX_SKETCH_SIZE``
    (unbounded, ``10**12`` never coarsened, and memory grew with the rows the streaming engine exists to
    bound)."""
    from ctloop.drift.sketch import BUCKET_BYTES
    from ctloop.drift.streaming import MAX_SKETCH_SIZE

    return _budget(text, MAX_SKETCH_SIZE, BUCKET_BYTES, "a bucket", "numeric")


def max_categories(text: str) -> int:
    """argparse ``type`` of ``--max-categories``: exact category counts per column and side in
    ``MIN_BUDGET``..``MAX_CATEGORIES``, as ``DriftState`` takes them (round 56 bounded the library's; until
    round 57 no flag set it, and a column past the default was hashed with no way to count it exactly)."""
    from ctloop.drift.streaming import CATEGORY_BYTES, MAX_CATEGORIES

    return _budget(text, MAX_CATEGORIES, CATEGORY_BYTES, "a count", "categorical")


def register(subparsers) -> None:
    from ctloop.cli.argtypes import (
        COLUMN_LIST_HELP,
        finite_float,
        int_at_least,
        location,
        output_location,
        section_field,
    )
    from ctloop.config import DriftConfig
    from ctloop.drift.engine import CORRECTIONS, MIN_ROWS
    from ctloop.drift.sketch import BUCKET_BYTES, MIN_BUDGET
    from ctloop.drift.stats import METHODS
    from ctloop.drift.streaming import (
        CATEGORY_BYTES,
        DEFAULT_BATCH_ROWS,
        DEFAULT_MAX_CATEGORIES,
        DEFAULT_SKETCH_SIZE,
        ENGINES,
        MAX_CATEGORIES,
        MAX_SKETCH_SIZE,
        MEMORY_CELLS,
    )

    p = subparsers.add_parser(
        "drift",
        help="drift check between two tables or datasets (files, directories, globs, object stores)",
        description=(
            "Per-column drift with evidently 0.7 DataDriftPreset's rules, computed on all rows; "
            "prints a table and the verdict. Large inputs are streamed in bounded memory. "
            "Exit code 0 whether or not the data drifted, 2 on error, 1 when only the HTML report failed (drift.json is written)."
        ),
    )
    p.add_argument(
        "--reference", required=True, type=location,
        help="reference data (e.g. the training data): a file, directory, glob or gs:///s3:///az:// prefix",
    )  # fmt: skip
    p.add_argument(
        "--current", required=True, type=location,
        help="current data (e.g. last week's inference log): a file, directory, glob or prefix",
    )  # fmt: skip
    p.add_argument(
        "--output", type=output_location, help="directory (local, gs://, s3:// or az://) for drift.json and report.html"
    )
    p.add_argument("--columns", action="append",
                   help="columns to compare, " + COLUMN_LIST_HELP + " (default: every column of the reference; one "
                        "the current data lacks is an error, columns only the current data has are not compared)")
    p.add_argument("--exclude", action="append",
                   help="columns to leave out (e.g. the target), " + COLUMN_LIST_HELP)
    p.add_argument(
        "--time-column", default="",
        help="the event-time column: never compared, listed as skipped ('time column'); other "
             "datetime columns are compared as seconds",
    )  # fmt: skip
    p.add_argument(
        "--method", choices=METHODS, help="one method for every column (default: automatic)"
    )
    p.add_argument(
        "--threshold", type=finite_float, help="one threshold for every column (default: the method's)"
    )
    p.add_argument(
        "--drift-share",
        type=finite_float,
        default=DriftConfig.share,
        help=f"share of drifted columns = drift (default {DriftConfig.share})",
    )
    p.add_argument(
        "--correction", choices=CORRECTIONS, help="multiple-testing correction for p-value methods"
    )
    p.add_argument(
        "--calibrate",
        type=section_field(DriftConfig, "calibration_rounds"),
        default=0,
        metavar="ROUNDS",
        help="calibrate per-column thresholds on ROUNDS random splits of the reference (in memory)",
    )
    p.add_argument(
        "--engine", choices=ENGINES, default="auto",
        help=f"memory: pandas, exact; stream: bounded memory; auto (default): memory up to "
             f"{MEMORY_CELLS:,} cells (rows x columns) per side, else stream",
    )  # fmt: skip
    p.add_argument(
        "--sketch-size", type=sketch_size, default=DEFAULT_SKETCH_SIZE,
        help=f"stream: buckets per numeric column, {MIN_BUDGET} to {MAX_SKETCH_SIZE:,}; exact up to this many distinct "
             f"values (default {DEFAULT_SKETCH_SIZE}, {BUCKET_BYTES} bytes each per side)",
    )  # fmt: skip
    p.add_argument(
        "--max-categories", type=max_categories, default=DEFAULT_MAX_CATEGORIES,
        help=f"stream: exact value counts per categorical column, {MIN_BUDGET} to {MAX_CATEGORIES:,}, then as many hash "
             f"buckets (default {DEFAULT_MAX_CATEGORIES}, about {CATEGORY_BYTES} bytes each per side)",
    )  # fmt: skip
    p.add_argument(
        "--batch-rows", type=int_at_least(1), default=DEFAULT_BATCH_ROWS,
        help=f"stream: rows per chunk read (default {DEFAULT_BATCH_ROWS})",
    )  # fmt: skip
    p.add_argument(
        "--min-rows", type=int_at_least(1), default=MIN_ROWS,
        help=f"refuse a side with fewer rows (default {MIN_ROWS}): a drift test on a handful of rows is noise",
    )  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--no-report", action="store_true", help="skip the evidently HTML report")
    p.add_argument(
        "--report-sample-size", type=section_field(DriftConfig, "report_sample_size"), default=DriftConfig.report_sample_size,
        help="rows per table in the HTML report"
    )
    p.add_argument(
        "--seed", type=section_field(DriftConfig, "seed"), default=0, help="seed of the report sample and of the calibration"
    )
    p.set_defaults(handler=_drift_command)
