"""Small helpers shared by tests (no fixtures here)."""

from __future__ import annotations

import importlib
import os
import pkgutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def all_components() -> dict[str, object]:
    """``{component name: component}`` for every ``components/<x>/component.py``."""
    import ctloop.components as pkg

    found = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.ispkg:
            continue
        modname = f"ctloop.components.{info.name}.component"
        if importlib.util.find_spec(modname) is None:
            continue
        module = importlib.import_module(modname)
        for value in vars(module).values():
            if hasattr(value, "component_spec") and hasattr(value, "python_func"):
                found[value.component_spec.name] = value
    return found


def check_golden(actual: str, golden: Path) -> None:
    """Compare with a golden file; CTLOOP_UPDATE_GOLDEN=1 rewrites it (``make golden``)."""
    if os.environ.get("CTLOOP_UPDATE_GOLDEN") == "1" or not golden.exists():
        if not golden.exists() and os.environ.get("CTLOOP_UPDATE_GOLDEN") != "1":
            raise AssertionError(f"golden file {golden} missing: run `make golden`")
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual)
        return
    expected = golden.read_text()
    if actual != expected:
        raise AssertionError(
            f"{golden.relative_to(REPO)} is out of date; review the diff and run `make golden`.\n"
            f"---- new content ----\n{actual}"
        )
