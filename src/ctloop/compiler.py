"""Compile ctloop pipelines to KFP IR YAML, deterministically.

``compile_all(output_dir)`` writes one ``<pipeline-name>.yaml`` per pipeline in
``ctloop.pipelines.all_pipelines()``. The same commit always yields byte-identical files.
``image`` replaces the ctloop component image in every executor (a private registry mirror);
the default is the image whose tag is the package version (``ctloop.image.DEFAULT_IMAGE``). The
monitoring pipeline starts the *uploaded* continuous-training pipeline, so the runs it triggers
use the image and mounts that one was compiled with.

``pvc_mounts`` (``[(claim, path), ...]``) mounts PersistentVolumeClaims into every task, as
``kfp.kubernetes.mount_pvc`` would — for clusters that keep data such as the inference log on a
shared volume instead of an object store (the dev overlay's ``ctloop-inference-log-records``).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ctloop.config import KFP_POD_NAMES_ONLY, KFP_POD_VOLUMES, check_pvc_mounts, parse_pvc_mount
from ctloop.config import same_mount_path as _same_path
from ctloop.errors import ConfigError
from ctloop.image import DEFAULT_IMAGE, pull_problem
from ctloop.local import make_scratch, release_scratch, remove_stale_scratch


def _check_image(image: str) -> None:
    if not image or any(ch.isspace() for ch in image) or ":" not in image.rsplit("/", 1)[-1] and "@" not in image:
        raise ConfigError(
            f"image {image!r} must be a full reference with a tag or digest, "
            "e.g. registry.example.com/ml/ctloop:0.1.0"
        )
    if image.endswith(":latest"):
        raise ConfigError(f"image {image!r} uses the mutable tag 'latest': pin a version or digest")
    if problem := pull_problem(image):
        raise ConfigError(f"image {image!r}: {problem}")


def _pod_volumes(entry: dict) -> tuple[dict[str, str], dict[str, str]]:
    """``({volume name: what}, {mount path: what})`` a task pod has before any PVC of ``mounts``:
    KFP's own and the secret/config-map volumes of the executor's Kubernetes config ``entry``."""
    names = {name: f"KFP's volume {name} (at {path})" for name, path in KFP_POD_VOLUMES.items()}
    names.update(KFP_POD_NAMES_ONLY)
    paths = {_same_path(path): f"KFP's volume {name}" for name, path in KFP_POD_VOLUMES.items()}
    for kind, key in (("secretAsVolume", "secretName"), ("configMapAsVolume", "configMapName")):
        for vol in entry.get(kind) or []:
            what = f"{'Secret' if kind.startswith('secret') else 'ConfigMap'} {vol.get(key)}"
            names[str(vol.get(key))] = f"the volume of {what} (at {vol.get('mountPath')})"
            paths[_same_path(str(vol.get("mountPath")))] = what
    for kind in ("pvcMount", "emptyDirMounts", "genericEphemeralVolume"):
        for vol in entry.get(kind) or []:
            paths[_same_path(str(vol.get("mountPath")))] = f"a {kind} volume"
    return names, paths


def add_pvc_mounts(text: str, mounts: list[tuple[str, str]]) -> str:
    """Mount each ``(claim, path)`` into every executor of compiled IR ``text``; a ConfigError for a
    claim or path the task pod already has (:data:`KFP_POD_VOLUMES`, ctloop's own secret volume)."""
    import yaml

    docs = list(yaml.load_all(text, Loader=_loader()))
    _mount_pvcs(docs, mounts)
    return yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)


