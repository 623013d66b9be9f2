"""Write pytest's cache of assertion-rewritten test modules once, before ``make test`` starts its workers.

Every pytest process (each xdist worker, each test's own pytest) parses, rewrites and compiles
every test module it collects, unless it finds the module's rewritten pyc in ``__pycache__``;
under ``PYTHONDONTWRITEBYTECODE`` it never writes one, and on a clean clone the workers collect
at the same moment, so each rewrote all ~950 modules: ~11 s of CPU in every worker. This writes
the pyc of every test module (``python_files``) and ``conftest.py`` as pytest itself does (pytest
9.2 ``_pytest/assertion/rewrite.py``: ``_rewrite_test``, ``_write_pyc_fp``, hash-checked, so a
stale one is ignored), over all cores; pytest reads them whatever ``PYTHONDONTWRITEBYTECODE`` says.

The rewriting takes the configuration pytest runs with (its ini file, ``PYTEST_ADDOPTS`` and the
arguments given here: ``enable_assertion_pass_hook`` changes the code written), so it is built
as ``pytest ARGS`` builds it, conftest files left out; under ``--assert=plain`` pytest rewrites
nothing and this writes nothing. A module already cached is skipped (as pytest skips it).
Usage: ``python .ci/rewrite_tests.py [PYTEST ARGS]`` (the test paths given, else ``testpaths``).
tests/unit/test_fix45s_rewrite_tests.py checks the pyc written against pytest's own.
"""

from __future__ import annotations

import fnmatch
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from _pytest.assertion.rewrite import (
    PYC_TAIL,
    _read_pyc,
    _rewrite_test,
    _write_pyc_fp,
    get_cache_dir,
)
from _pytest.config import Config, _prepareconfig

CONFIG: Config | None = None  # pytest's configuration, built before the workers fork


def pytest_config(args: list[str]) -> Config:
    """The configuration ``pytest ARGS`` runs with (ini file, ``PYTEST_ADDOPTS``, plugins), no cache
    written and no conftest loaded: rewriting reads one ini option, ``enable_assertion_pass_hook``."""
    return _prepareconfig(["--noconftest", "-p", "no:cacheprovider", *args])


def _write(fn: Path) -> bool:
    pyc = get_cache_dir(fn) / (fn.name[:-3] + PYC_TAIL)
    if _read_pyc(fn, pyc, lambda *_: None) is not None:
        return False
    source_hash, co = _rewrite_test(fn, CONFIG)
    pyc.parent.mkdir(exist_ok=True)
    partial = f"{pyc}.{os.getpid()}"
    with open(partial, "wb") as fp:
        _write_pyc_fp(fp, source_hash, co)
    os.replace(partial, pyc)  # atomic, as pytest's own: a reader sees a whole pyc or none
    return True


def modules_to_rewrite(config: Config) -> list[Path]:
    """The ``conftest.py`` and test modules (``python_files``) under the test paths pytest collects."""
    patterns = config.getini("python_files")
    paths = [Path(config.invocation_params.dir, arg.split("::")[0]) for arg in config.args]
    found = {p for p in paths if p.is_file()}
    found |= {f for p in paths if p.is_dir() for f in p.rglob("*.py")}
    return sorted(
        f
        for f in found
        if f.name == "conftest.py" or any(fnmatch.fnmatch(f.name, pat) for pat in patterns)
    )


def main(args: list[str]) -> int:
    global CONFIG
    CONFIG = config = pytest_config(args)
    mode = config.getoption("assertmode")
    if mode != "rewrite":
        print(f"pytest's rewritten pyc: none written (--assert={mode}: nothing is rewritten)")
        return 0
    files = modules_to_rewrite(config)
    # forked, the workers inherit CONFIG (a Config does not pickle)
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=fork) as pool:
        written = sum(pool.map(_write, files, chunksize=16))
    hook = " (with the assertion pass hook)" if config.getini("enable_assertion_pass_hook") else ""
    print(f"pytest's rewritten pyc{hook}: {written} written, {len(files) - written} up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
