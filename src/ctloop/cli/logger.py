"""``ctloop logger serve``: the inference log sink; ``ctloop logger import``: what KServe's payload
logger wrote to blob storage, into the same log."""

from __future__ import annotations

import argparse
import importlib.util

from ctloop.inference_log.defaults import (
    CHECKPOINT_OBJECTS,
    JOIN_TTL_SECONDS,
    MAX_BODY_BYTES,
    MAX_COLUMNS,
    MAX_OBJECT_BYTES,
    PROGRESS_OBJECTS,
    SINK_SETTINGS,
    TOKEN_RECHECK_MIN_SECONDS,
    WAL_DIR,
)


def _check(args: argparse.Namespace) -> None:
    """Every option checked before anything starts: one line naming the flag and its value."""
    from ctloop.errors import ConfigError

    if not args.root or "$(" in args.root:  # an env var Kubernetes could not expand
        raise ConfigError(f"--root {args.root!r} is not a Parquet root: set INFERENCE_LOG_ROOT in the "
                          "ctloop-settings ConfigMap to a local path or gs://bucket/prefix")
    ports = {}
    for flag in ("port", "agent_port", "metrics_port"):
        value = getattr(args, flag)
        if value is None:
            continue
        name = "--" + flag.replace("_", "-")
        if not 1 <= value <= 65535:
            raise ConfigError(f"{name} {value} is not a TCP port: use 1-65535")
        if value in ports:
            raise ConfigError(f"{name} {value} is already {ports[value]}: give each listener its own port")
        ports[value] = name
    from ctloop.inference_log.settings import check_number, flag

    for name in SINK_SETTINGS:  # the bounds the CTLOOP_LOG_* variables are held to as well
        value = getattr(args, name)
        check_number(name, value, f"{flag(name)} {value}")
    _check_local_dir("--wal", args.wal)
    from ctloop.storage import parse

    root = parse(args.root)  # an unsupported scheme is one ConfigError line
    if root.scheme == "file":  # Parquet files would never be written: refused before an event is acknowledged
        _check_local_dir("--root", root.key)
    if args.agent_port is not None and not args.token_file:
        raise ConfigError(f"--agent-port {args.agent_port} without --token-file: every port is open already; "
                          "set --token-file or leave --agent-port out")
    if args.token_recheck_seconds != SINK_SETTINGS["token_recheck_seconds"].default and not args.token_file:
        raise ConfigError(f"--token-recheck-seconds {args.token_recheck_seconds:g} without --token-file: there is no "
                          "token file to look at; set --token-file or leave --token-recheck-seconds out")


def _check_local_dir(flag: str, value: str) -> None:
    """A directory on this machine this process can create or write (as ``CTLOOP_LOG_WAL`` is checked)."""
    from ctloop.inference_log.settings import check_local_dir

    check_local_dir(flag, value)


def _serve(args: argparse.Namespace) -> int:
    import socket

    import uvicorn

    from ctloop.inference_log.app import Access, create_app
    from ctloop.inference_log.defaults import max_values
    from ctloop.inference_log.sink import Sink

    _check(args)
    access = Access(token_file=args.token_file,
                    agent_ports=frozenset([args.agent_port]) if args.agent_port else frozenset(),
                    metrics_port=args.metrics_port,
                    recheck_seconds=args.token_recheck_seconds)  # reads the token now: a bad file fails before binding
    sink = Sink(args.root, args.wal, flush_rows=args.flush_rows, flush_seconds=args.flush_seconds,
                join_ttl_seconds=args.join_ttl_seconds, max_columns=args.max_columns,
                max_values=max_values(args.max_body_bytes))
    sink.lock_wal()  # another sink on this --wal: one line and exit 2, before anything listens
    app = create_app(sink, max_body_bytes=args.max_body_bytes, access=access)
    sockets = []
    for port in (args.port, args.agent_port, args.metrics_port):
        if port is None:
            continue
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((args.host, port))
        except OSError as exc:
            sock.close()
            from ctloop.errors import ConfigError

            raise ConfigError(f"cannot listen on {args.host}:{port}: {exc.strerror}") from exc
        sockets.append(sock)
    # uvloop + httptools (in the image's lock) roughly double what the pure-Python stack sustains;
    # with httptools the sink's own HTTP protocol replaces uvicorn's generic ASGI one (no task and
    # one send() per request: ctloop.inference_log.protocol)
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    if importlib.util.find_spec("httptools"):
        from ctloop.inference_log.protocol import SinkProtocol

        http = SinkProtocol.factory(app)
    else:
        http = "h11"
    # no proxy-header rewriting, Server or Date header: per-request work nobody reads here
    config = uvicorn.Config(app, log_level="warning", access_log=False, loop=loop, http=http,
                            timeout_graceful_shutdown=args.drain_timeout_seconds, proxy_headers=False,
                            server_header=False, date_header=False)
    _server(config, sink, _banner(args)).run(sockets=sockets)
    return 0