def _mount_pvcs(docs: list, mounts: list[tuple[str, str]]) -> None:
    """:func:`add_pvc_mounts` on the loaded documents ``docs`` of compiled IR, in place."""
    executors = ((docs[0] or {}).get("deploymentSpec") or {}).get("executors") or {}
    platform = next((d for d in docs[1:] if d and "platforms" in d), None)
    if platform is None:
        platform = {"platforms": {"kubernetes": {"deploymentSpec": {"executors": {}}}}}
        docs.append(platform)
    per_exec = platform["platforms"].setdefault("kubernetes", {}).setdefault("deploymentSpec", {}) \
        .setdefault("executors", {})
    check_pvc_mounts(mounts)
    for name in executors:
        entry = per_exec.setdefault(name, {})
        names, paths = _pod_volumes(entry)
        for claim, path in mounts:
            same = _same_path(path)
            if claim in names or same in paths:
                taken = (f"its volume name {claim} (KFP names a claim's volume after the claim) is taken by "
                         f"{names[claim]}") if claim in names else f"{same} is where {paths[same]} is mounted"
                raise ConfigError(f"PVC mount {claim}:{path}: {taken} in the pod of {name}: the task could not run "
                                  "as it should — fix: another claim name or mount path, e.g. "
                                  "ctloop-inference-log-records:/mnt/inference-log")
            entry.setdefault("pvcMount", []).append(
                {"constant": claim, "mountPath": path, "pvcNameParameter": {"runtimeValue": {"constant": claim}}}
            )
            names[claim], paths[same] = f"the volume of claim {claim}", f"claim {claim}"


def _loader() -> type:
    """PyYAML's safe loader on libyaml when PyYAML was built with it: the same documents (the same
    SafeConstructor builds them) in a tenth of the time of the pure-Python parser, which took most
    of a compile with an image."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def rewrite_images(text: str, image: str) -> str:
    """Replace the ctloop image in every executor of compiled IR ``text`` (all YAML documents)."""
    import yaml

    docs = list(yaml.load_all(text, Loader=_loader()))
    _replace_image(docs, image)
    return yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)


def _replace_image(docs: list, image: str) -> None:
    """:func:`rewrite_images` on the loaded documents ``docs`` of compiled IR, in place."""
    found = 0
    for doc in docs:
        executors = ((doc or {}).get("deploymentSpec") or {}).get("executors") or {}
        for spec in executors.values():
            container = spec.get("container") or {}
            if container.get("image") == DEFAULT_IMAGE:
                container["image"] = image
                found += 1
    if not found:
        raise ConfigError(f"no executor uses {DEFAULT_IMAGE}: nothing to replace")


# Text PyYAML (YAML 1.1) writes unquoted that gopkg.in/yaml.v3 — what the KFP 2.17.0 API server reads
# an uploaded pipeline with (backend/src/apiserver/template/v2_template.go) — reads as something else
# (v3.0.1 resolve.go: ParseInt base 0 with '_' removed, yamlStyleFloat, 0o/0b, its null/bool/.inf
# words). Generous on purpose: quoting a text that needs none changes nothing.
_YAML12_NOT_TEXT = re.compile(r"[-+]?(0[xXbBoO][0-9a-fA-F_]+|[0-9_]+(\.[0-9_]*)?([eE][-+]?[0-9_]+)?"
                              r"|\.[0-9_]+([eE][-+]?[0-9_]+)?)\Z")
_YAML12_WORDS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE", "", "~", "null", "Null", "NULL",
                           ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
                           "-.Inf", "-.INF", "<<"})


def _reads_as_other(text: str) -> bool:
    return text in _YAML12_WORDS or bool(_YAML12_NOT_TEXT.match(text))


def _plain_texts(node: Any) -> Any:
    """The texts a composed YAML ``node`` writes without quotes."""
    import yaml

    if isinstance(node, yaml.ScalarNode):
        if not node.style and node.tag == "tag:yaml.org,2002:str":  # plain: None (C parser: "")
            yield node.value
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _plain_texts(item)
    elif isinstance(node, yaml.MappingNode):
        for key, item in node.value:
            yield from _plain_texts(key)
            yield from _plain_texts(item)


def quote_for_yaml12(text: str) -> str:
    """``text`` (compiled IR) with every string a YAML 1.2 reader would take for a number, a boolean or
    null quoted; unchanged (its header comments too) when there is none."""
    import yaml

    loader = _loader()
    if not any(_reads_as_other(t) for doc in yaml.compose_all(text, Loader=loader) for t in _plain_texts(doc)):
        return text
    docs = list(yaml.load_all(text, Loader=loader))
    lines = text.split("\n")
    comments = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    header = "".join(line + "\n" for line in lines[:comments])  # KFP's "# PIPELINE DEFINITION" lines
    return header + _dump_quoted(docs)


def _dump_quoted(docs: list) -> str:
    """``docs`` as PyYAML's safe dumper writes them (``sort_keys=False``), every string a YAML 1.2
    reader would take for something else in single quotes. Where the safe dumper writes none of them
    plain, the same text as ``yaml.safe_dump_all``: it single-quotes such a string itself (a text
    the YAML 1.1 resolver takes for a number, a boolean or null; none of them needs double quotes)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def represent(dumper: yaml.SafeDumper, value: str) -> Any:
        if _reads_as_other(value):
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
        return yaml.SafeDumper.represent_str(dumper, value)

    Dumper.add_representer(str, represent)
    return yaml.dump_all(docs, Dumper=Dumper, sort_keys=False, default_flow_style=False)


