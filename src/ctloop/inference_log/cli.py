"""``ctloop logger serve``: run the inference log sink (uvicorn, uvloop + httptools).

``register(subparsers)`` adds the command to the ``ctloop`` CLI; ``python -m
ctloop.inference_log.cli logger serve ...`` runs it standalone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ctloop.errors import ConfigError


def load_feature_names(text: str) -> dict[str, list[str]]:
    """``--feature-names``: JSON ``{"<isvc>": ["income", "age", ...]}`` or a path to such a
    file."""
    if not text:
        return {}
    source = text
    if not text.lstrip().startswith("{"):
        path = Path(text)
        if not path.is_file():
            raise ConfigError(
                f"--feature-names {text!r} is neither JSON nor a file: pass "
                '\'{"<isvc>": ["feature", ...]}\' or a path to a JSON file'
            )
        source = path.read_text()
    try:
        names = json.loads(source)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"--feature-names is not valid JSON: {exc}") from exc
    if not isinstance(names, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in names.values()
    ):
        raise ConfigError('--feature-names must map each model to a list of names: {"m": ["a"]}')
    return names


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ctloop.inference_log.app import create_app
    from ctloop.inference_log.sink import Sink

    sink = Sink(
        args.root,
        args.wal,
        flush_rows=args.flush_rows,
        flush_seconds=args.flush_seconds,
        join_ttl_seconds=args.join_ttl_seconds,
        feature_names=load_feature_names(args.feature_names),
    )
    app = create_app(sink, max_body_bytes=args.max_body_bytes)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level=args.log_level,
        access_log=False,
        timeout_graceful_shutdown=args.graceful_seconds,
        backlog=4096,
    )
    return 0


def register(subparsers) -> None:
    """Add ``logger serve`` to the ``ctloop`` command."""
    parser = subparsers.add_parser(
        "logger", help="the inference log sink (KServe payload logger → Parquet)"
    )
    sub = parser.add_subparsers(dest="logger_command", metavar="ACTION")
    s = sub.add_parser("serve", help="serve the sink: CloudEvents in, partitioned Parquet out")
    s.add_argument("--root", required=True, help="Parquet root: local path or gs://bucket/prefix")
    s.add_argument("--port", type=int, default=8080, help="HTTP port (default 8080)")
    s.add_argument("--host", default="0.0.0.0", help="bind address (default 0.0.0.0)")
    s.add_argument(
        "--wal",
        default="/var/lib/ctloop-log/wal",
        help="write-ahead log directory on local disk (a PersistentVolume in Kubernetes)",
    )
    s.add_argument("--flush-rows", type=int, default=20000, help="flush after N joined rows")
    s.add_argument("--flush-seconds", type=float, default=5.0, help="flush at least every S s")
    s.add_argument(
        "--join-ttl-seconds",
        type=float,
        default=30.0,
        help="how long a request waits for its response before it is written unpaired",
    )
    s.add_argument(
        "--max-body-bytes", type=int, default=1 << 20, help="larger bodies get 413 (default 1 MiB)"
    )
    s.add_argument(
        "--feature-names",
        default="",
        help='names of list features per model: JSON {"<isvc>": ["a", "b"]} or a JSON file',
    )
    s.add_argument(
        "--graceful-seconds",
        type=float,
        default=30.0,
        help="on SIGTERM, wait this long for in-flight requests before the final flush",
    )
    s.add_argument("--log-level", default="warning", help="uvicorn log level")
    s.set_defaults(handler=serve)


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point with the ``ctloop`` CLI's error handling."""
    from ctloop.errors import CtloopError

    parser = argparse.ArgumentParser(prog="ctloop")
    register(parser.add_subparsers(dest="command", metavar="COMMAND"))
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 1
    try:
        return int(args.handler(args) or 0)
    except CtloopError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
