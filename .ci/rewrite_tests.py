"""Write pytest's cache of assertion-rewritten test modules once, before ``make test`` starts its workers.

Every pytest process (each xdist worker, each test's own pytest) parses, rewrites and compiles
every test module it collects, unless it finds the module's rewritten pyc in ``__pycache__``;
under ``PYTHONDONTWRITEBYTECODE`` it never writes one, and on a clean clone the workers collect
at the same moment, so each rewrote all ~950 modules: ~11 s of CPU in every worker. This writes
the pyc of every ``test_*.py`` and ``conftest.py`` as pytest itself does (pytest 9.2
``_pytest/assertion/rewrite.py``: ``_rewrite_test``, ``_write_pyc_fp``, hash-checked, so a stale
one is ignored), over all cores; pytest reads them whatever ``PYTHONDONTWRITEBYTECODE`` says.
A module already cached is skipped. Usage: ``python .ci/rewrite_tests.py tests``.
"""

from __future__ import annotations

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


def _write(fn: Path) -> bool:
    pyc = get_cache_dir(fn) / (fn.name[:-3] + PYC_TAIL)
    if _read_pyc(fn, pyc, lambda *_: None) is not None:
        return False
    source_hash, co = _rewrite_test(fn, None)  # no config: the default ini (no assertion pass hook)
    pyc.parent.mkdir(exist_ok=True)
    partial = f"{pyc}.{os.getpid()}"
    with open(partial, "wb") as fp:
        _write_pyc_fp(fp, source_hash, co)
    os.replace(partial, pyc)  # atomic, as pytest's own: a reader sees a whole pyc or none
    return True


def main(roots: list[str]) -> int:
    files = sorted(
        f
        for root in roots
        for f in Path(root).rglob("*.py")
        if f.name == "conftest.py" or (f.name.startswith("test_") and f.suffix == ".py")
    )
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        written = sum(pool.map(_write, files, chunksize=16))
    print(f"pytest's rewritten pyc: {written} written, {len(files) - written} up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["tests"]))
