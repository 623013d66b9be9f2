"""``ctloop logger serve``: the inference log sink."""

from __future__ import annotations

import argparse
import importlib.util
import os


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ctloop.errors import ConfigError

    if not args.root or "$(" in args.root:  # an env var Kubernetes could not expand
        raise ConfigError(f"--root {args.root!r} is not a Parquet root: set INFERENCE_LOG_ROOT in the "
                          "ctloop-settings ConfigMap to a local path or gs://bucket/prefix")

    os.environ.update({
        "CTLOOP_LOG_ROOT": args.root, "CTLOOP_LOG_WAL": args.wal, "CTLOOP_LOG_FLUSH_ROWS": str(args.flush_rows),
        "CTLOOP_LOG_FLUSH_SECONDS": str(args.flush_seconds), "CTLOOP_LOG_MAX_BODY_BYTES": str(args.max_body_bytes),
        "CTLOOP_LOG_JOIN_TTL_SECONDS": str(args.join_ttl_seconds),
    })
    # uvloop + httptools (in the image's lock) roughly double what the pure-Python stack sustains
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    uvicorn.run("ctloop.inference_log.app:app_from_env", factory=True, host=args.host, port=args.port,
                log_level="warning", access_log=False, loop=loop, http=http,
                timeout_graceful_shutdown=args.drain_timeout_seconds)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("logger", help="the inference log sink (KServe payload logger → Parquet)")
    sub = p.add_subparsers(dest="logger_command", metavar="ACTION")
    s = sub.add_parser("serve", help="serve the sink (ASGI, uvicorn)")
    s.add_argument("--root", required=True, help="Parquet root: a local path or gs://bucket/prefix")
    s.add_argument("--wal", default="/var/lib/ctloop-log/wal", help="write-ahead log directory (local disk)")
    s.add_argument("--host", default="0.0.0.0")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--flush-rows", type=int, default=20000)
    s.add_argument("--flush-seconds", type=float, default=5.0)
    s.add_argument("--join-ttl-seconds", type=float, default=30.0, help="how long a request waits for its response")
    s.add_argument("--max-body-bytes", type=int, default=1 << 20)
    s.add_argument("--drain-timeout-seconds", type=int, default=30,
                   help="on SIGTERM, how long open requests may take before the final flush (keep the pod's "
                        "terminationGracePeriodSeconds above preStop sleep + this + the flush)")
    s.set_defaults(handler=_serve)
