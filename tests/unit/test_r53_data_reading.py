"""Reading tables, round 53 (r53-data): drift's listings, globs of directories, compressed CSV.

* ``ctloop drift`` with the default engine (``auto``) opened each side twice: once to count its cells
  (``streaming.choose_engine``), once to read it (``streaming.read_side``). A directory was listed twice
  and each listing warning (a zero-byte part, a README left out) said twice where warnings are not
  deduplicated (``-W always``, a notebook, pytest). Each side is now opened once.
"""

from __future__ import annotations

import warnings

import pandas as pd

from ctloop import storage
from ctloop.cli import main


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


ROWS = pd.DataFrame({"x": [float(i % 7) for i in range(40)], "n": [i % 3 for i in range(40)]})


def _write(root, files: dict[str, bytes]) -> str:
    for name, data in files.items():
        storage.write_bytes(f"{root}/{name}", data)
    return str(root)


def test_ctloop_drift_lists_a_directory_once_and_warns_once(tmp_path, capsys, monkeypatch):
    ref = _write(tmp_path / "ref", {"part-0.csv": _csv(ROWS)})
    cur = _write(tmp_path / "cur", {"part-0.csv": _csv(ROWS), "part-1.csv": b"", "README.md": b"# export\n"})
    listed = []
    real = storage.directory_table

    def counted(uri, *args, **kwargs):
        listed.append(uri)
        return real(uri, *args, **kwargs)

    monkeypatch.setattr(storage, "directory_table", counted)  # the real listing, counted
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["drift", "--reference", ref, "--current", cur, "--quiet"]) == 0, capsys.readouterr().err
    assert sorted(listed) == sorted([ref, cur])  # one listing a side (was two: the engine's choice, then the read)
    said = [str(w.message) for w in caught if cur in str(w.message)]
    assert len(said) == 2 and any("zero-byte" in s for s in said) and any("README.md" in s for s in said), said