def _banner(args: argparse.Namespace) -> str:
    """The one line ``logger serve`` prints once it listens: where, into what, with which limits."""
    host = f"[{args.host}]" if ":" in args.host else args.host
    ports = [f"{name} port {port}" for name, port in (("agent", args.agent_port), ("metrics", args.metrics_port))
             if port is not None]
    extra = f" ({', '.join(ports)})" if ports else ""
    auth = f"token, token recheck {args.token_recheck_seconds:g}s" if args.token_file else "no token"
    return (f"ctloop logger: listening on http://{host}:{args.port}{extra}, {auth}; root {args.root}, "
            f"wal {args.wal}; flush every {args.flush_rows} rows or {args.flush_seconds:g}s, max body "
            f"{args.max_body_bytes} bytes, join TTL {args.join_ttl_seconds:g}s, max columns {args.max_columns}, "
            f"drain timeout {args.drain_timeout_seconds}s")


def _server(config, sink, banner: str):
    """A uvicorn server for ``sink``'s app that says ``banner`` once listening (see ``Server``)."""
    import sys

    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server with one stderr line once it listens and one after a clean shutdown
        (the sink flushed everything: no failure, the lifespan shutdown did not fail)."""

        def __init__(self, config, *, sink, banner: str):
            super().__init__(config)
            self.sink, self.banner = sink, banner

        async def startup(self, sockets=None) -> None:
            await super().startup(sockets=sockets)
            if self.started and not self.should_exit:
                print(self.banner, file=sys.stderr, flush=True)

        async def shutdown(self, sockets=None) -> None:
            before = self.sink.stats.rows_written
            await super().shutdown(sockets=sockets)
            if self.sink.failure is None and not getattr(self.lifespan, "shutdown_failed", False):
                after = self.sink.stats.rows_written
                print(f"ctloop logger: stopped cleanly: {after - before} row(s) flushed at shutdown, {after} "
                      f"written since the start, to {self.sink.root}", file=sys.stderr, flush=True)

    return Server(config, sink=sink, banner=banner)


def _import(args: argparse.Namespace) -> int:
    from ctloop.errors import ConfigError
    from ctloop.storage import parse

    if not args.root or "$(" in args.root:
        raise ConfigError(f"--root {args.root!r} is not a Parquet root: a local path or gs://, s3://, az:// URI")
    for flag, value in (("--max-body-bytes", args.max_body_bytes), ("--max-object-bytes", args.max_object_bytes),
                        ("--checkpoint-objects", args.checkpoint_objects), ("--max-columns", args.max_columns)):
        if value < 1:
            raise ConfigError(f"{flag} {value} must be at least 1")
    if args.progress_objects < 0:
        raise ConfigError(f"--progress-objects {args.progress_objects} must be 0 (none) or more")
    if not args.join_ttl_seconds > 0:  # NaN too
        raise ConfigError(f"--join-ttl-seconds {args.join_ttl_seconds} must be a number of seconds > 0")
    parse(args.uri)  # an unsupported scheme is one ConfigError line
    root = parse(args.root)
    if root.scheme == "file":
        _check_local_dir("--root", root.key)
    from ctloop.inference_log.blob_import import run_import

    summary = run_import(args.uri, args.root, max_body_bytes=args.max_body_bytes,
                         max_object_bytes=args.max_object_bytes, join_ttl_seconds=args.join_ttl_seconds,
                         checkpoint_objects=args.checkpoint_objects, progress_objects=args.progress_objects,
                         max_columns=args.max_columns)
    print(summary.line(args.root))
    return 0


def _requeue(args: argparse.Namespace) -> int:
    import os

    from ctloop.errors import ConfigError
    from ctloop.inference_log.defaults import max_values
    from ctloop.storage import parse

    if not args.root or "$(" in args.root:
        raise ConfigError(f"--root {args.root!r} is not a Parquet root: a local path or gs://, s3://, az:// URI")
    for flag, value in (("--max-body-bytes", args.max_body_bytes), ("--max-columns", args.max_columns)):
        if value < 1:
            raise ConfigError(f"{flag} {value} must be at least 1")
    if not args.join_ttl_seconds > 0:  # NaN too
        raise ConfigError(f"--join-ttl-seconds {args.join_ttl_seconds} must be a number of seconds > 0")
    root = parse(args.root)  # an unsupported scheme is one ConfigError line
    if root.scheme == "file":
        _check_local_dir("--root", root.key)
        if not os.path.isdir(root.key):  # a mistyped root is not "0 set-aside lines"
            raise ConfigError(f"--root {args.root!r} does not exist: give the --root of the sink whose "
                              "set-aside lines to requeue")
    from ctloop.inference_log.requeue import run_requeue

    summary = run_requeue(args.root, max_body_bytes=args.max_body_bytes, join_ttl_seconds=args.join_ttl_seconds,
                          max_columns=args.max_columns)
    print(summary.line(args.root.rstrip("/") or "/", max_values(args.max_body_bytes)))
    return 0


MAX_COLUMNS_HELP = ("feature columns a model's log may have (predictions and meta_* not counted); the values of "
                    "later features are kept as JSON in the row's _overflow column (ctloop_log_overflow_values_total)")


def register(subparsers) -> None:
    from ctloop.cli.argtypes import in_digits, location, output_location, seconds

    p = subparsers.add_parser("logger", help="the inference log sink (KServe payload logger → Parquet)")
    sub = p.add_subparsers(dest="logger_command", metavar="ACTION")
    s = sub.add_parser("serve", help="serve the sink (ASGI, uvicorn)")
    s.add_argument("--root", required=True, type=output_location, help="Parquet root: a local path or gs://bucket/prefix")
    s.add_argument("--wal", default=WAL_DIR, type=output_location, help="write-ahead log directory (local disk)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default loopback only; 0.0.0.0 in a pod, behind a NetworkPolicy)")
    s.add_argument("--port", type=in_digits(int), default=8080, help="CloudEvents (POST /), health and, without "
                   "--metrics-port, /metrics")
    s.add_argument("--token-file", default=None,
                   help="file holding a bearer token (a mounted Secret key): POST / and /metrics then need "
                        "'Authorization: Bearer <token>' (except on --agent-port); re-read when it changes")
    s.add_argument("--agent-port", type=in_digits(int), default=None,
                   help="with --token-file: a second port for KServe agents, which cannot send a token; it asks "
                        "for none, so let a NetworkPolicy admit only the predictor pods to it")
    s.add_argument("--metrics-port", type=in_digits(int), default=None,
                   help="serve /metrics on this port only (and health), e.g. for a NetworkPolicy open to Prometheus")
    helps = {"join_ttl_seconds": "how long a request waits for its response", "max_columns": MAX_COLUMNS_HELP,
             "max_body_bytes": "a larger event body is refused 413, counted (reason oversize) and logged; KServe's "
                               "agent does not retry, so the event is lost. An event may also hold at most this / 16 "
                               "values, 16 a row included (413 too_many_values): memory goes by values, see "
                               "docs/inference-log.md \"Body size\"",
             "drain_timeout_seconds": "on SIGTERM, how long open requests may take before the final flush (keep "
                                      "the pod's terminationGracePeriodSeconds above preStop sleep + this + the flush)",
             "token_recheck_seconds": "with --token-file: look at the file at most this often and re-read it when it "
                                      "changed: a rotated Secret's token is in force within this time; each look is a "
                                      f"stat on the event loop, so at least {TOKEN_RECHECK_MIN_SECONDS:g} (one per request cost 3-5 %% "
                                      "of the sink's CPU)"}
    for name, setting in SINK_SETTINGS.items():  # most also CTLOOP_LOG_<NAME> for the app_from_env factory
        s.add_argument("--" + name.replace("_", "-"), type=in_digits(setting.kind), default=setting.default, help=helps.get(name))
    s.set_defaults(handler=_serve)
    i = sub.add_parser(
        "import", help="import the objects KServe's payload logger wrote to blob storage (logger.storage)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Read the JSON objects a KServe (v0.18+) agent wrote with logger.url s3://, gs:// or abfs:// "
                    "and logger.storage, and store them as the sink does (joined, typed, partitioned Parquet). "
                    "Objects imported before (listed in <root>/_imports/) are skipped.",
        epilog="examples:\n  ctloop logger import s3://logs/kserve/ctloop/credit-default/predictor/logger --root "
               "s3://ctloop/inference-log\n  ctloop logger import ./downloaded-logs --root /data/inference-log")
    i.add_argument("uri", type=location,
                   help="prefix (or one object) the logger wrote: a local path or gs://, s3://, az:// URI")
    i.add_argument("--root", required=True, type=output_location,
                   help="Parquet root of the inference log: a local path or gs://, s3://, az:// URI")
    i.add_argument("--max-body-bytes", type=in_digits(int), default=MAX_BODY_BYTES,
                   help="a larger request or response body is skipped (oversize), as the sink refuses it")
    i.add_argument("--max-object-bytes", type=in_digits(int), default=MAX_OBJECT_BYTES,
                   help="a larger object is skipped unread (too_large)")
    i.add_argument("--join-ttl-seconds", type=seconds, default=JOIN_TTL_SECONDS,
                   help="how long a request waits for its response (batched objects hold them apart)")
    i.add_argument("--max-columns", type=in_digits(int), default=MAX_COLUMNS, help=MAX_COLUMNS_HELP)
    i.add_argument("--checkpoint-objects", type=in_digits(int), default=CHECKPOINT_OBJECTS,
                   help="record what was imported every this many objects (an interrupted import resumes there)")
    i.add_argument("--progress-objects", type=in_digits(int), default=PROGRESS_OBJECTS,
                   help="print progress to stderr every this many objects (0: never)")
    i.set_defaults(handler=_import)
    q = sub.add_parser(
        "requeue", help="write the WAL lines the sink set aside at replay (over the values cap) into the log",
        description="At start the sink sets aside a replayed write-ahead-log line holding more values than it "
                    "takes (--max-body-bytes / 16): quarantined under <root>/_quarantine, counted as "
                    "ctloop_log_wal_set_aside_total. This writes those lines into the log under the limit given "
                    "here, as the sink does; lines requeued before (listed in <root>/_imports/quarantine-requeue/) "
                    "are skipped, lines still over the cap are skipped and tried again by a later run.",
        epilog="example:\n  ctloop logger requeue --root gs://ml/inference-log --max-body-bytes 67108864",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("--root", required=True, type=output_location,
                   help="Parquet root of the inference log: a local path or gs://, s3://, az:// URI")
    q.add_argument("--max-body-bytes", type=in_digits(int), default=MAX_BODY_BYTES,
                   help="the cap is this / 16 values, as for serve: a line over it is skipped (too_many_values) "
                        "and tried again by a later run; give the machine the memory (docs/inference-log.md "
                        "\"Body size\")")
    q.add_argument("--join-ttl-seconds", type=seconds, default=JOIN_TTL_SECONDS,
                   help="how long a request waits for its response")
    q.add_argument("--max-columns", type=in_digits(int), default=MAX_COLUMNS, help=MAX_COLUMNS_HELP)
    q.set_defaults(handler=_requeue)
