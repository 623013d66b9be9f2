"""``ctloop drift``: an ad-hoc drift check between two tables."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _drift(args: argparse.Namespace) -> int:
    from ctloop.components.drift import core
    from ctloop.storage import read_table

    reference = read_table(args.reference)
    current = read_table(args.current)
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    if columns is None:
        skip = {c.strip() for c in (args.exclude or "").split(",") if c.strip()}
        columns = [c for c in reference.columns if c in current.columns and c not in skip]
    thresholds = None
    calibration = None
    if args.calibrate:
        calibration = core.calibrate_thresholds(reference, columns=columns, method=args.method, rounds=args.calibrate,
                                                current_size=len(current), seed=args.seed)
        thresholds = {c: v["threshold"] for c, v in calibration.items()}
        print(f"thresholds calibrated on {args.calibrate} random halves of the reference (recorded in drift.json)")
    result = core.detect(reference, current, columns=columns, drift_share=args.drift_share,
                         method=args.method, threshold=args.threshold, correction=args.correction,
                         column_thresholds=thresholds)
    print(f"reference {args.reference}: {len(reference)} rows; current {args.current}: {len(current)} rows\n")
    print(core.format_table(result))
    if args.output:
        out = Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        (out / "drift.json").write_text(json.dumps({**result.to_dict(), "calibration": calibration}, indent=2,
                                                   default=str))
        print(f"wrote {out / 'drift.json'}")
        if not args.no_report:
            from ctloop.components.drift.report import render_html

            info = render_html(reference, current, columns=[c.column for c in result.columns],
                               path=out / "report.html", sample_size=args.report_sample_size, seed=args.seed,
                               drift_share=args.drift_share, method=args.method, threshold=args.threshold)
            print(f"wrote {out / 'report.html'} (evidently, sample of {info['report_reference_rows']} / "
                  f"{info['report_current_rows']} rows, seed {args.seed})")
    return 0


def register(subparsers) -> None:
    from ctloop.components.drift.core import CORRECTIONS
    from ctloop.components.drift.stats import METHODS

    p = subparsers.add_parser(
        "drift", help="ad-hoc drift check between two tables (CSV/Parquet, local or gs://)",
        description="Per-column drift with evidently's DataDriftPreset rules, on the full data.",
    )
    p.add_argument("--reference", required=True, help="reference table (e.g. the training data)")
    p.add_argument("--current", required=True, help="current table (e.g. last week's traffic)")
    p.add_argument("--output", help="directory for drift.json and report.html")
    p.add_argument("--columns", help="comma-separated columns (default: all shared columns)")
    p.add_argument("--exclude", help="comma-separated columns to leave out (e.g. the target and time)")
    p.add_argument("--method", choices=METHODS, help="one method for every column (default: automatic)")
    p.add_argument("--threshold", type=float, help="one threshold for every column (default: the method's)")
    p.add_argument("--drift-share", type=float, default=0.5, help="share of drifted columns = drift (default 0.5)")
    p.add_argument("--correction", choices=CORRECTIONS, help="multiple-testing correction for p-value methods")
    p.add_argument("--calibrate", type=int, default=0, metavar="ROUNDS",
                   help="calibrate per-column thresholds on ROUNDS random halves of the reference")
    p.add_argument("--no-report", action="store_true", help="skip the evidently HTML report")
    p.add_argument("--report-sample-size", type=int, default=20000, help="rows per table in the HTML report")
    p.add_argument("--seed", type=int, default=0, help="seed of the report sample")
    p.set_defaults(handler=_drift)
