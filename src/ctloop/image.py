"""The one container image every ctloop component runs in, and how a command chooses it.

The default reference is derived from the package version, so a compiled pipeline and the image
built from the same commit always match. That default, ``ghcr.io/ctloop/ctloop:<version>``, is a
*placeholder*: it is not published, so a cluster cannot pull it. A user's own image comes from, in
this order (:func:`resolve_image`, read when a command runs, never at import):

1. ``--image`` on the command line;
2. the ``CTLOOP_IMAGE`` environment variable;
3. ``platform.image`` in ``ctloop.yaml``;
4. the placeholder — accepted by ``compile`` and local runs, refused by the commands that put a
   pipeline on a cluster (``upload``, ``schedule``, ``apply``).
"""

from __future__ import annotations

import os
import re

from ctloop._version import __version__

IMAGE_REPOSITORY = "ghcr.io/ctloop/ctloop"
DEFAULT_IMAGE = f"{IMAGE_REPOSITORY}:{__version__}"
# The serving runtime image (KServe model server + exactly the training scikit-learn).
SERVING_IMAGE_REPOSITORY = "ghcr.io/ctloop/ctloop-serving"
DEFAULT_SERVING_IMAGE = f"{SERVING_IMAGE_REPOSITORY}:{__version__}"
IMAGE_ENV = "CTLOOP_IMAGE"
# Set in the environment of every compiled task (ctloop.ops.settings.apply_step_settings) to the
# version the pipeline was compiled with. KFP embeds each task's code in the pipeline; it calls the
# compiling version's functions, which the image's ctloop may lack or treat differently (an --image
# of another release). A task whose image has another version stops at its first import of ctloop
# (check_compiled_version, called by ctloop/__init__.py), before it reads or writes anything.
COMPILED_VERSION_ENV = "CTLOOP_COMPILED_VERSION"
# Commands that put a pipeline on a cluster, where the unpublished placeholder cannot be pulled.
CLUSTER_PURPOSES = frozenset({"upload", "schedule", "apply"})


def _reference_pattern() -> re.Pattern[str]:
    """An image reference as the kubelet parses it: distribution/reference ``regexp.go`` (v0.6.0)
    ``ReferenceRegexp``, built from the same parts."""
    alnum, separator = r"[a-z0-9]+", r"(?:[._]|__|[-]+)"
    component = rf"{alnum}(?:{separator}{alnum})*"
    domain_part = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
    host = rf"(?:{domain_part}(?:\.{domain_part})*|\[[a-fA-F0-9:]+\])"
    name = rf"(?:{host}(?::[0-9]+)?/)?{component}(?:/{component})*"
    digest = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
    return re.compile(rf"({name})(?::[\w][\w.-]{{0,127}})?(?:@{digest})?", re.ASCII)


_REFERENCE = _reference_pattern()
NAME_MAX = 255  # distribution/reference reference.go NameTotalLengthMax


# opencontainers/go-digest v1.0.0 algorithm.go: the algorithms the kubelet's reference parser takes
# (digest.Parse → Validate), each with exactly this many lower-case hex digits
DIGEST_HEX = {"sha256": 64, "sha384": 96, "sha512": 128}


def pull_problem(image: str) -> str | None:
    """Why the kubelet cannot parse ``image`` (a reference with a tag or digest: every task would
    fail with InvalidImageName), said after ``<where> '<image>': ``; None when it can."""
    match = _REFERENCE.fullmatch(image)
    # ParseNormalizedNamed (what the kubelet parses with) splits off a domain only when the first
    # component has a '.' or ':' or is localhost: otherwise it is Docker Hub's path, lower case only
    first = image.split("/", 1)[0]
    hub_path = "/" not in image or not ("." in first or ":" in first or first == "localhost")
    if match is None or len(match.group(1)) > NAME_MAX or (hub_path and match.group(1) != match.group(1).lower()):
        return ("not a reference the kubelet can pull: every task would fail with InvalidImageName — the "
                "repository path takes lower-case letters and digits joined by '.', '_', '__' or '-', a tag at "
                f"most 128 letters, digits, '_', '.', '-' (not first), the name at most {NAME_MAX} characters; "
                "e.g. registry.example.com/ml/ctloop:0.1.0")
    if "@" not in image:
        return None
    algorithm, _, encoded = image.rsplit("@", 1)[1].partition(":")
    size = DIGEST_HEX.get(algorithm)
    if size is not None and re.fullmatch(rf"[0-9a-f]{{{size}}}", encoded):
        return None
    return (f"the digest {algorithm}:{encoded} is not one the kubelet can parse (every task would fail with "
            "InvalidImageName) — a digest is sha256: and 64 lower-case hex digits (sha384: 96, sha512: 128), as "
            "`docker buildx imagetools inspect` prints it")


def check_image_reference(image: str, source: str) -> str:
    """``image`` when it is a pinned reference (a tag or a digest, not ``latest``); else a
    ConfigError naming ``source`` (``--image``, ``CTLOOP_IMAGE``, ``platform.image``)."""
    from ctloop.errors import ConfigError

    last = image.rsplit("/", 1)[-1]
    if not image or any(ch.isspace() for ch in image) or (":" not in last and "@" not in image):
        raise ConfigError(
            f"{source} {image!r}: not a full image reference with a tag or digest; "
            "e.g. registry.example.com/ml/ctloop:0.1.0"
        )
    if image.endswith(":latest"):
        raise ConfigError(
            f"{source} {image!r}: the mutable tag 'latest' makes runs irreproducible; "
            "pin a version or a digest"
        )
    if problem := pull_problem(image):  # else refused by the compiler naming no source, after apply said "valid"
        raise ConfigError(f"{source} {image!r}: {problem}")
    return image


