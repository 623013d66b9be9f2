""".ci/rewrite_tests.py writes the assertion-rewritten pyc pytest itself would write (make test
ignores the script's failures, so a pytest release that changes the private API it uses fails
here), with the configuration pytest runs with: an ini file's ``enable_assertion_pass_hook``."""

from __future__ import annotations

import importlib.util
import marshal
import os
import subprocess
import sys
from pathlib import Path

from _pytest.assertion.rewrite import (
    PYC_TAIL,
    _read_pyc,
    _replace_code_filenames,
    _rewrite_test,
    get_cache_dir,
)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "rewrite_tests.py"

MODULE = """
def test_a():
    x = 1
    assert x == 1, "one"
    assert [x] != [2]
"""
CONFTEST = """
def pytest_assertion_pass(item, lineno, orig, expl):
    print(f"PASS-HOOK {item.name}:{lineno} {orig}")
"""


def _script():
    spec = importlib.util.spec_from_file_location("ci_rewrite_tests", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _code(co):
    """A code object with its (and its nested code objects') file name left out, compared by value
    (instructions, constants, names, line table: not marshal's bytes, whose reference flags follow
    reference counts)."""
    return _replace_code_filenames(co, "<file>")


def test_write_gives_what_pytest_reads_and_rewrites(tmp_path, monkeypatch, pytestconfig):
    script = _script()
    fn = tmp_path / "test_sample.py"
    fn.write_text(MODULE)
    monkeypatch.setattr(script, "CONFIG", pytestconfig)
    assert script._write(fn) is True
    pyc = get_cache_dir(fn) / (fn.name[:-3] + PYC_TAIL)
    co = _read_pyc(fn, pyc)
    assert co is not None, f"pytest's _read_pyc refuses {pyc}"
    assert _code(co) == _code(_rewrite_test(fn, pytestconfig)[1])
    assert script._write(fn) is False  # up to date: left as it is

    fn.write_text(MODULE + "\n# changed\n")
    assert _read_pyc(fn, pyc) is None  # hash-checked: a stale pyc is ignored
    assert script._write(fn) is True and _read_pyc(fn, pyc) is not None


def _project(tmp_path: Path, ini: str) -> Path:
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text(f"[tool.pytest.ini_options]\n{ini}")
    (project / "tests" / "test_sample.py").write_text(MODULE)
    (project / "tests" / "conftest.py").write_text(CONFTEST)
    return project


def _run(project: Path, *args: str, write: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not write:  # pytest reads the cache, writes none (as make test runs it)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )


def _pycs(project: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted((project / "tests" / "__pycache__").glob("*" + PYC_TAIL))
    }


PYTEST = "-m pytest -q -s tests -p no:cacheprovider -p no:faker -p no:anyio".split()


def test_the_pyc_is_the_one_pytest_writes_with_the_ini_pass_hook(tmp_path):
    project = _project(tmp_path, "enable_assertion_pass_hook = true\n")
    done = _run(project, str(SCRIPT), "tests")
    assert done.returncode == 0 and "2 written" in done.stdout, done.stdout + done.stderr
    ours = _pycs(project)
    assert sorted(ours) == ["conftest" + PYC_TAIL, "test_sample" + PYC_TAIL]

    ran = _run(project, *PYTEST)  # on our cache
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.count("PASS-HOOK") == 2, ran.stdout  # the hook of each passing assert

    for pyc in (project / "tests" / "__pycache__").glob("*" + PYC_TAIL):
        pyc.unlink()
    ran = _run(project, *PYTEST, write=True)  # pytest writes its own
    assert ran.returncode == 0, ran.stdout + ran.stderr
    theirs = _pycs(project)
    assert sorted(theirs) == sorted(ours)
    for name, data in ours.items():
        assert data[:16] == theirs[name][:16], name  # magic, flags, source hash
        assert _code(marshal.loads(data[16:])) == _code(marshal.loads(theirs[name][16:])), name


def test_nothing_is_written_when_pytest_rewrites_nothing(tmp_path):
    project = _project(tmp_path, 'addopts = "--assert=plain"\n')
    done = _run(project, str(SCRIPT), "tests")
    assert done.returncode == 0 and "none written (--assert=plain" in done.stdout, (
        done.stdout + done.stderr
    )
    assert not (project / "tests" / "__pycache__").exists()
