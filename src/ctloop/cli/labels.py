"""``ctloop labels ingest`` and ``ctloop labels report``."""

from __future__ import annotations

import json
import re


def _check_report_args(args) -> tuple[str, ...]:
    """Refuse, before any work, what would make the report quietly empty or fail after it was
    printed: a class named twice, an --output that cannot be a directory. Returns the classes."""
    from collections import Counter

    from ctloop.errors import ConfigError
    from ctloop.storage import check_output_dir
    from ctloop.timeutil import parse_duration, to_utc

    for flag, value in (("--start", args.start), ("--end", args.end)):
        length = _signed_duration(value, "7D")
        if length and flag == "--start":
            raise ConfigError(f"--start {value!r} is a duration, not a time: for the {length} before --end use "
                              f"--lookback {length}, or give an ISO 8601 time")
        if length:
            raise ConfigError(f"--end {value!r} is a duration, not a time: give an ISO 8601 time (default: now)")
        if value:
            to_utc(value, name=flag)  # ISO 8601 only: 03/04/2025 is a guess
    for flag, value, example, what in (
            ("--lookback", args.lookback, "7D", "period's length, e.g. {} (the period ends at --end)"),
            ("--window", args.window, "1h", "window's length, e.g. {} (the windows end at --end and every window "
             "before it)")):
        length = _signed_duration(value, example)
        if length:  # -1h is negative; +7D and -0h (no length) have a sign a length does not take
            text = str(value).strip()
            said = "is negative" if text.startswith("-") and length == text[1:].strip() else "has a sign"
            raise ConfigError(f"{flag} {value!r} {said}: give the {what.format(length)}")
        if value or flag == "--lookback":
            parse_duration(value, name=flag)
    classes = tuple(c.strip() for c in (args.classes or "").split(",") if c.strip())
    twice = [c for c, n in Counter(classes).items() if n > 1]
    if twice:
        raise ConfigError(f"--classes names {twice[0]!r} twice: give the model's classes once each, in its order")
    orders = _sorted_classes(classes)
    if list(classes) not in orders:
        raise ConfigError(f"--classes {','.join(classes)} is not a scikit-learn classifier's order: its classes_ are "
                          f"sorted and prediction_<i> scores the i-th; give --classes "
                          + " or ".join(f"{','.join(o)}{' (numbers)' if i == 0 and len(orders) > 1 else ''}"
                                        f"{' (text labels)' if i == 1 else ''}" for i, o in enumerate(orders)))
    if args.output:
        check_output_dir(args.output, name="--output")
    from ctloop.reports import check_report_options

    check_report_options(by=args.by, task=args.task, metrics=_metrics(args), classes=classes,
                         score=args.score_column, start=args.start, end=args.end, lookback=args.lookback)
    return classes


def _metrics(args) -> tuple[str, ...]:
    """``--metrics`` as names."""
    return tuple(m.strip() for m in (args.metrics or "").split(",") if m.strip())


def _signed_duration(value, example: str) -> str:
    """The duration of ``value`` written with a sign (``-1h``, ``+7D``), or ``""``; ``example`` for a
    signed number and unit that is no length once unsigned (``-0h``: under a second)."""
    from ctloop.errors import ConfigError
    from ctloop.timeutil import _DURATION, parse_duration

    text = str(value or "").strip()
    if not text.startswith(("-", "+")) or not _DURATION.match(text[1:]):
        return ""
    try:
        parse_duration(text[1:].strip())
    except ConfigError:
        return example
    return text[1:].strip()


# argparse reads "-1h" after an option as an option of its own ("expected one argument"): a signed
# duration (or number) is a value, as "-1" is (argparse's own pattern, Lib/argparse.py 3.11)
_SIGNED_VALUE = re.compile(r"^-\d+$|^-\d*\.\d+$|^-\s*\d+(?:\.\d+)?\s*[A-Za-z]+$")


