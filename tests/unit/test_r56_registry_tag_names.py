"""The registry's tag names are written once (``ctloop.registry``'s ``TAG_*``/``AUDIT_*`` constants): the
components and pipelines name them by the constant, never by a copy of the text (round 56: the register
component wrote ``"ctloop.gate_decision"`` itself while ``registry.TAG_GATE_DECISION``, which the challenger
rule reads, named the same tag; a rename of one would have made every new version ineligible)."""

from __future__ import annotations

import ast

from ctloop import registry
from tests.helpers import REPO

NAMES = {
    value: key
    for key, value in vars(registry).items()
    if key.startswith(("TAG_", "AUDIT_")) and isinstance(value, str)
}


def test_components_and_pipelines_name_registry_tags_by_their_constant():
    copies = []
    for root in ("components", "pipelines"):
        for path in sorted((REPO / root).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and node.value in NAMES
                ):
                    copies.append(
                        f"{path.relative_to(REPO)}:{node.lineno} {node.value!r} "
                        f"(ctloop.registry.{NAMES[node.value]})"
                    )
    assert NAMES and not copies, copies
