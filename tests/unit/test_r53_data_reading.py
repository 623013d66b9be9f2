"""Reading tables, round 53 (r53-data): drift's listings, globs of directories, compressed CSV.

* ``ctloop drift`` with the default engine (``auto``) opened each side twice: once to count its cells
  (``streaming.choose_engine``), once to read it (``streaming.read_side``). A directory was listed twice
  and each listing warning (a zero-byte part, a README left out) said twice where warnings are not
  deduplicated (``-W always``, a notebook, pytest). Each side is now opened once.
* ``ctloop drift``/``ctloop score`` given a glob matching directories (``data/*/``) listed each without the
  refusals ``storage.directory_table`` makes for a directory (a Hudi table, a Spark job's ``_temporary/``
  without ``_SUCCESS``, a part whose format its name does not say: left out silently). Each matched
  directory is now read as it is named on its own.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from ctloop import scoring, storage
from ctloop.cli import main
from ctloop.errors import CtloopError


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


GLOBBED = {
    # a Hudi partition matched by the glob: every version's rows were read
    "hudi": ({"a/.hoodie/hoodie.properties": b"x", "a/part-0.csv": b"", "b/part-0.csv": b""}, "Apache Hudi table"),
    # a Hive job's part without an extension beside the CSV parts: left out silently, its rows lost
    "stray": ({"a/part-0.csv": b"", "b/part-0.csv": b"", "b/000000_0": b"x,n\n1.0,1\n"}, "cannot tell the format"),
    # a Spark job still writing: its _temporary/ attempt read
    "temporary": ({"a/part-0.csv": b"", "b/part-0.csv": b"", "b/_temporary/0/part-1.csv": b""}, "no _SUCCESS"),
}


@pytest.mark.parametrize("layout", GLOBBED)
def test_a_glob_of_directories_refuses_each_as_a_directory_is_refused(tmp_path, capsys, layout):
    files, said = GLOBBED[layout]
    _write(tmp_path / "g", {name: data or _csv(ROWS) for name, data in files.items()})
    cur = _write(tmp_path / "cur", {"part-0.csv": _csv(ROWS)})
    for side in (["--reference", f"{tmp_path}/g/*/", "--current", cur], ["--reference", cur, "--current", f"{tmp_path}/g/*"]):
        assert main(["drift", *side, "--quiet"]) == 2
        err = capsys.readouterr().err
        assert said in err and len(err.strip().splitlines()) == 1, err
        assert err.startswith(f"error: {side[0] if '*' in side[1] else side[2]}: {tmp_path}/g/"), err  # the flag, the glob
    with pytest.raises(CtloopError, match=said):  # ctloop score's reader: the same
        scoring.open_input(f"{tmp_path}/g/*/")
