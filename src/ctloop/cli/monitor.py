"""``ctloop monitor history``: every judged monitoring window of a model, as a table, CSV/JSON
and a PNG plot (drift share against its threshold, the realized metric, triggers, rows).

    ctloop monitor history --model-name credit-default --output out/

Reads the ``<model>-monitoring`` MLflow experiment the ``monitoring`` pipeline writes.
"""

from __future__ import annotations

import argparse
import os


def _history(args: argparse.Namespace) -> int:
    import json

    from ctloop import reports
    from ctloop.errors import ConfigError

    if args.limit < 1:  # before the store is opened (a sqlite URI creates its file)
        raise ConfigError(f"--limit {args.limit}: give a positive number of windows")
    from mlflow.exceptions import MlflowException

    try:
        frame = reports.monitor_history(args.model_name, args.tracking_uri or "", limit=args.limit)
    except MlflowException as exc:  # a 4xx/5xx answer to a runs search: one line, never the password
        from ctloop.errors import RegistryError
        from ctloop.tracking import masked

        uri = args.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI", "")
        raise RegistryError(f"cannot read the monitoring history of {args.model_name!r}: "
                            f"{str(masked(exc, uri)).splitlines()[0][:300]}") from None
    if not len(frame):
        from ctloop.registry import MlflowRegistry
        from ctloop.tracking import display_uri

        registry = MlflowRegistry(args.tracking_uri or "")
        if not registry.versions(args.model_name):  # a typo read as a model never monitored
            raise ConfigError(f"--model-name: no monitoring windows and no registered model {args.model_name!r} at "
                              f"{display_uri(registry.tracking_uri)}: check the name (the MLflow UI lists them) and --tracking-uri")
    print(reports.format_history(frame))
    if len(frame):
        fired = frame[frame["triggered"] == "true"]
        windows = frame["window_end"].nunique()
        runs = f"{len(frame)} run(s) over {windows} window(s)" if windows < len(frame) else f"{len(frame)} window(s)"
        print(f"\n{runs} from {frame['window_end'].iloc[0]:%Y-%m-%d %H:%M} to "
              f"{frame['window_end'].iloc[-1]:%Y-%m-%d %H:%M} UTC; {len(fired)} retraining trigger(s)")
        for _, row in fired.iterrows():
            print(f"  {row['window_end']:%Y-%m-%d %H:%M} {row['rule']}: {row['reason']}"
                  + (f" (KFP run {row['kfp_run']})" if row["kfp_run"] else ""))
    if not args.output:
        return 0
    metric = next((m for m in frame.get("realized_metric", []) if m), "realized")

    def write(out) -> tuple[str, ...]:
        frame.to_csv(out / "monitor-history.csv", index=False)
        records = json.loads(frame.to_json(orient="records", date_format="iso"))
        (out / "monitor-history.json").write_text(json.dumps({"model": args.model_name, "windows": records},
                                                             indent=2) + "\n")
        reports.plot_history(frame, out / "monitor-history.png", model=args.model_name,
                             drift_share=args.drift_share, metric=f"realized {metric}")
        return "monitor-history.csv", "monitor-history.json", "monitor-history.png"

    for where in reports.write_outputs(args.output, write):
        print(f"wrote {where}")
    return 0


def register(subparsers) -> None:
    from ctloop.cli.argtypes import (
        int_at_least,
        output_location,
        registered_model,
        section_field,
        tracking_uri,
    )
    from ctloop.config import MonitoringRules

    p = subparsers.add_parser("monitor", help="the monitoring history of a model (windows, drift, realized "
                              "metric, triggers)")
    sub = p.add_subparsers(dest="monitor_command", metavar="ACTION")
    h = sub.add_parser("history", help="every judged window, oldest first; --output adds CSV/JSON and a PNG plot")
    h.add_argument("--model-name", required=True, type=registered_model())
    h.add_argument("--tracking-uri", type=tracking_uri, help="MLflow URI (default: MLFLOW_TRACKING_URI)")
    h.add_argument("--limit", type=int_at_least(1), default=500, help="newest windows to read (default 500)")
    h.add_argument("--drift-share", type=section_field(MonitoringRules, "drift_share"), default=None,
                   help="draw the drift_share rule's threshold on the plot (e.g. 0.5)")
    h.add_argument("--output", type=output_location, help="directory (local or gs://) for monitor-history.csv/.json/.png")
    h.set_defaults(handler=_history)
