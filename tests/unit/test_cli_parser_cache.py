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
