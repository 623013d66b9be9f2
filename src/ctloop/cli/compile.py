"""``ctloop compile``: every pipeline to KFP IR YAML."""

from __future__ import annotations

import argparse


def _compile(args: argparse.Namespace) -> int:
    from ctloop.cli.local import local_path
    from ctloop.compiler import compile_all
    from ctloop.config import PlatformConfig, from_arguments
    from ctloop.errors import ConfigError
    from ctloop.image import resolve_image
    from ctloop.storage import check_output_dir

    output_dir = local_path(args.output_dir, "--output-dir")  # file://HOST/x refused, not taken for /x
    if output_dir is None:  # compiled YAML is written locally (then uploaded)
        raise ConfigError(f"--output-dir {args.output_dir}: compile writes local files; give a local directory "
                          "(`ctloop upload` sends the pipelines to KFP)")
    check_output_dir(args.output_dir, name="--output-dir")
    image = resolve_image(args.image, None, purpose="compile")  # --image, else CTLOOP_IMAGE, else the placeholder
    mounts = pvc_mounts(args.mount_pvc)
    platform = from_arguments(PlatformConfig, args)
    # a file:// URI is its path (the URI text itself is a relative path 'file:/...')
    for path in compile_all(output_dir, image=image, pvc_mounts=mounts, platform=platform):
        print(path)
    return 0


def add_platform_options(parser) -> None:
    """``--resources``, ``--retries``, ``--node-selector``, ``--tolerations`` (``platform`` section)."""
    from ctloop.config import PlatformConfig, add_arguments

    add_arguments(parser, PlatformConfig, ["resources", "retries", "node_selector", "tolerations"])


def register(subparsers) -> None:
    from ctloop.cli.argtypes import image, output_location
    from ctloop.image import DEFAULT_IMAGE

    p = subparsers.add_parser(
        "compile",
        help="compile every pipeline to KFP IR YAML (deterministic)",
        description="Compile every ctloop pipeline to <output-dir>/<pipeline-name>.yaml.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="""examples:
  ctloop compile --output-dir build/
  ctloop compile --output-dir build/ --image registry.example.com/ml/ctloop:0.1.0
""",
    )
    p.add_argument("--output-dir", default="build", type=output_location, help="directory for the YAML files (default: build)")
    p.add_argument(
        "--image",
        default=None,
        type=image,
        help=f"component image to reference (default: $CTLOOP_IMAGE, else the unpublished placeholder "
        f"{DEFAULT_IMAGE}), e.g. registry.example.com/ml/ctloop:0.1.0",
    )
    add_mount_pvc_option(p)
    add_platform_options(p)
    p.set_defaults(handler=_compile)


def pvc_mounts(given: list[str] | None) -> list[tuple[str, str]]:
    """The ``--mount-pvc`` values as ``(claim, path)``, each checked (:func:`ctloop.config.parse_pvc_mount`)
    and all together (one volume per claim, one mount per path, none on KFP's own:
    :func:`ctloop.config.check_pvc_mounts`); a problem is said with the flag, which the config
    layer does not know: ``--mount-pvc: PVC mount 'data' must be CLAIM:PATH ...``."""
    from ctloop.config import check_pvc_mounts, parse_pvc_mount
    from ctloop.errors import ConfigError

    try:
        mounts = [parse_pvc_mount(m) for m in given or []]
        check_pvc_mounts(mounts)
    except ConfigError as exc:
        raise ConfigError(f"--mount-pvc: {exc}") from exc
    return mounts


def add_mount_pvc_option(parser) -> None:
    parser.add_argument(
        "--mount-pvc",
        action="append",
        metavar="CLAIM:PATH",
        help="mount a PersistentVolumeClaim into every task (repeatable), e.g. "
        "ctloop-inference-log-records:/mnt/inference-log for the dev overlay's shared inference log",
    )
