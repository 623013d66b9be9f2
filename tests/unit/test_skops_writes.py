"""A model of many arrays is written in time linear in its arrays.

skops 0.16 (``skops/io/_numpy.py``, ``ndarray_get_state``) checks every array's name against
``ZipFile.namelist()``, the list of every entry written so far: n²/2 comparisons for n arrays (a
300-class HistGradientBoosting holds 30,000 trees). These tests count the entries those calls scan,
not time (``benchmarks/bench_model_io.py`` measures the time)."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from ctloop import artifacts
from tests.helpers import count_zip_name_scans


@pytest.fixture
def scanned(monkeypatch):
    return count_zip_name_scans(monkeypatch)


def _many_trees(classes: int = 12, iterations: int = 8):
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(30 * classes, 4))
    y = rng.integers(0, classes, len(x))
    return HistGradientBoostingClassifier(max_iter=iterations, early_stopping=False).fit(x, y), x


def test_dumps_skops_scans_no_entry_list_per_array(scanned):
    model, x = _many_trees()
    data = artifacts.dumps_skops(model, trusted=artifacts.TRUSTED_SKOPS_TYPES)
    assert scanned["names"] == 0  # main: one scan per array, ~n²/2 names (~9,000 here)
    copy = artifacts.loads_skops(data, trusted=artifacts.TRUSTED_SKOPS_TYPES)
    np.testing.assert_array_equal(copy.predict_proba(x), model.predict_proba(x))


def test_the_write_is_the_stock_write_with_an_index(scanned):
    """Outside the block skops is untouched; inside, the archive holds the same entries."""
    import skops.io as sio

    model, x = _many_trees(classes=3, iterations=3)
    stock = sio.dumps(model)
    assert scanned["names"] > 0
    ours = artifacts.dumps_skops(model)
    with zipfile.ZipFile(__import__("io").BytesIO(stock)) as a, zipfile.ZipFile(__import__("io").BytesIO(ours)) as b:
        assert len(a.namelist()) == len(b.namelist())
        assert sorted(i.file_size for i in a.infolist()) == sorted(i.file_size for i in b.infolist())
    import skops.io._persist as persist

    assert persist.ZipFile is zipfile.ZipFile  # restored


def test_nested_blocks_and_errors_restore_skops():
    import skops.io._persist as persist

    with pytest.raises(RuntimeError), artifacts.linear_skops_writes():
        with artifacts.linear_skops_writes():
            assert persist.ZipFile is not zipfile.ZipFile
        assert persist.ZipFile is not zipfile.ZipFile
        raise RuntimeError("boom")
    assert persist.ZipFile is zipfile.ZipFile


def test_the_names_view_is_a_sequence():
    import io

    with zipfile.ZipFile(io.BytesIO(), "w") as zf, artifacts.linear_skops_writes():
        zf.writestr("a.npy", b"1")
        zf.writestr("b.npy", b"2")
        names = artifacts._Names(zf)
        assert "a.npy" in names and "c.npy" not in names
        assert list(names) == ["a.npy", "b.npy"] and names[-1] == "b.npy" and names[:1] == ["a.npy"]
        assert len(names) == 2
