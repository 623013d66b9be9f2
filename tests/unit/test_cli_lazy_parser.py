"""``ctloop.cli.main`` builds only the named command's parser (:data:`ctloop.cli.COMMANDS`): every
command's and action's help, usage error and exit code are byte-identical to what the whole
parser (every command registered, as before) gives, and the top-level help, version and typo
errors still come from the whole parser. The lazy parsers are those ``main`` keeps (built once,
used by every case after), the whole one is built afresh for each case."""

from __future__ import annotations

import argparse
import importlib

import pytest

import ctloop.cli
from ctloop.cli import COMMAND_MODULES, COMMANDS, build_parser
from tests.helpers import run_main


def _paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """Every command and action as its words, with whether it has actions of its own."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            if prefix:
                yield prefix, True
            for name, sub in action.choices.items():
                yield from _paths(sub, (*prefix, name))
            return
    yield prefix, False


PATHS = list(_paths(build_parser()))


def _argvs():
    yield pytest.param([], id="bare")
    for top in (
        ["--help"],
        ["-h", "run"],
        ["--version"],
        ["nope"],
        ["--no-such-flag"],
        ["--", "run"],
    ):
        yield pytest.param(top, id=" ".join(top))
    for words, has_actions in PATHS:
        name = " ".join(words)
        yield pytest.param([*words, "--help"], id=f"{name} --help")
        # past the handler-less parsers only: no handler runs (argparse exits first)
        yield pytest.param([*words, "--no-such-flag"], id=f"{name} --no-such-flag")
        if has_actions:
            yield pytest.param(list(words), id=f"{name} alone")
            yield pytest.param([*words, "nope"], id=f"{name} nope")


def test_every_command_is_mapped_to_the_module_that_registers_it():
    registered = {}
    for module in COMMAND_MODULES:
        sub = ctloop.cli.Parser(prog="ctloop").add_subparsers()
        importlib.import_module(module).register(sub)
        registered |= dict.fromkeys(sub.choices, module)
    assert COMMANDS == registered


@pytest.mark.parametrize("argv", list(_argvs()))
def test_output_and_exit_code_are_those_of_the_whole_parser(argv, capsys, monkeypatch):
    lazy = run_main(list(argv), capsys, 30)
    monkeypatch.setattr(ctloop.cli, "COMMANDS", {})  # before: every command's parser, every time,
    monkeypatch.setattr(ctloop.cli, "_PARSERS", {}, raising=False)  # built afresh (`lazy`: built once)
    whole = run_main(list(argv), capsys, 30)
    assert lazy == whole
    assert lazy[0] in (0, 1, 2) and (lazy[1] or lazy[2])


def test_a_command_not_registered_by_its_mapped_module_falls_back_to_the_whole_parser(
    monkeypatch, capsys
):
    monkeypatch.setitem(ctloop.cli.COMMANDS, "config", "ctloop.cli.score")  # a stale map entry
    code, out, err = run_main(["config", "defaults", "--section", "gate"], capsys, 30)
    assert (code, err) == (0, "") and out.startswith("gate:")


def test_the_lazy_parser_has_the_command_alone():
    parser = build_parser("labels")
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert list(sub.choices) == ["labels"]