def _tag_version(tag: str) -> tuple[int, int, int] | None:
    """``(major, minor, patch)`` of an image tag that names one release (``0.1.1``, ``v0.2.0``,
    ``0.1.0-gpu``); None for any other tag: ``nightly``, a commit, and a tag without a patch number
    (``0.1``: often the newest build of a line; ``2024.10``: a date), which names no one release."""
    m = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.-]*)?", tag)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def _same_release(tag: str, version: str) -> bool:
    """Whether the image tag ``tag`` names this package's ``version``: a final release by its
    numbers (``v0.1.0``, ``0.1.0-gpu``), a pre-release or dev version (PEP 440 ``0.2.0rc1``) only
    spelt as itself (``0.2.0-rc1``, ``v0.2.0rc1``), since the task check
    (:func:`check_compiled_version`) compares the exact version: ``0.2.0`` is another release."""
    if re.fullmatch(r"\d+\.\d+\.\d+", version):
        return _tag_version(tag) == _tag_version(version)

    def plain(text: str) -> str:
        return re.sub(r"[-_.]", "", text.removeprefix("v")).lower()

    return plain(tag) == plain(version)


def check_image_version(image: str, source: str) -> str:
    """``image`` unless it is a ``ctloop`` repository whose tag names another ctloop release than
    this one: then a ConfigError naming ``source``. Every task compiled here carries
    :data:`COMPILED_VERSION_ENV`, so on that image each would stop at its first import of ctloop, on
    the cluster, after its retries. A digest (``...@sha256:...``), another repository (a team's own
    image with ctloop installed, tagged with its own versions) or a tag that names no one release
    (``nightly``, ``0.1``, ``2024.10``) tells nothing: accepted."""
    from ctloop.errors import ConfigError

    last = image.rsplit("/", 1)[-1]
    if "@" in image or ":" not in last:
        return image
    repository, tag = last.rsplit(":", 1)
    version = _tag_version(tag)
    if repository != "ctloop" or version is None or _same_release(tag, __version__):
        return image
    raise ConfigError(
        f"{source} {image!r}: its tag names ctloop {tag}, but this is ctloop {__version__}, and every task "
        f"compiled here would stop on that image ({COMPILED_VERSION_ENV}); compile with ctloop {tag}, or use "
        f"the image built from ctloop {__version__} (make image push IMAGE=...:{__version__}); an image "
        "pinned by its digest is not judged by its tag"
    )


def check_compiled_version(environ: dict[str, str] | None = None) -> None:
    """Refuse (ConfigError) to run a task compiled with another ctloop version than this one:
    :data:`COMPILED_VERSION_ENV` of ``environ`` (default ``os.environ``) set and not ``__version__``.
    Unset or empty: nothing to check. Compiled tasks set it (kfp.local runs too), except the exit
    handler's (``ctloop.ops.settings.UNCHECKED_COMPONENTS``); outside a task pod nothing sets it.
    ``ctloop/__init__.py`` calls this at the first import of ctloop in a process, so a warm
    process that already imported ctloop is not checked again."""
    compiled = (os.environ if environ is None else environ).get(COMPILED_VERSION_ENV, "").strip()
    if compiled and compiled != __version__:
        from ctloop.errors import ConfigError

        raise ConfigError(
            f"{COMPILED_VERSION_ENV}: this task was compiled with ctloop {compiled!r}, but its image runs ctloop "
            f"{__version__!r}, whose functions the compiled task code may not match; recompile and upload with "
            f"ctloop {__version__} (ctloop apply), or run the image built from ctloop {compiled}; nothing done"
        )


def resolve_image(flag: str | None, spec_image: str | None, *, purpose: str) -> str:
    """The component image for ``purpose`` (the command's name, e.g. ``"upload"``).

    ``--image`` (``flag``) wins over ``CTLOOP_IMAGE``, which wins over ``platform.image`` of
    ``ctloop.yaml`` (``spec_image``); without any, the built-in :data:`DEFAULT_IMAGE`. For the
    cluster commands in :data:`CLUSTER_PURPOSES` that placeholder is refused with the fix, since no
    cluster can pull it. Empty strings count as not given.
    """
    from ctloop.errors import ConfigError

    env = os.environ.get(IMAGE_ENV, "").strip()
    for value, source in (
        (flag, "--image"),
        (env, IMAGE_ENV),
        (spec_image, "platform.image in ctloop.yaml"),
    ):
        if value and value.strip():
            image = check_image_version(check_image_reference(value.strip(), source), source)
            break
    else:
        image = DEFAULT_IMAGE
    if image == DEFAULT_IMAGE and purpose in CLUSTER_PURPOSES:
        raise ConfigError(
            f"{purpose}: the component image would be {DEFAULT_IMAGE}, ctloop's built-in "
            "placeholder, which is not published (task pods would fail with ImagePullBackOff). "
            "Build and push yours: make image push IMAGE=registry.example.com/ml/ctloop:"
            f"{__version__}, then give it with --image, {IMAGE_ENV}=... or platform.image in ctloop.yaml"
        )
    return image


__all__ = [
    "IMAGE_REPOSITORY",
    "DEFAULT_IMAGE",
    "SERVING_IMAGE_REPOSITORY",
    "DEFAULT_SERVING_IMAGE",
    "IMAGE_ENV",
    "COMPILED_VERSION_ENV",
    "CLUSTER_PURPOSES",
    "check_compiled_version",
    "check_image_version",
    "check_image_reference",
    "pull_problem",
    "resolve_image",
]
