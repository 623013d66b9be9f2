"""Argument types shared by the ``ctloop`` sub-commands: a bad value is refused by argparse
itself, before anything runs, as one line naming the flag and the value
(``ctloop drift: error: argument --batch-rows: must be a whole number >= 1, got '-1'``).
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import re
from collections.abc import Callable
from typing import Any


def _digits_0_9(text: str, what: str) -> None:
    """Refuse ``text`` holding a digit of another script: ``int()`` and ``float()`` read ``'٣'`` and
    ``'３'`` as 3 and ``'٠.٥'`` as 0.5; the refusal says ``must be <what> in digits 0-9`` and how to write it."""
    from ctloop.timeutil import ascii_digits, other_digits

    if other_digits(text):

        raise argparse.ArgumentTypeError(f"must be {what} in digits 0-9, got {_shown(text)} (write "
                                         f"{ascii_digits(text.strip())})")


def _whole_number(ok: Callable[[int], bool], rule: str) -> Callable[[str], int]:
    """An argparse ``type``: a whole number that ``ok`` accepts; else "must be a whole number
    <rule>, got '<text>'"."""

    def parse(text: str) -> int:
        from ctloop.timeutil import ascii_digits, other_digits

        try:  # written 0-9 first: other digits are told how to write a value only when it is taken
            value = int(ascii_digits(text.strip()) if other_digits(text) else text)
        except ValueError:  # ('٠' for a count >= 1 was told "(write 0)", '０.5' for --percent "(write 0.5)")
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"must be a whole number {rule}, got {_shown(text)}")
        _digits_0_9(text, f"a whole number {rule}")
        return value

    return parse


def values_may_lead_with_a_dash(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Let ``parser``'s flags take a value that starts with a dash and a digit (``--label-delay -3D``,
    ``--window -1h``): argparse takes only a plain negative number (``-3``, ``-0.5``) as a value, and
    ``-3D`` as an unknown option, refusing with ``argument --label-delay: expected one argument`` —
    neither the value nor what is wrong with it. The value now reaches the flag's own check, which
    names both. No ctloop option starts with a dash and a digit; returns ``parser``."""
    # argparse (3.11 .. 3.13) asks this pattern, by match(), whether an unknown '-...' word is a value;
    # the word also needs none of the parser's options to look like a negative number
    parser._negative_number_matcher = re.compile(r"-\.?\d.*", re.DOTALL)  # noqa: SLF001 - argparse's own hook
    return parser


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number ``>= minimum``."""
    return _whole_number(lambda v: v >= minimum, f">= {minimum}")