def _sorted(value):
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def normalise_header(text: str) -> str:
    """Sort dict defaults in KFP's header comment (``#    name: dict [Default: {...}]``).

    KFP renders them from a protobuf Struct whose key order changes between processes, which
    would make the compiled file differ run to run; the YAML body itself is already sorted.
    """
    import ast
    import re

    pattern = re.compile(r"^(#\s+\S+: dict \[Default: )(\{.*\})(\])$")
    out = []
    for line in text.split("\n"):
        m = pattern.match(line)
        if m:
            line = f"{m.group(1)}{_sorted(ast.literal_eval(m.group(2)))!r}{m.group(3)}"
        out.append(line)
    return "\n".join(out)


def compile_pipeline(
    pipeline_func: Callable,
    package_path: str | Path,
    image: str | None = None,
    pvc_mounts: list[tuple[str, str]] | tuple = (),
) -> Path:
    """Compile one pipeline function to ``package_path``; returns the path."""
    if image and image != DEFAULT_IMAGE:
        _check_image(image)  # before compiling: nothing is written for an image no task can run
    check_pvc_mounts(list(pvc_mounts))  # so are mounts no pod can take
    path = Path(package_path)
    work = _staged(pipeline_func, path, image, pvc_mounts)
    try:
        _move_into_place(work, path)
    finally:
        _discard(work)
    return path


def _discard(work: Path) -> None:
    """The staged ``work`` removed (when not moved into place), the lock on its scratch directory dropped
    and the directory removed, in that order: a clean-up may take a free lock's scratch away, and
    ``work`` must stay until moved; the lock file is closed before it is removed (over NFS an open
    file is only renamed away, and the directory would stay)."""
    try:
        work.unlink(missing_ok=True)
    finally:
        release_scratch(work.parent)
        shutil.rmtree(work.parent, ignore_errors=True)


def _staged(pipeline_func: Callable, path: Path, image: str | None, pvc_mounts: list | tuple) -> Path:
    """``pipeline_func`` compiled (images and mounts applied) into a temporary file beside the target
    ``path`` (a symlinked target: beside the file it points to). Compiled next to the target and
    moved there only when whole: a refusal (a mount the pod already has) or an interruption leaves
    no half-made pipeline for `ctloop upload` to send."""
    from kfp import compiler

    try:
        target = path.resolve()  # Python 3.11: RuntimeError for a symlink loop
        if path.is_symlink() and not target.parent.is_dir():  # as storage writes: a link's folders are not made
            raise ConfigError(f"cannot write the compiled pipeline to {path}: it is a symlink to {target}, whose "
                              f"folder {target.parent} does not exist: create the folder, or point the link at a "
                              "file in one")
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_scratch(target.parent, f".{path.stem}", ".yaml")  # of a compile killed by SIGKILL
        # a directory locked through a file of its own: kfp and ctloop open and close the staged file,
        # which over NFS drops a lock taken on it (make_scratch)
        scratch = make_scratch(target.parent, f".{path.stem}", ".yaml")
        work = scratch / scratch.name  # kfp wants .yaml; the scratch's name: a process's own in a listing
    except (OSError, RuntimeError) as exc:  # no permission, a read-only or full disk, a file in the way, a loop
        raise ConfigError(f"cannot write the compiled pipeline in {path.parent}: "
                          f"{getattr(exc, 'strerror', None) or exc}; choose another output directory") from None
    try:
        compiler.Compiler().compile(pipeline_func=pipeline_func, package_path=str(work))
        text = _finished(work.read_text(), image if image and image != DEFAULT_IMAGE else None,
                         tuple(tuple(m) for m in pvc_mounts))
        work.write_text(text)
        umask = os.umask(0)
        os.umask(umask)
        work.chmod(0o666 & ~umask)  # as a plain write would make it (mkstemp: 0600, owner only)
    except OSError as exc:  # a full disk
        _discard(work)
        raise ConfigError(f"cannot write the compiled pipeline to {path}: {exc.strerror or exc}; "
                          "choose another output directory") from None
    except BaseException:
        _discard(work)
        raise
    return work


