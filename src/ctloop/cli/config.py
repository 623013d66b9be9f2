"""``ctloop config``: the configuration sections, their defaults and their reference page."""

from __future__ import annotations

import argparse


def _current(path) -> str | None:
    """The text of the page at ``path`` as ``read_text`` gives it (universal newlines); ``None``
    when there is none or it is not UTF-8 text (binary: stale, not a UnicodeDecodeError
    traceback); a file that cannot be read is a ConfigError naming ``--output``."""
    from ctloop.errors import ConfigError

    try:
        if not path.is_file():
            return None
        return path.read_bytes().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError:
        return None
    except OSError as exc:
        raise ConfigError(f"--output {path}: cannot read it: {exc.strerror or exc}") from exc


def _docs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ctloop.config import render_docs

    text = render_docs() + "\n"
    if args.check and args.output in (None, "", "-"):
        from ctloop.errors import ConfigError

        raise ConfigError("--check compares a file: give it as --output FILE (e.g. docs/configuration.md)")
    if not args.output or args.output == "-":  # "-": standard output
        print(text, end="")
        return 0
    path = Path(args.output)
    if args.check:
        if _current(path) != text:
            print(f"{path} is stale: run `ctloop config docs --output {path}`")
            return 1
        print(f"{path} is up to date")
        return 0
    from ctloop.storage import write_bytes

    # a parent that is a file, a directory, an unwritable place: one error line naming --output
    write_bytes(str(path), text.encode(), "text/markdown")
    print(f"wrote {path}")
    return 0


def _defaults(args: argparse.Namespace) -> int:
    import yaml

    from ctloop.config import NESTED, SECTIONS

    sections = {s.NAME: s for s in SECTIONS} | {s.__name__: s for s in NESTED}
    chosen = [sections[args.section]] if args.section else list(SECTIONS)
    for section in chosen:
        required = section.required()
        body = {**{name: "<required>" for name in required}, **section.defaults()}
        print(yaml.safe_dump({section.NAME: body}, sort_keys=False, default_flow_style=False), end="")
    return 0


def register(subparsers) -> None:
    from ctloop.cli.argtypes import output_location
    from ctloop.config import NESTED, SECTIONS

    p = subparsers.add_parser("config", help="configuration sections: defaults and the reference page",
                              epilog="examples:\n  ctloop config defaults --section gate\n"
                                     "  ctloop config docs --output docs/configuration.md",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="config_command", metavar="ACTION")
    d = sub.add_parser("defaults", help="every section (or one) with its defaults, as ctloop.yaml would take them")
    d.add_argument("--section", choices=[s.NAME for s in SECTIONS] + [s.__name__ for s in NESTED],
                   help="one section only")
    d.set_defaults(handler=_defaults)
    g = sub.add_parser("docs", help="the configuration reference (docs/configuration.md), generated from the code")
    g.add_argument("--output", type=output_location, help="write it to this file instead of printing it (- = print)")
    g.add_argument("--check", action="store_true", help="with --output: exit 1 when the file is stale")
    g.set_defaults(handler=_docs)