def int_between(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number in ``low..high``."""
    return _whole_number(lambda v: low <= v <= high, f"in {low}..{high}")


percent = int_between(0, 100)  # a traffic share


# --------------------------------------------------------------------------- rollout, schedule, registry
_KINDS = {int: "a whole number", float: "a number"}


def in_digits(kind: type) -> Callable[[str], Any]:
    """An argparse ``type``: ``kind(text)`` (int or float) in digits 0-9 (:func:`_digits_0_9`); its
    range is the command's check (``ctloop logger``'s ports and limits)."""

    def parse(text: str) -> Any:
        _digits_0_9(text, _KINDS[kind])
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {_KINDS[kind]}, got {_shown(text)}") from None

    return parse


def checked(kind: type, check: Callable[[object], str | None]) -> Callable[[str], object]:
    """An argparse ``type`` from a field check of :mod:`ctloop.config` (``k8s_name``, a section
    field's ``between(1, 10)``, ...): the flag obeys the rule written once in the configuration."""

    def parse(text: str) -> object:
        if kind in _KINDS:
            value = in_digits(kind)(text)
        else:
            try:
                value = kind(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"must be {kind.__name__}, got {_shown(text)}") from None
        if kind is float and not math.isfinite(value):  # nan, inf, 1e400
            raise argparse.ArgumentTypeError(f"must be a finite number, got {_shown(text)}")
        problem = check(value)
        if problem:
            raise argparse.ArgumentTypeError(f"{problem}, got {_shown(text)}")
        return value

    return parse


def section_field(section: type, name: str) -> Callable[[str], object]:
    """An argparse ``type`` for a flag that sets ``section.name`` (a number or text field of a
    :class:`ctloop.config.Section`): the field's type and check."""
    import typing

    declared = section.types()[name]
    kind = next(a for a in (declared, *typing.get_args(declared)) if a in (int, float, str))
    check = next(f for f in section.fields() if f.name == name).metadata.get("check")
    return checked(kind, check or (lambda _: None))


def k8s_namespace(text: str) -> str:
    """An argparse ``type``: a Kubernetes namespace (DNS-1123 label, ``ctloop.config.k8s_namespace``);
    empty is "not given" (the KFP commands' default; a required namespace is the section's check)."""
    from ctloop.config import k8s_namespace as rule

    return checked(str, rule)(text)


def isvc_name(text: str) -> str:
    """An argparse ``type``: an InferenceService name (DNS-1035 label, ``ctloop.config.k8s_name``)."""
    from ctloop.config import k8s_name as rule

    return checked(str, lambda v: rule(v) if v else "must not be empty")(text)


def model_version(text: str) -> str:
    """An argparse ``type``: a registered model version (``ctloop.registry.check_model_version``).
    An optional flag with it takes ``default=None`` (argparse passes a ``""`` default through it)."""
    from ctloop.errors import ConfigError
    from ctloop.registry import check_model_version

    try:
        return check_model_version(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --------------------------------------------------------------------------- paths, URIs, seconds
NAME_MAX, PATH_MAX = 255, 4096  # bytes of one path component, of a whole path (Linux limits.h)
TRACKING_SCHEMES = ("file", "sqlite", "postgresql", "mysql", "mssql", "http", "https", "databricks",
                    "databricks-uc", "uc")  # mlflow 3.17's own tracking and registry store schemes


@functools.cache
def tracking_schemes() -> tuple[str, ...]:
    """:data:`TRACKING_SCHEMES` and those of the installed MLflow plugins (entry points
    ``mlflow.tracking_store``/``mlflow.model_registry_store``, e.g. ``azureml``), as MLflow's
    store registries read them (mlflow 3.17 ``tracking/_tracking_service/utils.py``, also once per
    process). Scanned once: reading every installed distribution's entry points costs ~14 ms."""
    from importlib.metadata import entry_points

    plugins = {ep.name for group in ("mlflow.tracking_store", "mlflow.model_registry_store")
               for ep in entry_points(group=group)}
    return (*TRACKING_SCHEMES, *sorted(plugins - set(TRACKING_SCHEMES)))


def _shown(text: str) -> str:
    """``text`` quoted for a message; a long one cut, with its length."""
    return repr(text) if len(text) <= 80 else f"{text[:40]!r}... ({len(text)} characters)"


def _shown_url(text: str) -> str:
    """:func:`_shown` of a URL, its user name and password left out
    (:func:`ctloop.serving.metric_sources.url_without_credentials`)."""
    from ctloop.serving.metric_sources import url_without_credentials

    masked = url_without_credentials(text)
    return _shown(text) if masked is None else f"{_shown(masked)} (its credentials not shown)"


def _controls(text: str) -> bool:
    return any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text)


def location(text: str) -> str:
    """An argparse ``type``: a local path or an object-store URI that is not blank, holds no
    control character (a newline pasted with it) and, local, is a path the OS can name (each
    part at most 255 bytes, the whole under 4096): refused before any work, not as ``[Errno 36]
    File name too long`` from deep inside. An empty local path would be the root ``/``."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must name a path or URI, got {_shown(text)}")
    if _controls(text):
        raise argparse.ArgumentTypeError(f"holds a control character (a pasted newline?), got {_shown(text)}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes of another encoding, arrived as surrogate escapes (PEP 383)
        raise argparse.ArgumentTypeError(f"is not UTF-8 (a name in another encoding?), got {_shown(text)}") from None
    # 'file:', 'file://', 'file://host': joined with a name, file:/name or file:///name, the root
    if re.fullmatch(r"file:(//[^/]*)?", text.strip(), re.IGNORECASE):
        from ctloop.storage import _file_uri_shown

        raise argparse.ArgumentTypeError(f"names no path: write a local path (./out) or file:///absolute/path, "
                                         f"got {_file_uri_shown(text.strip())[0]!r}")
    if re.match(r"file://", text, re.IGNORECASE):  # RFC 8089: the authority is a host, never part of the path
        from ctloop.errors import ConfigError
        from ctloop.storage import parse

        try:
            parse(text)
        except ConfigError as exc:  # another host: said with the URI's password masked
            raise argparse.ArgumentTypeError(str(exc)) from None
    from ctloop.errors import ConfigError
    from ctloop.storage import scheme

    try:  # '~/x', 'C:\x', '\\server\x', 's3:/x', an unknown scheme: refused as typed, naming the flag
        scheme(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if "://" not in text:
        raw = os.fsencode(text)
        if len(raw) >= PATH_MAX or any(len(part) > NAME_MAX for part in raw.split(b"/")):
            raise argparse.ArgumentTypeError(f"is longer than a path can be (at most {NAME_MAX} bytes a name, "
                                             f"{PATH_MAX - 1} in all), got {_shown(text)}")
    return text


def optional_location(text: str) -> str:
    """:func:`location`, or ``""``: not given (the flag's default)."""
    return text if text == "" else location(text)


def _url_problem(text: str, schemes: tuple[str, ...] | None) -> str | None:
    """:func:`ctloop.urls.url_problem`: what is wrong with the URL ``text``, or None."""
    from ctloop.urls import url_problem

    return url_problem(text, schemes)


def http_url(text: str) -> str:
    """An argparse ``type``: an ``http://`` or ``https://`` URL with a host and a valid port, or
    ``""`` (not given); refused in one line, not as ``InvalidURL``/``UnicodeError`` tracebacks
    of the first request."""
    problem = text and _url_problem(text, ("http", "https"))
    if problem:
        raise argparse.ArgumentTypeError(f"{problem}, got {_shown_url(text)}")
    return text


def kfp_host(text: str) -> str:
    """An argparse ``type``: the KFP API's URL, or ``""`` (not given), by the rule of ``kfp.host``
    and ``KF_PIPELINES_ENDPOINT`` (:func:`ctloop.urls.kfp_host_problem`): without a scheme it is
    ``https://`` + the text, as ``kfp.Client`` (kfp 2.17 ``client.py``) and
    :func:`ctloop.ops.platform.normalise_host` read it (``kfp.example.com/pipeline``,
    ``localhost:8080``); the text is kept as given."""
    from ctloop.urls import kfp_host_problem

    problem = kfp_host_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"{problem}, got {_shown_url(text)}")
    return text


def tracking_uri(text: str) -> str:
    """An argparse ``type``: an MLflow tracking URI of a scheme MLflow has a store for (a
    driver suffix as in ``mysql+pymysql://`` allowed), a local path, or ``""`` (not given: the
    environment's ``MLFLOW_TRACKING_URI``)."""
    if text == "":
        return text
    if "://" in text:
        scheme = text.split("://", 1)[0]
        problem = _url_problem(text.replace(scheme, scheme.split("+", 1)[0], 1), tracking_schemes())
    else:
        try:
            return location(text)
        except argparse.ArgumentTypeError as exc:
            said = str(exc)
            if not said.endswith(f", got {_shown(text)}"):
                raise  # the storage layer's, naming the value (its secrets masked) already
            problem = said.removesuffix(f", got {_shown(text)}")
    if problem:
        raise argparse.ArgumentTypeError(f"{problem}, got {_shown_tracking_uri(text)}")
    return text


def _shown_tracking_uri(text: str) -> str:
    """:func:`_shown_url`, a query (an S3 presigned URL's or a SAS signature) left out too."""
    from ctloop.storage import _without_secrets

    if "?" not in text:
        return _shown_url(text)
    return f"{_shown(_without_secrets(text))} (its credentials not shown)"


def image(text: str) -> str:
    """An argparse ``type``: a container image reference without blanks or control characters, or
    ``""`` (not given): `` `` or ``img:1 --privileged`` was compiled into every step as it was."""
    if text and (not text.strip() or _controls(text) or any(c.isspace() for c in text)):
        raise argparse.ArgumentTypeError(f"must be an image reference such as registry.example.com/ml/ctloop:0.1.0, "
                                         f"without blanks or control characters, got {_shown(text)}")
    return text


def finite_float(text: str) -> float:
    """An argparse ``type``: a finite number (``nan``, ``inf``, ``1e400`` refused naming the text);
    its range is the command's check."""
    _digits_0_9(text, "a number")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
        if text.strip().lower() not in ("nan", "+nan", "-nan"):
            raise argparse.ArgumentTypeError(f"must be a number, got {_shown(text)}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {_shown(text)}")
    return value


def seconds(text: str) -> float:
    """An argparse ``type``: a finite number of seconds > 0 (``inf`` would overflow a deadline)."""
    from ctloop.timeutil import ascii_digits, other_digits

    try:  # written 0-9 first, as a whole number is (_whole_number): '٠' was told "(write 0)"
        value = float(ascii_digits(text.strip()) if other_digits(text) else text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {_shown(text)}")
    _digits_0_9(text, "a number of seconds > 0")
    return value


def registered_model(*, optional: bool = False, kubernetes: bool = False) -> Callable[[str], str]:
    """An argparse ``type``: a registered model name (``ctloop.registry.check_model_name``, MLflow's
    rule) without control characters; ``""`` too when ``optional`` (the flag's default). With
    ``kubernetes``, the pipelines' ``model_name`` rule too (``ctloop.config.model_name``), for a command
    whose step applies it (``ctloop score``: batch-scoring's step refused ``CreditDefault`` naming
    ``model_name``, a word the command line does not have)."""

    def parse(text: str) -> str:
        from ctloop.config import model_name
        from ctloop.errors import ConfigError
        from ctloop.registry import check_model_name

        if text == "" and optional:
            return text
        if _controls(text):
            raise argparse.ArgumentTypeError(f"holds a control character, got {_shown(text)}")
        try:
            name = check_model_name(text)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if kubernetes and (problem := model_name(name)):
            raise argparse.ArgumentTypeError(f"{problem}, got {_shown(text)}")
        return name

    return parse


def output_location(text: str) -> str:
    """:func:`location` for an output (a file or directory written to; whether it can be created
    is each command's own check, before any work: ``storage.check_output_dir``). ``-``, standard
    output to many tools, is refused: ``generate-data --output -`` wrote a file named ``-``."""
    if text.strip() == "-":
        raise argparse.ArgumentTypeError("'-' (standard output) is not supported here: name a file or directory")
    return location(text)


def output_or_stdout(text: str) -> str:
    """:func:`output_location`, or ``-``: standard output (``ctloop config docs --output -``)."""
    return text if text == "-" else output_location(text)


def text_file(text: str) -> str:
    """An argparse ``type``: a local file of UTF-8 text (a bearer token, a kubeconfig), or ``""`` (not
    given). A file that is there must be text (a binary one was a ``UnicodeDecodeError`` traceback at
    the first request); one that is missing, empty or a directory the command itself says so of. A
    leading ``~`` is the home directory, expanded here as the file's readers expand it (the kubernetes
    client, ``kube_config.py``; ``ops.platform.resolve_auth``): ``--kubeconfig=~/.kube/config``, which
    a shell leaves as written after the ``=``, is the file in the home directory."""
    if text == "":
        return text
    text = os.path.expanduser(text)
    location(text)
    if os.path.isfile(text):
        try:
            with open(text, encoding="utf-8") as f:
                f.read(1 << 20)
        except UnicodeDecodeError:
            raise argparse.ArgumentTypeError(f"is not a text file, got {_shown(text)}") from None
        except OSError:
            pass  # unreadable: said by the command, as a missing file is
    return text


# --------------------------------------------------------------------------- column names
COLUMN_LIST_HELP = ("comma-separated; quote a name that holds a comma as in CSV ('\"income, net\",age'), or "
                    "repeat the flag")


def column_list(text: str) -> list[str]:
    """An argparse ``type`` (with ``action="extend"``, so a repeated flag adds up): column names as
    one CSV record, so a name holding a comma is quoted (``'"income, net",age'``, a ``"`` inside
    one doubled); blanks around names and empty names are dropped."""
    import csv

    try:
        (record,) = list(csv.reader([text], skipinitialspace=True, strict=True)) or [[]]
    except csv.Error:
        raise argparse.ArgumentTypeError(f"has an unclosed quote, got {_shown(text)}: quote a name with a comma "
                                         "whole, e.g. '\"income, net\",age'") from None
    return [name.strip() for name in record if name.strip()]


__all__ = ["values_may_lead_with_a_dash", "output_or_stdout", "image", "finite_float", "registered_model", "output_location", "text_file", "location", "optional_location", "http_url", "kfp_host", "tracking_uri", "seconds", "column_list", "COLUMN_LIST_HELP", "int_at_least", "int_between", "percent", "checked", "section_field", "k8s_namespace", "isvc_name", "model_version"]
