"""Packaging invariants: one import name, KFP-free cores, cheap imports."""

import subprocess
import sys
import tomllib

from tests.helpers import REPO


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    roots = {name: REPO / path for name, path in config["package-dir"].items()}
    found = set()
    for name, root in roots.items():
        for init in root.rglob("__init__.py"):
            rel = init.parent.relative_to(root).parts
            found.add(".".join((name, *rel)))
    missing = found - listed
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def _imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(','.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.strip().split(","))


def test_cores_do_not_import_kfp():
    cores = [p.parent.name for p in (REPO / "components").glob("*/core.py")]
    assert cores
    for name in cores:
        mods = _imported_after(f"import ctloop.components.{name}.core")
        assert "kfp" not in mods, f"ctloop.components.{name}.core imports kfp"


def test_importing_ctloop_is_cheap():
    mods = _imported_after("import ctloop, ctloop.errors, ctloop.storage, ctloop.registry, ctloop.cli")
    for heavy in ("pandas", "sklearn", "mlflow", "evidently", "kfp"):
        assert heavy not in mods, f"importing ctloop pulls in {heavy}"


def test_the_command_line_parser_does_not_load_the_inference_log_import():
    """Every ``ctloop`` command builds the whole parser: ``logger import``'s defaults come from a
    light module, the import itself (asyncio, orjson, the object stores) only when it runs."""
    mods = _imported_after("from ctloop.cli import build_parser; build_parser()")
    for heavy in ("ctloop.inference_log.blob_import", "ctloop.inference_log.events", "ctloop.storage", "orjson",
                  "asyncio"):
        assert heavy not in mods, f"building the ctloop parser loads {heavy}"


def test_the_license_is_an_spdx_expression_with_its_text_shipped():
    """setuptools 77+ warns that ``license = {text = ...}`` is deprecated and refuses it from
    2027-02-18 (``setuptools/config/_apply_pyprojecttoml.py``, seen building with 84.2): the
    build of ``make install`` takes the newest setuptools from the index, so the install would
    break on a date. PEP 639: an SPDX expression, and the license text in ``license-files``."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["license"] == "Apache-2.0"
    for name in project["project"]["license-files"]:
        text = (REPO / name).read_text()
        assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert any(req.replace(" ", "").startswith("setuptools>=77") for req in project["build-system"]["requires"])
