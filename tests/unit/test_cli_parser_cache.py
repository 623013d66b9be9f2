"""``ctloop.cli.main`` builds each command's parser once per process (``ctloop.cli._PARSERS``): a
second call parses with the parser the first one built, a handler replaced in its module (as a
test does) is still the one called, and no flag has a mutable default that a handler could change
for the next call (argparse puts the default object itself into the namespace). That the cached
parsers' output and exit codes equal a freshly built whole parser's, for every command and action:
tests/unit/test_cli_lazy_parser.py."""

from __future__ import annotations

import argparse

import ctloop.cli
import ctloop.cli.config as config_cli
from ctloop.cli import build_parser, main


def test_a_second_call_parses_with_the_parser_the_first_built(monkeypatch, capsys):
    monkeypatch.setattr(ctloop.cli, "_PARSERS", {}, raising=False)
    built = []
    monkeypatch.setattr(
        ctloop.cli,
        "build_parser",
        lambda command=None: built.append(command) or build_parser(command),
    )
    for _ in range(3):
        assert main(["config", "defaults", "--section", "gate"]) == 0
        assert capsys.readouterr().out.startswith("gate:")
    assert built == ["config"]


def test_a_handler_replaced_in_its_module_is_the_one_called(monkeypatch, capsys):
    # config's parser built (or reused)
    assert main(["config", "defaults", "--section", "gate"]) == 0
    capsys.readouterr()
    with monkeypatch.context() as patch:
        patch.setattr(config_cli, "_defaults", lambda args: print("replaced") or 0)
        assert main(["config", "defaults", "--section", "gate"]) == 0
        assert capsys.readouterr().out == "replaced\n"
    assert main(["config", "defaults", "--section", "gate"]) == 0  # the module's own again
    assert capsys.readouterr().out.startswith("gate:")


def _defaults(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()):
    for name, value in parser._defaults.items():
        yield words, name, value
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _defaults(sub, (*words, name))
        else:
            yield words, action.dest, action.default


def test_no_flag_has_a_mutable_default():
    """A cached parser hands the same default object to every call: a list, dict or set default
    changed in place by one handler would be the next call's default."""
    immutable = (str, int, float, bool, type(None), tuple, frozenset)
    mutable = [
        (" ".join(words), dest, type(value).__name__)
        for words, dest, value in _defaults(build_parser())
        if not isinstance(value, immutable)
        and not callable(value)
        and not isinstance(value, argparse.ArgumentParser)
    ]
    assert mutable == []


def test_a_name_a_command_module_binds_later_does_not_rebuild_the_parser(monkeypatch, capsys):
    """The handler is looked up in its module when ``main`` calls it, so nothing else a command
    module binds (a test's helper replaced, a module-level cache filled) makes ``main`` build the
    parser again (before: any change of any command module's names did, ~2-16 ms each time)."""
    monkeypatch.setattr(ctloop.cli, "_PARSERS", {}, raising=False)
    built = []
    monkeypatch.setattr(
        ctloop.cli,
        "build_parser",
        lambda command=None: built.append(command) or build_parser(command),
    )
    assert main(["config", "defaults", "--section", "gate"]) == 0
    monkeypatch.setattr(config_cli, "_SOMETHING_CACHED", {}, raising=False)  # a name bound later
    assert main(["config", "defaults", "--section", "gate"]) == 0
    assert capsys.readouterr().out.count("gate:") == 2
    assert built == ["config"]


def test_a_parser_built_while_a_handler_was_replaced_calls_the_modules_own_after(monkeypatch, capsys):
    """The first call of a process may come while a test has replaced the handler: the parser built
    then keeps the name, not the replacement (a snapshot of that object called it in later tests)."""
    monkeypatch.setattr(ctloop.cli, "_PARSERS", {}, raising=False)
    with monkeypatch.context() as patch:
        patch.setattr(config_cli, "_defaults", lambda args: print("replaced") or 0)
        assert main(["config", "defaults", "--section", "gate"]) == 0
        assert capsys.readouterr().out == "replaced\n"
    assert main(["config", "defaults", "--section", "gate"]) == 0
    assert capsys.readouterr().out.startswith("gate:")
