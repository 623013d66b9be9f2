"""No module of the product defines one top-level function or class twice.

Round 60: a helper's ``storage._number_text(name) -> bool`` (the repeated-header check) was defined 2,700 lines
below an older ``storage._number_text(value) -> object`` (numbers read as text), so every caller of the older one
got the newer: a number read as text was counted as recoded when it was not, and batch scoring named ``True`` as a
column's example number. ruff's F811 says nothing when the first definition is used before the second.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    p for top in ("src/ctloop", "components", "pipelines") for p in (ROOT / top).rglob("*.py")
    if "__pycache__" not in p.parts)


def _twice(tree: ast.Module) -> list[tuple[str, int, int]]:
    seen: dict[str, int] = {}
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name in seen:
                out.append((node.name, seen[node.name], node.lineno))
            seen[node.name] = node.lineno
    return out


def test_the_check_sees_a_second_definition():
    assert _twice(ast.parse("def f(x):\n    return 1\n\ny = f(2)\n\ndef f(n):\n    return 2\n")) == [("f", 1, 6)]


def test_the_sources_are_found():
    assert len(SOURCES) > 50 and ROOT / "src" / "ctloop" / "storage.py" in SOURCES


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_top_level_name_is_defined_twice(path):
    twice = _twice(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    assert not twice, f"{path.relative_to(ROOT)}: defined twice (name, first line, second line): {twice}"