@functools.lru_cache(maxsize=16)
def _finished(text: str, image: str | None, pvc_mounts: tuple[tuple[str, str], ...]) -> str:
    """KFP's ``text`` with its header normalised, ``image`` and ``pvc_mounts`` applied and quoted for
    YAML 1.2 (as the KFP API server reads it). A function of its arguments only, so kept for the
    next compile of the same pipeline in this process (``ctloop apply`` compiles each pipeline of
    the spec, every apply): parsing and re-emitting the YAML took most of a compile.

    With an image or mounts the documents are loaded once, changed and written once, quoted as they
    are written: the text :func:`rewrite_images`, then :func:`add_pvc_mounts`, then
    :func:`quote_for_yaml12` make, without writing and reading it back in between (PyYAML's
    pure-Python emitter, once per step, took most of such a compile)."""
    text = normalise_header(text)
    if not image and not pvc_mounts:
        return quote_for_yaml12(text)
    import yaml

    docs = list(yaml.load_all(text, Loader=_loader()))
    if image:
        _replace_image(docs, image)
    if pvc_mounts:
        _mount_pvcs(docs, [tuple(m) for m in pvc_mounts])
    return _dump_quoted(docs)


def _move_into_place(work: Path, path: Path) -> None:
    """``work`` renamed onto ``path`` (onto the file a symlinked ``path`` points to: the link stays); into a
    pipe or a character device ``path`` names, written (:func:`ctloop.storage.write_through`: a rename
    replaced it with a regular file before round 57)."""
    from ctloop.storage import write_through

    if write_through(path, work.read_bytes(), str(path), ConfigError):
        return
    try:
        os.replace(work, path.resolve())
    except (OSError, RuntimeError) as exc:  # a directory of that name in the way, a symlink loop
        raise ConfigError(f"cannot write the compiled pipeline to {path}: {exc.strerror or exc}; move it "
                          "away or choose another output directory") from None


def compile_all(
    output_dir: str | Path, image: str | None = None, pvc_mounts: list[tuple[str, str]] | tuple = (),
    platform: Any = None,
) -> list[Path]:
    """Compile every ctloop pipeline into ``output_dir``; returns the written files (sorted).
    ``platform`` (a :class:`ctloop.config.PlatformConfig`) sets per-step resources, retries, node
    selector and tolerations; default: its defaults."""
    from ctloop.pipelines import all_pipelines
    from ctloop.storage import hold_fifo, writes_through

    if image and image != DEFAULT_IMAGE:
        _check_image(image)  # before the first pipeline is written
    check_pvc_mounts(list(pvc_mounts))
    out = Path(output_dir)
    # every pipeline compiled first, then all moved into place: a refusal or a failed write leaves the
    # set as it was, never new files beside old ones
    staged: list[tuple[Path, Path]] = []
    held: list[int] = []  # FIFOs opened before any is compiled: one no process reads is refused, not waited for
    try:
        pipelines = sorted(all_pipelines(platform).items())
        for name, _ in pipelines:
            if (fd := hold_fifo(out / f"{name}.yaml", str(out / f"{name}.yaml"), ConfigError)) is not None:
                held.append(fd)
        for name, func in pipelines:
            path = out / f"{name}.yaml"
            staged.append((_staged(func, path, image, pvc_mounts), path))
        for path in (p for _, p in staged):
            if path.is_dir():  # checked for all before any is moved (the staging resolved every path)
                raise ConfigError(f"cannot write the compiled pipeline to {path}: a directory of that name is in "
                                  "the way; move it away or choose another output directory")
            writes_through(path, str(path))  # a block device or a socket: refused before any is moved
        for work, path in staged:
            _move_into_place(work, path)
    finally:
        for fd in held:
            os.close(fd)
        for work, _ in staged:
            _discard(work)
    return [path for _, path in staged]


__all__ = ["add_pvc_mounts", "compile_pipeline", "compile_all", "parse_pvc_mount", "quote_for_yaml12", "rewrite_images"]
