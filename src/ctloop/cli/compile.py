"""``ctloop compile``: every pipeline to KFP IR YAML."""

from __future__ import annotations

import argparse


def _compile(args: argparse.Namespace) -> int:
    from ctloop.compiler import compile_all

    for path in compile_all(args.output_dir, image=args.image):
        print(path)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "compile",
        help="compile every pipeline to KFP IR YAML (deterministic)",
        description="Compile every ctloop pipeline to <output-dir>/<pipeline-name>.yaml.",
    )
    p.add_argument("--output-dir", default="build", help="directory for the YAML files (default: build)")
    p.add_argument(
        "--image",
        default=None,
        help="component image to reference instead of the package default "
        "(e.g. a private registry mirror: registry.example.com/ml/ctloop:0.1.0)",
    )
    p.set_defaults(handler=_compile)
