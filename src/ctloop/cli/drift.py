"""``ctloop drift``: an ad-hoc drift check between two tables.

    ctloop drift --reference train.parquet --current gs://bucket/last-week.csv --output out/

Same core as the ``detect_drift`` component (evidently's DataDriftPreset rules on all rows),
printed as a per-column table with the verdict; ``--output DIR`` (local or gs://) also gets
``drift.json`` and evidently's ``report.html`` (rendered on a seeded sample). The exit code is
0 whether or not the data drifted (read the verdict or drift.json); 2 on an error.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path


def _split(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def _drift(args: argparse.Namespace) -> int:
    from ctloop.columns import RESERVED_TRAINING
    from ctloop.drift import engine as core
    from ctloop.errors import ConfigError
    from ctloop.storage import is_gcs, read_table, write_bytes

    if args.report_sample_size < 0:
        raise ConfigError(
            f"--report-sample-size must be >= 0 (0 = all rows), got {args.report_sample_size}"
        )
    reference = read_table(args.reference)
    current = read_table(args.current)
    columns = _split(args.columns) or None
    if columns is None:
        skip = set(_split(args.exclude)) | set(RESERVED_TRAINING)
        columns = [c for c in reference.columns if c in current.columns and c not in skip]
    options = {
        "columns": columns,
        "drift_share": args.drift_share,
        "method": args.method,
        "threshold": args.threshold,
        "correction": args.correction,
    }
    calibration = None
    if args.calibrate:
        result, calibration = core.detect_calibrated(
            reference, current, rounds=args.calibrate, seed=args.seed, **options
        )
    else:
        result = core.detect(reference, current, **options)

    print(
        f"reference {args.reference}: {len(reference)} rows; current {args.current}: {len(current)} rows\n"
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
        "reference": {"uri": args.reference, "rows": len(reference)},
        "current": {"uri": args.current, "rows": len(current)},
        "calibration": calibration,
        "report": None,
    }
    names = ["drift.json"] + ([] if args.no_report else ["report.html"])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) if is_gcs(args.output) else Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        if not args.no_report:
            from ctloop.drift.report import options_from_result, render_html

            payload["report"] = render_html(
                reference,
                current,
                path=out / "report.html",
                sample_size=args.report_sample_size,
                seed=args.seed,
                **options_from_result(result),
            )
        text = json.dumps(payload, indent=2, allow_nan=False, default=str)
        (out / "drift.json").write_text(text + "\n", encoding="utf-8")
        if is_gcs(args.output):
            for name in names:
                kind = "text/html" if name.endswith(".html") else "application/json"
                write_bytes(
                    f"{args.output.rstrip('/')}/{name}",
                    (out / name).read_bytes(),
                    content_type=kind,
                )
    for name in names:
        print(f"wrote {args.output.rstrip('/')}/{name}")
    if payload["report"]:
        rep = payload["report"]
        print(
            f"(report.html: evidently on {rep['report_reference_rows']} / {rep['report_current_rows']} "
            f"sampled rows, seed {args.seed}; the verdict above uses all rows)"
        )
    return 0


def register(subparsers) -> None:
    from ctloop.drift.engine import CORRECTIONS
    from ctloop.drift.stats import METHODS

    p = subparsers.add_parser(
        "drift",
        help="ad-hoc drift check between two tables (CSV/Parquet, local or gs://)",
        description=(
            "Per-column drift with evidently 0.7 DataDriftPreset's rules, computed on all rows; "
            "prints a table and the verdict. Exit code 0 whether or not the data drifted, 2 on error."
        ),
    )
    p.add_argument("--reference", required=True, help="reference table (e.g. the training data)")
    p.add_argument("--current", required=True, help="current table (e.g. last week's traffic)")
    p.add_argument("--output", help="directory (local or gs://) for drift.json and report.html")
    p.add_argument("--columns", help="comma-separated columns (default: all shared columns)")
    p.add_argument(
        "--exclude", help="comma-separated columns to leave out (e.g. the target and time)"
    )
    p.add_argument(
        "--method", choices=METHODS, help="one method for every column (default: automatic)"
    )
    p.add_argument(
        "--threshold", type=float, help="one threshold for every column (default: the method's)"
    )
    p.add_argument(
        "--drift-share",
        type=float,
        default=0.5,
        help="share of drifted columns = drift (default 0.5)",
    )
    p.add_argument(
        "--correction", choices=CORRECTIONS, help="multiple-testing correction for p-value methods"
    )
    p.add_argument(
        "--calibrate",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="calibrate per-column thresholds on ROUNDS random splits of the reference",
    )
    p.add_argument("--no-report", action="store_true", help="skip the evidently HTML report")
    p.add_argument(
        "--report-sample-size", type=int, default=20000, help="rows per table in the HTML report"
    )
    p.add_argument(
        "--seed", type=int, default=0, help="seed of the report sample and of the calibration"
    )
    p.set_defaults(handler=_drift)
