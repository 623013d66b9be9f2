"""The layers of ctloop import only downward, with no cycles (function-level imports included),
and every component body is a thin adapter.

Layers, lowest first (docs/architecture.md draws them):

0. definitions: errors, reserved column names, the version and image;
1. shared building blocks: durations, metrics, storage, cron, contracts, estimators, the drift
   statistics, the inference log's layout, the canary metric sources, synthetic data;
2. configuration: the typed sections;
3. engines and services: the drift engine, MLflow tracking and registry, the inference log,
   labels, monitoring history and rules, KServe access, the KFP API, the spec;
4. component cores, the release orchestration and the choice of a retrain's start;
5. KFP components, the backtest, reports, local runs;
6. pipelines, the compiler, the demo;
7. the command line.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from tests.helpers import REPO

ROOTS = {"src/ctloop": "ctloop", "components": "ctloop.components", "pipelines": "ctloop.pipelines"}
# first matching prefix wins (most specific first)
LAYERS: list[tuple[str, int]] = [
    ("ctloop._version", 0), ("ctloop.errors", 0), ("ctloop.columns", 0), ("ctloop.image", 0),
    ("ctloop.timeutil", 1), ("ctloop.sigterm", 1), ("ctloop.environ", 1), ("ctloop.urls", 1), ("ctloop.metrics", 1), ("ctloop.storage", 1), ("ctloop.ops.cron", 1),
    ("ctloop.contract", 1), ("ctloop.estimators", 1), ("ctloop.drift.stats", 1),
    ("ctloop.inference_log.layout", 1), ("ctloop.synthetic", 1), ("ctloop.unseen", 1), ("ctloop.serving.metric_sources", 1),
    ("ctloop.config", 2),
    ("ctloop.components.", 4),  # refined below: .component modules are layer 5
    ("ctloop.serving.release", 4), ("ctloop.retrain", 4),
    ("ctloop.backtest", 5), ("ctloop.reports", 5), ("ctloop.local", 5), ("ctloop.taskserver", 5),
    ("ctloop._taskshim", 5), ("ctloop.kfp_support", 5), ("ctloop.ops.settings", 5),
    ("ctloop.pipelines", 6), ("ctloop.compiler", 6), ("ctloop.demo", 6), ("ctloop.ops.doctor", 6),
    ("ctloop.cli", 7), ("ctloop.__main__", 7), ("ctloop.ops.lock", 7),
    ("ctloop._validate_child", 3),  # serving validation's process (ctloop.serving.validate starts it)
    ("ctloop.", 3),  # engines and services: drift, tracking, registry, inference_log, labels, ...
]


def layer(module: str) -> int:
    if module.startswith("ctloop.components.") and module.endswith(".component"):
        return 5
    if module == "ctloop":
        return 0
    for prefix, number in LAYERS:
        if module == prefix.rstrip(".") or module.startswith(prefix if prefix.endswith(".") else prefix + ".") \
                or module == prefix:
            return number
    raise AssertionError(f"module {module} has no layer: add it to LAYERS")


def modules() -> dict[str, Path]:
    out = {}
    for folder, package in ROOTS.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            rel = path.relative_to(REPO / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([package, *parts]) if parts else package] = path
    return out


MODULES = modules()


def imports(name: str, path: Path) -> set[str]:
    """Every ctloop module ``name`` imports, at module level or inside functions."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return {m for m in found if m == "ctloop" or m.startswith("ctloop.")} - {name}


@cache
def graph() -> dict[str, set[str]]:
    """Every module's ctloop imports, parsed once by the process that runs these tests, not at
    collection: parsing all of ctloop's source cost every xdist worker ~4 s of CPU at collection."""
    return {name: {m for m in imports(name, path) if m in MODULES} for name, path in MODULES.items()}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_only_downward(name):
    own = layer(name)
    upward = sorted(f"{m} (layer {layer(m)})" for m in graph()[name] if layer(m) > own)
    assert not upward, f"{name} (layer {own}) imports upward: {', '.join(upward)}"


def test_no_import_cycles():
    """Function-level imports count: a cycle through a lazy import is still a cycle."""
    seen: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        seen[node] = 1
        stack.append(node)
        for dep in sorted(graph()[node]):
            if seen.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in seen:
                visit(dep)
        stack.pop()
        seen[node] = 2

    for node in sorted(graph()):
        if node not in seen:
            visit(node)
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(c) for c in cycles)


def test_component_cores_never_import_kfp():
    for name, path in MODULES.items():
        if name.startswith("ctloop.components.") and not name.endswith(".component"):
            text = path.read_text()
            assert "import kfp" not in text and "from kfp" not in text, name


MAX_BODY_LINES = 40  # statements of logic in a component body (docstring and imports excluded)


def _logic_lines(func: ast.FunctionDef) -> int:
    lines: set[int] = set()
    for stmt in func.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):  # the docstring
            continue
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.stmt):
                lines.add(node.lineno)
    return len(lines)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.endswith(".component")))
def test_component_bodies_are_thin(name):
    tree = ast.parse(MODULES[name].read_text())
    for func in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        assert _logic_lines(func) <= MAX_BODY_LINES, (
            f"{name}.{func.name} has {_logic_lines(func)} statements of logic (> {MAX_BODY_LINES}): move them into "
            "its core")
