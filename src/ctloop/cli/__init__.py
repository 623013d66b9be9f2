"""The ``ctloop`` command.

Each sub-command lives in its own module exposing ``register(subparsers)``; the module list is
below, and :data:`COMMANDS` names each command's module (a new command goes in both).
Sub-command handlers return an exit code; a :class:`ctloop.errors.CtloopError` is printed as one
clear line (``error: ...``) with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys

from ctloop._version import __version__
from ctloop.errors import CtloopError, one_line, one_line_warnings

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


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose error is one line naming the command and how to get its help
    (``ctloop drift: error: argument --batch-rows: ... (ctloop drift --help)``, exit code 2) that shows
    a value's control characters as escapes (a type that quotes the value raw, or argparse's own
    ``unrecognized arguments: ...``); argparse (3.11 ``ArgumentParser.error``) printed the command's
    whole usage before it, up to twenty lines, as for no other bad input. An argument a sub-command
    does not know is refused by that sub-command (:meth:`parse_known_args`), not by the top-level
    parser as ``ctloop: error: ...``. Sub-command parsers are of this class too (``add_subparsers``
    defaults to the parent's class)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {one_line(message)} ({self.prog} --help)\n")

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        """argparse's, refusing what is left over: ctloop parses with ``parse_args`` only, and a
        sub-command's parser is asked here (python 3.11 ``_SubParsersAction.__call__``), so
        ``ctloop backtest --windw 7D`` says ``ctloop backtest: error: unrecognized arguments: ...``."""
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


# The module registering each command: ``main`` builds that module's parsers alone (~1-4 ms and its
# imports) instead of every command's (~16 ms, most of it argparse's); a command missing here
# still works, through the whole parser (tests/unit/test_cli_lazy_parser.py keeps them in step).
COMMANDS = {
    **dict.fromkeys(("run", "backtest", "generate-data", "demo"), "ctloop.cli.local"),
    "compile": "ctloop.cli.compile",
    "drift": "ctloop.cli.drift",
    "doctor": "ctloop.cli.doctor",
    **dict.fromkeys(("upload", "schedule", "apply", "trigger", "runs"), "ctloop.cli.ops"),
    **dict.fromkeys(("audit", "rollout"), "ctloop.cli.rollout"),
    **dict.fromkeys(("approve", "reject"), "ctloop.cli.approval"),
    "registry": "ctloop.cli.registry",
    "logger": "ctloop.cli.logger",
    "labels": "ctloop.cli.labels",
    "monitor": "ctloop.cli.monitor",
    "score": "ctloop.cli.score",
    "config": "ctloop.cli.config",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``ctloop`` parser; given ``command`` (a key of :data:`COMMANDS`), with only its
    module's commands: that command parses, helps and fails exactly as in the whole parser (the
    top-level parser hands it every argument after its name), and no other is built."""
    parser = Parser(
        prog="ctloop",
        description="Continuous training for scikit-learn on Kubeflow Pipelines.",
    )
    parser.add_argument("--version", action="version", version=f"ctloop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (COMMANDS[command],) if command in COMMANDS else COMMAND_MODULES:
        before = set(sub.choices)
        module = importlib.import_module(name)
        module.register(sub)
        for new in set(sub.choices) - before:
            _name_handlers(sub.choices[new], module)
    if command in COMMANDS and command not in sub.choices:
        return build_parser()  # not (or no longer) registered by the module COMMANDS names
    for each in sub.choices.values():  # `ctloop registry` alone shows registry's actions
        each.set_defaults(_help_parser=each)
    return parser


# The parsers ``main`` built, by (command or None, the module COMMANDS names): each is built once
# per process (``main`` called again in one process, as the tests do thousands of times, parsed
# with a parser built anew each time: ~2 ms a call, ~15 % of tests/unit/test_cli_hostile.py).
# argparse only reads a parser while it parses (python 3.11 ``argparse.py``: ``parse_known_args``,
# the sub-parsers' ``__call__``); no ctloop flag has a mutable default a handler could change for
# the next call; the handler is looked up by name in its command module when it is called
# (:func:`_handler`), so a handler replaced there (as a test does) is the one called, and one
# replaced while the parser was built is not kept (tests/unit/test_cli_parser_cache.py).
_PARSERS: dict[tuple[str | None, str | None], argparse.ArgumentParser] = {}


def _parser(command: str | None) -> argparse.ArgumentParser:
    """:func:`build_parser` of ``command``, built once."""
    key = (command, COMMANDS.get(command)) if command in COMMANDS else (None, None)
    if key not in _PARSERS:
        _PARSERS[key] = build_parser(key[0])
    return _PARSERS[key]


def _name_handlers(parser: argparse.ArgumentParser, module) -> None:
    """Give each handler of ``parser`` and its sub-parsers the name its command module binds it to
    (``_handler_name``), for :func:`_handler`. A handler the module binds to no name (a lambda, a
    function defined inside ``register``) gets none: it is called as it is."""
    handler = parser.get_default("handler")
    names = [key for key, value in vars(module).items() if handler is not None and value is handler]
    if names:
        parser.set_defaults(_handler_name=(module.__name__, names[0]))
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _name_handlers(child, module)


def _handler(args: argparse.Namespace):
    """The handler of the parsed command as its module binds it now: one replaced there since the
    parser was built (as a test does) is the one called."""
    module, name = getattr(args, "_handler_name", ("", ""))
    return getattr(sys.modules.get(module), name, args.handler) if module else args.handler


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # the command's parser alone when the first word names one (anything else, `--help` or a
    # typo, gets the whole parser: its help and its `invalid choice` list every command)
    parser = _parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        getattr(args, "_help_parser", parser).print_help()
        return 1
    one_line_warnings()
    try:
        return int(_handler(args)(args) or 0)
    except CtloopError as exc:
        _say(f"error: {_message(args, exc)}")
        return 2
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except BrokenPipeError:
        gone = [fd for fd in (1, 2) if _gone(fd)]
        if not gone:
            raise  # a socket or a child's pipe: a real failure, not `| head`
        return _reader_gone(*gone)


def _message(args: argparse.Namespace, exc: CtloopError) -> str:
    """The error line: control characters escaped (:func:`ctloop.errors.one_line`); several
    problems of one ConfigError (:func:`ctloop.errors.problem_list`) on indented lines after it; the
    error's notes after it (``; could not remove ...``: what a failed scoring run left, :func:`ctloop.scoring.score`)."""
    notes = one_line("".join(f"; {note}" for note in getattr(exc, "__notes__", ())))
    problems = getattr(exc, "problems", None)
    if problems:
        header, prefix, lines = problems
        return (prefix + lines[0] if len(lines) == 1 else header + "".join("\n  " + line for line in lines)) + notes
    return one_line(_name_the_flag(args, exc, _name_the_output(args, exc))) + notes


def _name_the_flag(args: argparse.Namespace, exc: CtloopError, text: str) -> str:
    """A message about a path or URI the user gave (``data/x.csv does not exist``, from the
    storage layer, which knows no flags) led by the one flag that holds it and is not named yet:
    ``--reference: data/x.csv does not exist``. Only a message about the location itself
    (:func:`_about`), not one naming it as context (``column 'x' holds ... in (<path>)``)."""
    from ctloop.cli import argtypes
    from ctloop.errors import ConfigError, DataSourceError

    if not isinstance(exc, DataSourceError | ConfigError):
        return text

    kinds = (argtypes.location, argtypes.optional_location, argtypes.output_location, argtypes.output_or_stdout,
             argtypes.text_file)
    parsers, flags = [getattr(args, "_help_parser", None)], set()
    while parsers:  # the command's and its actions' (`labels ingest`) arguments
        for action in getattr(parsers.pop(), "_actions", ()):
            if isinstance(action, argparse._SubParsersAction):
                parsers += action.choices.values()
            value = getattr(args, action.dest, None)
            if action.option_strings and action.type in kinds and isinstance(value, str) and value \
                    and _about(text, value) and not any(name in text for name in action.option_strings):
                flags.add(max(action.option_strings, key=len))  # (a positional has no flag to name)
    return f"{flags.pop()}: {text}" if len(flags) == 1 else text


def _name_the_output(args: argparse.Namespace, exc: CtloopError) -> str:
    """A write that failed (``storage``: the error carries its ``uri``) under the command's
    ``--output`` is said with the flag: ``--output /proc/x.md: cannot write /proc/x.md: ...``."""
    uri, output = getattr(exc, "uri", ""), getattr(args, "output", None)
    if uri and isinstance(output, str) and output:
        base = output.rstrip("/")
        if uri.rstrip("/") == base or uri.startswith(base + "/"):
            return f"--output {output}: {exc}"
    return str(exc)


def _about(text: str, value: str) -> bool:
    """Whether ``text`` is a message about the location ``value`` itself, as the storage layer
    and the spec loader word one (``x.csv does not exist``, ``cannot tell the format of 'x'``)."""
    return (text.startswith((value, f"spec file {value}", f"cannot read {value}", f"{value!r}",
                             f"cannot tell the format of {value!r}"))
            or (text.startswith("unsupported storage scheme") and value in text))


def _gone(fd: int) -> bool:
    """Whether the reader of standard output (1) or error (2) went away (the pipe's write end polls
    POLLERR): the descriptor of ``sys.stdout``/``sys.stderr``, which a test may have replaced."""
    import select

    try:
        poller = select.poll()
        poller.register((sys.stdout if fd == 1 else sys.stderr).fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no real stream (captured, closed)
        return False


def _say(line: str) -> None:
    """``line`` on stderr; a stderr that cannot be written (its reader gone, ``2>&1 | true``; a full
    device, ``2>/dev/full``: ENOSPC) is pointed at /dev/null instead of raising out of :func:`main`
    (the exit code stays the error's)."""
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        _to_devnull(sys.stderr)


def _to_devnull(stream) -> None:
    """``stream``'s descriptor pointed at /dev/null: the interpreter's final flush of its buffered,
    unwritable output then raises no second BrokenPipeError on exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)


def _reader_gone(*fds: int) -> int:
    """The reader of stdout (or of stderr, ``--output /dev/stderr``) went away (`ctloop … | head`):
    end quietly with SIGPIPE's status, each gone stream pointed at /dev/null (:func:`_to_devnull`)."""
    for fd in fds:
        _to_devnull(sys.stdout if fd == 1 else sys.stderr)
    return 128 + signal.SIGPIPE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
