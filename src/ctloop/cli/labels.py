"""``ctloop labels ingest`` and ``ctloop labels report``."""

from __future__ import annotations

import json


def _check_report_args(args) -> tuple[str, ...]:
    """Refuse, before any work, what would make the report quietly empty or fail after it was
    printed: a class named twice, an --output that cannot be a directory. Returns the classes."""
    from collections import Counter

    from ctloop.errors import ConfigError
    from ctloop.storage import check_output_dir
    from ctloop.timeutil import to_utc

    for flag, value in (("--start", args.start), ("--end", args.end)):
        if value:
            to_utc(value, name=flag)  # ISO 8601 only: 03/04/2025 is a guess
    classes = tuple(c.strip() for c in (args.classes or "").split(",") if c.strip())
    twice = [c for c, n in Counter(classes).items() if n > 1]
    if twice:
        raise ConfigError(f"--classes names {twice[0]!r} twice: give the model's classes once each, in its order")
    if args.output:
        check_output_dir(args.output, name="--output")
    return classes


def _check_roots(args) -> None:
    """A local --store or --log-root that does not exist, or a log without the model, is a typo, not "no labels" (checked once
    the report's own options were, so those are named first; reading nothing took no time)."""
    from pathlib import Path

    from ctloop.errors import ConfigError
    from ctloop.inference_log.layout import model_prefix
    from ctloop.storage import parse

    for flag, uri, what in (("--store", args.store, "label store"), ("--log-root", args.log_root, "inference log")):
        loc = parse(uri)
        if loc.scheme == "file" and not Path(loc.key).is_dir():
            raise ConfigError(f"{flag}: no {what} at {uri} (no such directory)")
    log = parse(args.log_root)
    if log.scheme == "file" and not Path(model_prefix(log.key, args.model_name)).is_dir():
        models = sorted(p.name.removeprefix("model=") for p in Path(log.key).glob("model=*") if p.is_dir())
        raise ConfigError(f"--model-name: the inference log at {args.log_root} holds no rows of model "
                          f"{args.model_name!r} (models there: {', '.join(models) or 'none'})")


def _report(args) -> int:
    from ctloop import reports

    classes = _check_report_args(args)
    report = reports.realized_report(
        args.log_root, args.store, args.model_name, start=args.start, end=args.end, lookback=args.lookback,
        window=args.window, by=args.by, task=args.task, score=args.score_column,
        metrics=tuple(m.strip() for m in (args.metrics or "").split(",") if m.strip()), classes=classes)
    _check_roots(args)
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
    p = subparsers.add_parser("labels", help="ground truth for logged predictions")
    sub = p.add_subparsers(dest="labels_command", metavar="ACTION")
    i = sub.add_parser("ingest", help="append labels (CSV/Parquet, local or gs://) to the label store")
    i.add_argument("--labels", required=True, help="file with the key column, a label column and optionally "
                   "instance (index within a batched request) and label_time")
    i.add_argument("--store", required=True, help="label store root (local path or gs://); one key per store")
    i.add_argument("--key", default="request_id", help="join key: request_id (default) or a business key column "
                   "of the inference log, e.g. meta_x_order_id")
    i.add_argument("--label-column", default="label", help="column of --labels holding the label (default: label)")

    def run(args) -> int:
        from ctloop.labels.store import ingest_labels

        n = ingest_labels(args.labels, args.store, key=args.key, label=args.label_column)
        print(f"appended {n} labels keyed by {args.key} to {args.store.rstrip('/')}/labels/")
        return 0

    i.set_defaults(handler=run)

    r = sub.add_parser("report", help="realized performance of served predictions whose labels arrived, per model "
                       "version (or revision) and time window; table, CSV/JSON and a PNG plot")
    r.add_argument("--log-root", required=True, help="inference log root written by `ctloop logger serve`")
    r.add_argument("--store", required=True, help="label store root (as for ingest)")
    r.add_argument("--model-name", required=True, help="InferenceService / registered model name")
    r.add_argument("--start", help="start of the period (ISO 8601, UTC when no offset); default: --lookback before --end")
    r.add_argument("--end", help="end of the period (ISO 8601); default: now")
    r.add_argument("--lookback", default="7D", help="period when --start is not given (default 7D)")
    r.add_argument("--window", default="", help="one row per group and window, e.g. 1h or 1D (default: whole period)")
    r.add_argument("--by", default="model_version", choices=("model_version", "revision"),
                   help="one row per model version or per serving revision (default: model_version)")
    r.add_argument("--task", default="classification", choices=("classification", "regression"),
                   help="which metrics (default: classification)")
    r.add_argument("--score-column", default="", help="logged score column (default prediction_1 / prediction)")
    r.add_argument("--classes", default="", help="the model's classes in its order, comma-separated (text labels, "
                   "or multiclass: scores prediction_0..prediction_<k-1>)")
    r.add_argument("--metrics", default="", help="comma-separated metrics (default: all of the task; the first is "
                   "plotted)")
    r.add_argument("--output", help="directory (local or gs://) for realized.csv, realized.json, realized.png")
    r.set_defaults(handler=_report)