def _sorted_classes(classes: tuple[str, ...]) -> list[list[str]]:
    """The orders a scikit-learn classifier may keep ``classes`` in (``np.unique``: sorted): as
    numbers when every one is a number and the model's labels were numbers, and as text (labels
    "1", "10", "2" of a text column are ``['1', '10', '2']``); one order when both agree."""
    text = sorted(classes)
    try:
        numbers = sorted(classes, key=float)
    except ValueError:
        return [text]
    return [numbers] if numbers == text else [numbers, text]


def _check_roots(args) -> None:
    """A local --store or --log-root that does not exist is a typo, not "no labels" (checked once
    the report's own options were, so those are named first; reading nothing took no time)."""
    from pathlib import Path

    from ctloop.errors import ConfigError
    from ctloop.storage import parse

    for flag, uri, what in (("--store", args.store, "label store"), ("--log-root", args.log_root, "inference log")):
        loc = parse(uri)
        if loc.scheme == "file" and not Path(loc.key).is_dir():
            raise ConfigError(f"{flag}: no {what} at {uri} (no such directory)")


def _logged_models(log_root: str) -> list[str]:
    """The models an inference log holds (:func:`ctloop.labels.logged.logged_models`)."""
    from ctloop.labels.logged import logged_models

    return logged_models(log_root)


def _check_model(args) -> str:
    """For a report without logged rows: whether ``--model-name`` is a model at all, the same way
    for a local and a remote log. Known = the log holds it (then the period was quiet: "") or the
    model registry has versions of it (a fresh deploy that has logged nothing yet: the line that
    says so). Neither: a typo, one ConfigError line naming the models logged and the registry."""
    from ctloop.errors import ConfigError

    logged = _logged_models(args.log_root)
    if args.model_name in logged:
        return ""
    from ctloop.tracking import display_uri, existing_store

    try:
        existing_store(args.tracking_uri or "")  # reading a store must not create one
    except ConfigError as exc:
        registry = f"and the model registry cannot tell ({exc})"
    else:
        from ctloop.registry import MlflowRegistry

        store = MlflowRegistry(args.tracking_uri or "")
        versions = [v.version for v in store.versions(args.model_name)]
        if versions:
            return (f"{args.model_name}: nothing logged yet at {args.log_root}: the model is registered (version(s) "
                    f"{', '.join(versions)} at {display_uri(store.tracking_uri)}) but no prediction of it has been logged")
        registry = f"and no registered model of that name at {display_uri(store.tracking_uri)}"
    raise ConfigError(f"--model-name: the inference log at {args.log_root} holds no rows of model "
                      f"{args.model_name!r} (models there: {', '.join(logged) or 'none'}) {registry}: check the "
                      "name, or --tracking-uri for a model deployed but not logged yet")


def _report(args) -> int:
    import warnings

    from ctloop import reports

    classes = _check_report_args(args)

    def shown(said) -> None:  # once the roots exist: a mistyped --store was told "holds no label store"
        _check_roots(args)  # beside its one-line refusal
        for w in said:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)

    try:
        with warnings.catch_warnings(record=True) as said:
            report = reports.realized_report(
                args.log_root, args.store, args.model_name, start=args.start, end=args.end, lookback=args.lookback,
                window=args.window, by=args.by, task=args.task, score=args.score_column,
                metrics=_metrics(args), classes=classes)
    except Exception:  # the report refused (a missing --score-column, an unreadable log file): a mistyped
        shown(said)  # root is said instead, else the warnings recorded until then, then the refusal
        raise
    shown(said)
    fresh = _check_model(args) if not report.logged_rows else ""  # a typo raises here, before any output
    if fresh:
        print(fresh)
    print(f"{args.model_name}: {report.start:%Y-%m-%d %H:%M} → {report.end:%Y-%m-%d %H:%M} UTC, "
          f"{report.logged_rows} logged rows; {report.join}\n")
    print(reports.format_realized(report))
    for warning in report.warnings:
        print(f"warning: {warning}")
    if not args.output:
        return 0

    def write(out) -> tuple[str, ...]:
        report.table.to_csv(out / "realized.csv", index=False)
        (out / "realized.json").write_text(json.dumps(report.to_dict(), indent=2, default=str) + "\n")
        reports.plot_realized(report, out / "realized.png")
        return "realized.csv", "realized.json", "realized.png"

    for where in reports.write_outputs(args.output, write):
        print(f"wrote {where}")
    return 0


