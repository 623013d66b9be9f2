"""Argument types shared by the ``ctloop`` sub-commands: a bad value is refused by argparse
itself, before anything runs, as one line naming the flag and the value
(``ctloop drift: error: argument --batch-rows: must be a whole number >= 1, got '-1'``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


def _whole_number(ok: Callable[[int], bool], rule: str) -> Callable[[str], int]:
    """An argparse ``type``: a whole number that ``ok`` accepts; else "must be a whole number
    <rule>, got '<text>'"."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"must be a whole number {rule}, got {text!r}")
        return value

    return parse


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number ``>= minimum``."""
    return _whole_number(lambda v: v >= minimum, f">= {minimum}")


def int_between(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number in ``low..high``."""
    return _whole_number(lambda v: low <= v <= high, f"in {low}..{high}")


percent = int_between(0, 100)  # a traffic share


# --------------------------------------------------------------------------- rollout, schedule, registry
_KINDS = {int: "a whole number", float: "a number"}


def checked(kind: type, check: Callable[[object], str | None]) -> Callable[[str], object]:
    """An argparse ``type`` from a field check of :mod:`ctloop.config` (``k8s_name``, a section
    field's ``between(1, 10)``, ...): the flag obeys the rule written once in the configuration."""

    def parse(text: str) -> object:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {_KINDS.get(kind, kind.__name__)}, got {text!r}") from None
        problem = check(value)
        if problem:
            raise argparse.ArgumentTypeError(f"{problem}, got {text!r}")
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
        raise argparse.ArgumentTypeError(f"has an unclosed quote, got {text!r}: quote a name with a comma "
                                         "whole, e.g. '\"income, net\",age'") from None
    return [name.strip() for name in record if name.strip()]


__all__ = ["column_list", "COLUMN_LIST_HELP", "int_at_least", "int_between", "percent", "checked", "section_field", "k8s_namespace", "isvc_name", "model_version"]
