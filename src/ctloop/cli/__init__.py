"""The ``ctloop`` command.

Each sub-command lives in its own module exposing ``register(subparsers)``; the module list is
below. Sub-command handlers return an exit code; a :class:`ctloop.errors.CtloopError` is printed as
one clear line (``error: ...``) with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys

from ctloop._version import __version__
from ctloop.errors import CtloopError, one_line_warnings

# Order = order in ``ctloop --help``.
COMMAND_MODULES = (
    "ctloop.cli.local",  # run --local, backtest, demo, generate-data
    "ctloop.cli.compile",  # compile
    "ctloop.cli.drift",  # drift (ad-hoc drift check)
    "ctloop.cli.doctor",  # doctor (is this cluster ready?)
    "ctloop.cli.ops",  # upload, schedule, apply, runs
    "ctloop.cli.rollout",  # audit, rollout status / canary / promote / rollback
    "ctloop.cli.approval",  # approve / reject
    "ctloop.cli.registry",  # registry status / repair / verify
    "ctloop.cli.logger",  # logger serve (inference log sink)
    "ctloop.cli.labels",  # labels ingest / report
    "ctloop.cli.monitor",  # monitor history
    "ctloop.cli.score",  # score (batch scoring)
    "ctloop.cli.config",  # config defaults / docs
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ctloop",
        description="Continuous training for scikit-learn on Kubeflow Pipelines.",
    )
    parser.add_argument("--version", action="version", version=f"ctloop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for command in sub.choices.values():  # `ctloop registry` alone shows registry's actions
        command.set_defaults(_help_parser=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        getattr(args, "_help_parser", parser).print_help()
        return 1
    one_line_warnings()
    try:
        return int(args.handler(args) or 0)
    except CtloopError as exc:
        print(f"error: {_name_the_output(args, exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        if not _stdout_gone():
            raise  # a socket or a child's pipe: a real failure, not `| head`
        return _reader_gone()


def _name_the_output(args: argparse.Namespace, exc: CtloopError) -> str:
    """A write that failed (``storage``: the error carries its ``uri``) under the command's
    ``--output`` is said with the flag: ``--output /proc/x.md: cannot write /proc/x.md: ...``."""
    uri, output = getattr(exc, "uri", ""), getattr(args, "output", None)
    if uri and isinstance(output, str) and output:
        base = output.rstrip("/")
        if uri.rstrip("/") == base or uri.startswith(base + "/"):
            return f"--output {output}: {exc}"
    return str(exc)


def _stdout_gone() -> bool:
    """Whether the reader of stdout went away (the pipe's write end polls POLLERR)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no real stdout (captured, closed)
        return False


def _reader_gone() -> int:
    """The reader of stdout went away (`ctloop … | head`): end quietly with SIGPIPE's status.

    stdout is pointed at /dev/null first so that the interpreter's final flush of the buffered,
    unwritable output does not raise a second BrokenPipeError on exit.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 128 + signal.SIGPIPE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