def register(subparsers) -> None:
    """``ctloop labels ingest`` and ``ctloop labels report``."""
    from ctloop.cli.argtypes import location, output_location, registered_model, tracking_uri

    p = subparsers.add_parser("labels", help="ground truth for logged predictions")
    sub = p.add_subparsers(dest="labels_command", metavar="ACTION")
    i = sub.add_parser("ingest", help="append labels (CSV, Parquet or JSON lines; local or gs://) to the label store")
    i.add_argument("--labels", required=True, type=location, help="file with the key column, a label column and optionally "
                   "instance (index within a batched request) and label_time")
    i.add_argument("--store", required=True, type=output_location, help="label store root (local path or gs://); one key per store")
    i.add_argument("--key", default="request_id", help="join key: request_id (default) or a business key column "
                   "of the inference log, e.g. meta_x_order_id")
    i.add_argument("--label-column", default="label", help="column of --labels holding the label (default: label)")

    def run(args) -> int:
        import sys

        from ctloop.errors import one_line
        from ctloop.labels.store import ingest_labels

        n = ingest_labels(args.labels, args.store, key=args.key, label=args.label_column)
        if not n:  # a scheduled export of a quiet period: fine, but said (was "appended 0 labels", nothing else)
            from ctloop.labels.store import is_json_lines
            from ctloop.storage import table_format

            what = ("no JSON object" if is_json_lines(args.labels) else
                    "its header only" if table_format(args.labels) == "csv" else "no rows")
            print(one_line(f"warning: nothing ingested: {args.labels} holds no labels ({what}); the label store "
                           f"{args.store} is unchanged"), file=sys.stderr)
            return 0
        print(f"appended {n} labels keyed by {args.key} to {args.store.rstrip('/')}/labels/")
        return 0

    i.set_defaults(handler=run)

    r = sub.add_parser("report", help="realized performance of served predictions whose labels arrived, per model "
                       "version (or revision) and time window; table, CSV/JSON and a PNG plot")
    r.add_argument("--log-root", required=True, type=location, help="inference log root written by `ctloop logger serve`")
    r.add_argument("--store", required=True, type=location, help="label store root (as for ingest)")
    r.add_argument("--model-name", required=True, type=registered_model(), help="InferenceService / registered model name")
    r.add_argument("--start", help="start of the period (ISO 8601, UTC when no offset); default: --lookback before --end")
    r.add_argument("--end", help="end of the period (ISO 8601); default: now")
    r.add_argument("--lookback", default="7D", help="period when --start is not given (default 7D)")
    r.add_argument("--window", default="", help="one row per group and window, e.g. 1h or 1D (default: whole period); "
                   "the windows end at --end and every window before it, as monitoring's end at its run time")
    r.add_argument("--by", default="model_version", choices=("model_version", "revision"),
                   help="one row per model version or per serving revision (default: model_version)")
    r.add_argument("--task", default="classification", choices=("classification", "regression"),
                   help="which metrics (default: classification)")
    r.add_argument("--score-column", default="", help="logged score column (default prediction_1 / prediction)")
    r.add_argument("--classes", default="", help="the model's classes in its order, comma-separated (text labels, "
                   "or multiclass: scores prediction_0..prediction_<k-1>)")
    r.add_argument("--metrics", default="", help="comma-separated metrics (default: all of the task; the first is "
                   "plotted)")
    r.add_argument("--output", type=output_location, help="directory (local or gs://) for realized.csv, realized.json, realized.png")
    r.add_argument("--tracking-uri", default="", type=tracking_uri, help="MLflow URI (default: MLFLOW_TRACKING_URI): a model with "
                   "nothing logged is known when registered there (a fresh deploy, exit 0), else a typo (exit 2)")
    r._negative_number_matcher = _SIGNED_VALUE  # --window -1h: the option's value, refused with a hint
    r.set_defaults(handler=_report)


