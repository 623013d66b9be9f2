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


def late_change_csv(path: Path | str, rows: int, column: str, bad_value: str, *, at: int | None = None,
                    rename: dict[str, str] | None = None) -> int:
    """Write a CSV of ``rows`` rows (columns ``id``, ``x`` whole numbers 0..99, ``y`` numbers with
    fractions, ``kind`` text ``a``/``b``) whose ``column`` holds ``bad_value`` on row ``at``
    (0-based; default 90 % down) and its usual values elsewhere; gzip-compressed when ``path``
    ends in ``.gz``; ``rename`` gives columns other names (``column`` is the name in the file).
    Returns ``at``.

    Far enough down, the value lies past the first block both CSV readers infer a column's type
    from: pandas' C reader (``low_memory=True``) parses ``buffer_lines`` rows at a time, the
    largest power of two below ``2**20 // columns`` (pandas/_libs/parsers.pyx,
    ``TextReader.__cinit__``, pandas 2.3.3: 131,072 rows for 4 columns), and pyarrow's CSV reader
    infers from its first block, ``ReadOptions.block_size`` 1 MiB (pyarrow 25.0.1), about 55,000
    rows of this file. 200,000 rows with the default ``at`` pass both.

    The bytes of the last few files made are kept (``_LATE_CHANGE_MADE``, in this process's memory)
    and written again for a call with the same arguments: the same file, without the 1.2-1.7 s of
    CPU that making 200,000 rows (and gzip) costs."""
    import io

    at = int(rows * 0.9) if at is None else at
    if not 0 <= at < rows:
        raise ValueError(f"at must be a row of the file (0..{rows - 1}), got {at}")
    gz = str(path).endswith(".gz")
    key = (rows, column, bad_value, at, tuple(sorted((rename or {}).items())), gz)
    data = _LATE_CHANGE_MADE.get(key)
    if data is None:
        buffer = io.BytesIO()
        _write_late_change_csv(buffer, rows, column, bad_value, at, rename, gz)
        data = buffer.getvalue()
        while len(_LATE_CHANGE_MADE) >= 8:  # a few MB each
            _LATE_CHANGE_MADE.pop(next(iter(_LATE_CHANGE_MADE)))
        _LATE_CHANGE_MADE[key] = data
    Path(path).write_bytes(data)
    return at


# (rows, column, bad_value, at, rename, gzip) -> the bytes late_change_csv wrote for them last
_LATE_CHANGE_MADE: dict[tuple, bytes] = {}


def _write_late_change_csv(out, rows: int, column: str, bad_value: str, at: int,
                           rename: dict[str, str] | None, gz: bool) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(rows)
    frame = pd.DataFrame({"id": np.arange(rows), "x": rng.integers(0, 100, rows),
                          "y": np.round(rng.normal(size=rows), 3), "kind": np.where(np.arange(rows) % 2, "b", "a")})
    frame = frame.rename(columns=rename or {})
    values = frame[column].astype(object)
    values.iloc[at] = bad_value
    frame[column] = values
    # gzip level 1: pandas' default level 9 made a 200,000-row file in 1.24 s of CPU, level 1 in 0.42 s
    frame.to_csv(out, index=False, compression={"method": "gzip", "compresslevel": 1} if gz else None)


def count_zip_name_scans(monkeypatch) -> dict[str, int]:
    """``{"names": n}``: the entry names every ``zipfile.ZipFile.namelist()`` call builds from now on,
    summed (skops 0.16 called it once per array it wrote: tests/unit/test_skops_writes.py)."""
    import zipfile

    count = {"names": 0}
    original = zipfile.ZipFile.namelist

    def counting(self):
        names = original(self)
        count["names"] += len(names)
        return names

    monkeypatch.setattr(zipfile.ZipFile, "namelist", counting)
    return count


class Hung(Exception):
    """A command run by :func:`run_main` outlived its alarm."""


def _alarm(*_):
    raise Hung


def run_main(argv: list[str], capsys, hang_s: int) -> tuple[object, str, str]:
    """``ctloop.cli.main(argv)`` in this process, bounded by ``hang_s`` seconds (SIGALRM):
    ``(exit code or "hung", stdout, stderr)``; argparse's SystemExit gives its code."""
    import signal

    from ctloop.cli import main

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(hang_s)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: its usage lines, then one error line, exit 2
        code = exc.code
    except Hung:
        code = "hung"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    out, err = capsys.readouterr()
    return code, out, err


def cli_exit(argv: list[str]) -> object:
    """``ctloop argv``'s exit code, whether ``main`` returns it or argparse exits with it (a flag's
    type refuses a value while the arguments are parsed: usage, then one line naming the flag)."""
    from ctloop.cli import main

    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def counting_revision(name: str, requests: float, error_rate: float, *, client_requests: float,
                      client_error_rate: float = 0.0, **failed) -> object:
    """``RevisionStats`` of a revision on the ctloop runtime (it counts instances, p99 0.1 s):
    ``requests`` instances in ``client_requests`` requests; ``failed`` the 5xx fields, if any."""
    from ctloop.serving.metric_sources import RevisionStats

    return RevisionStats(name, requests, error_rate, 0.1, client_error_rate=client_error_rate,
                         client_requests=client_requests, counts_instances=True, **failed)
