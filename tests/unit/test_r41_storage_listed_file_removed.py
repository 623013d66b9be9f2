"""A file removed (or renamed away) while a local directory is listed: ``local_files`` looked at it
(``is_file``) and then asked its size (``stat``) to leave zero-byte files out; removed in between — a
writer renaming its part into place, a clean-up deleting a stale chunk — the listing failed with a raw
``FileNotFoundError`` traceback, for the dataset reader (``ctloop drift``, ``ctloop score --data DIR``)
and, since ``list_files`` leaves zero-byte files out too (round 41), for the label store and the
inference log. A file gone by the time it is looked at is now left out, as one removed a moment before
the listing is."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ctloop import storage


def test_a_file_removed_while_listed_is_left_out(tmp_path, monkeypatch):
    root = tmp_path / "log"
    root.mkdir()
    for name in ("part-0.parquet", "part-1.parquet"):
        pd.DataFrame({"a": [1.0]}).to_parquet(root / name)
    real_is_file = Path.is_file

    def is_file(self):
        found = real_is_file(self)
        if found and self.name == "part-1.parquet":
            self.unlink()  # renamed away by its writer right after it was looked at
        return found

    monkeypatch.setattr(Path, "is_file", is_file)
    assert [Path(u).name for u in storage.list_files(str(root), ".parquet")] == ["part-0.parquet"]
