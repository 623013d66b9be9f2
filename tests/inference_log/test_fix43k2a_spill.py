"""The spill directory of the scan's id hashes: the monitor's second pass takes ``spill_dir`` and
``key_budget`` (collect_partition, collect), and a spill directory that cannot be used is one
error naming it in both passes, never "the day before could not be read" (which would count
the halves of calls split at midnight twice)."""

from __future__ import annotations

import pytest

from ctloop.errors import InferenceLogError
from ctloop.inference_log import scan
from ctloop.monitoring import window
from tests.inference_log.test_fix43b2_lookback import END, START, _half, _write


def _split_calls(root, n=30, m=20):
    # n requests the day before; the first 3 answered after midnight, then m-3 other lone responses
    _write(
        root,
        "2026-01-04",
        "a",
        [_half("request", "2026-01-04T23:59:59.9+00:00", f"req-{i}", income=1.0) for i in range(n)],
    )
    _write(
        root,
        "2026-01-05",
        "b",
        [
            _half(
                "response",
                "2026-01-05T00:00:00.2+00:00",
                f"req-{i}" if i < 3 else f"new-{i}",
                prediction=0.5,
            )
            for i in range(m)
        ],
    )


@pytest.fixture
def not_a_dir(tmp_path):
    path = tmp_path / "not-a-dir"
    path.write_text("x")
    return path


def _pass2(root, **kw):
    files = scan.window_files(str(root), "credit", START, END)
    schema = scan.unified_schema(files)
    involved = scan.involved_ids(files, schema)
    return list(
        scan.scan_unique(
            files, schema, None, START, END, involved, scan.Held(), batch_rows=10, **kw
        )
    )


@pytest.mark.parametrize("where", ["file", "missing"])
def test_an_unusable_spill_dir_of_the_day_before_is_an_error_naming_it(tmp_path, not_a_dir, where):
    root = tmp_path / "log"
    _split_calls(root)
    spill = not_a_dir if where == "file" else tmp_path / "missing"
    assert (
        sum(len(c) for c in _pass2(root, key_budget=5, spill_dir=str(tmp_path))) == 17
    )  # spilled, and right
    with pytest.raises(InferenceLogError, match=f"spill_dir '{spill}'") as info:
        _pass2(root, key_budget=5, spill_dir=str(spill))
    assert "\n" not in str(info.value)


def test_an_unusable_spill_dir_of_pass_1_is_the_same_error(tmp_path, not_a_dir):
    root = tmp_path / "log"
    _split_calls(root)
    with pytest.raises(InferenceLogError, match=f"spill_dir '{not_a_dir}'"):
        list(
            scan.scan_window(
                str(root),
                "credit",
                START,
                END,
                progress=False,
                key_budget=5,
                spill_dir=str(not_a_dir),
            )
        )


def _spec():
    return window.WindowSpec(START, END, START, START, None, ("income",))


def test_collect_partition_spills_the_day_before_to_its_spill_dir(tmp_path, not_a_dir):
    root = tmp_path / "log"
    _split_calls(root)
    planned = window.plan(str(root), "credit", _spec(), 1, batch_rows=10, progress=False)
    window.collect_partition(
        planned, 0, batch_rows=10, progress=False, key_budget=5, spill_dir=str(tmp_path)
    )
    with pytest.raises(InferenceLogError, match=f"spill_dir '{not_a_dir}'"):
        window.collect_partition(
            planned, 0, batch_rows=10, progress=False, key_budget=5, spill_dir=str(not_a_dir)
        )
    # the default budget holds these few ids in memory: the spill directory is not touched
    window.collect_partition(planned, 0, batch_rows=10, progress=False, spill_dir=str(not_a_dir))


def test_collect_passes_its_spill_dir_and_budget_to_both_passes(tmp_path, not_a_dir):
    root = tmp_path / "log"
    _split_calls(root)
    spilled = window.collect(
        str(root),
        "credit",
        _spec(),
        batch_rows=10,
        progress=False,
        key_budget=5,
        spill_dir=str(tmp_path),
    )
    kept = window.collect(str(root), "credit", _spec(), batch_rows=10, progress=False)
    assert (
        spilled.counts == kept.counts and spilled.counts["rows"] == 17
    )  # the 3 split calls count the day before
    with pytest.raises(InferenceLogError, match=f"spill_dir '{not_a_dir}'"):
        window.collect(
            str(root),
            "credit",
            _spec(),
            batch_rows=10,
            progress=False,
            key_budget=5,
            spill_dir=str(not_a_dir),
        )
