"""``ctloop config``: the configuration sections, their defaults and their reference page."""

from __future__ import annotations

import argparse
import sys


def _current(output: str) -> str | None:
    """The text of the page at ``output`` (a path, a ``file:`` or object-store URI, as given) as
    ``read_text`` gives it (universal newlines); ``None`` when there is none or it is not UTF-8 text
    (binary: stale, not a UnicodeDecodeError traceback). A directory, or a file that cannot be read,
    is a ConfigError naming ``--output``: no run of the command it would suggest could fix it."""
    from pathlib import Path

    from ctloop import storage
    from ctloop.cli.local import local_path
    from ctloop.errors import ConfigError

    local = local_path(output, "--output")
    try:
        if local is None:  # gs://, s3://, az://: read where it would be written
            data = storage.read_bytes(output) if storage.exists(output) else None
        else:
            path = Path(local)
            if path.is_dir():
                raise ConfigError(f"--output {output}: it is a directory; name a file inside it, e.g. "
                                  f"{output.rstrip('/')}/configuration.md")
            data = path.read_bytes() if path.is_file() else None
    except OSError as exc:
        raise ConfigError(f"--output {output}: cannot read it: {exc.strerror or exc}") from exc
    if data is None:
        return None
    try:
        return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError:
        return None


def _docs(args: argparse.Namespace) -> int:
    from ctloop.config import render_docs

    text = render_docs() + "\n"
    if args.check and args.output in (None, "", "-"):
        from ctloop.errors import ConfigError

        raise ConfigError("--check compares a file: give it as --output FILE (e.g. docs/configuration.md)")
    if not args.output or args.output == "-":  # "-": standard output
        print(text, end="")
        return 0
    # the text as given: pathlib.Path made gs://b/x.md 'gs:/b/x.md' and file:///x 'file:/x', a relative path
    output = args.output
    if args.check:
        if _current(output) != text:
            from ctloop.errors import shell_option

            print(f"{output} is stale: run `ctloop config docs {shell_option('--output', output)}`")
            return 1
        print(f"{output} is up to date")
        return 0
    from ctloop.storage import names_standard_output, write_bytes

    # a parent that is a file, a directory, an unwritable place: one error line naming --output
    write_bytes(output, text.encode(), "text/markdown")
    # --output /dev/stdout: the text alone there, the "wrote" line on standard error
    print(f"wrote {output}", file=sys.stderr if names_standard_output(output) else sys.stdout)
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
    from ctloop.cli.argtypes import output_or_stdout
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
    g.add_argument("--output", type=output_or_stdout, help="write it to this file instead of printing it (- = print)")
    g.add_argument("--check", action="store_true", help="with --output: exit 1 when the file is stale")
    g.set_defaults(handler=_docs)
