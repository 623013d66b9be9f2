"""``ctloop labels ingest`` reads a label file in bounded batches: it never reads the source whole
(``read_table``/``read_bytes``: ~450 MB per million labels), stores what the whole-file read
stored, and keeps every rule across batches (conflicts, one kind of label, nothing written for a
refused file). Memory numbers: benchmarks/bench_r38_labels_ingest.py."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.labels import store as label_store
from ctloop.labels.store import ingest_labels, read_labels


def no_whole_reads(monkeypatch, source: str) -> None:
    """Reading ``source`` whole (or the whole-file ingest) fails the test; other reads (a store's
    manifest) go through."""
    def guard(real):
        def whole(uri, *args, **kwargs):
            assert uri != source, f"the label file was read whole: {uri}"
            return real(uri, *args, **kwargs)

        return whole

    for module, name in ((storage, "read_table"), (storage, "read_bytes"), (label_store, "_ingest_whole")):
        monkeypatch.setattr(module, name, guard(getattr(module, name)))


def files(tmp_path) -> dict[str, tuple[str, str]]:
    """Real-shaped label files, each with its key."""
    rng = np.random.default_rng(3)
    n = 23
    ids = [f"req-{i:05d}" for i in range(n)]
    timed = pd.DataFrame({"request_id": ids, "label": rng.integers(0, 2, n),
                          "label_time": [f"2026-02-0{1 + i % 3}T10:00:00+01:00" for i in range(n)]})
    out = {}
    timed.to_csv(tmp_path / "timed.csv", index=False)
    out["timed csv"] = (str(tmp_path / "timed.csv"), "request_id")
    (tmp_path / "timed.csv.gz").write_bytes(gzip.compress((tmp_path / "timed.csv").read_bytes()))
    out["gzipped csv"] = (str(tmp_path / "timed.csv.gz"), "request_id")
    # no label_time, keys repeated: the later row of a key wins (across batches too)
    untimed = pd.DataFrame({"meta_x_order_id": [f"{70000 + i % 9:07d}" for i in range(n)],
                            "outcome": ["approved" if v else "denied" for v in rng.integers(0, 2, n)]})
    untimed.to_csv(tmp_path / "untimed.csv", index=False)
    out["untimed text csv"] = (str(tmp_path / "untimed.csv"), "meta_x_order_id")
    batched = pd.DataFrame({"request_id": np.repeat(ids[:8], 3), "instance": np.tile([0, 1, 2], 8),
                            "label": rng.normal(100, 20, 24).round(2), "label_time": "2026-02-01T10:00:00Z"})
    batched.to_csv(tmp_path / "batched.csv", index=False)
    out["instances csv"] = (str(tmp_path / "batched.csv"), "request_id")
    pq = pd.DataFrame({"meta_x_order_id": np.arange(1001, 1001 + n, dtype="int64"),
                       "label": pd.array(rng.integers(0, 3, n), dtype="Int64"),
                       "label_time": pd.date_range("2026-02-01", periods=n, freq="h", tz="UTC")})
    pq.set_index("meta_x_order_id").to_parquet(tmp_path / "indexed.parquet", row_group_size=5)
    out["parquet, key as index"] = (str(tmp_path / "indexed.parquet"), "meta_x_order_id")
    return out


@pytest.mark.parametrize("name", ["timed csv", "gzipped csv", "untimed text csv", "instances csv",
                                  "parquet, key as index"])
def test_ingest_reads_the_file_in_batches_and_stores_what_the_whole_read_stored(tmp_path, monkeypatch, name):
    source, key = files(tmp_path)[name]
    column = "outcome" if name == "untimed text csv" else "label"
    expected_rows = ingest_labels(source, str(tmp_path / "whole"), key=key, label=column)
    expected = read_labels(str(tmp_path / "whole"))
    no_whole_reads(monkeypatch, source)
    assert ingest_labels(source, str(tmp_path / "streamed"), key=key, label=column, batch_rows=4) == expected_rows
    got = read_labels(str(tmp_path / "streamed"))
    if name == "untimed text csv":  # the ingest's own time
        got, expected = got.drop(columns="label_time"), expected.drop(columns="label_time")
    pd.testing.assert_frame_equal(got, expected)
    assert label_store.store_key(str(tmp_path / "streamed")) == key


def test_the_cli_ingest_does_not_read_the_file_whole(tmp_path, monkeypatch, capsys):
    source, _ = files(tmp_path)["timed csv"]
    no_whole_reads(monkeypatch, source)
    assert main(["labels", "ingest", "--labels", source, "--store", str(tmp_path / "s")]) == 0
    assert "appended 23 labels" in capsys.readouterr().out


def refused(tmp_path, capsys, text: str, batch_rows: int = 2) -> str:
    (tmp_path / "labels.csv").write_text(text)
    with pytest.raises(Exception) as caught:
        ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"), batch_rows=batch_rows)
    return str(caught.value)


def test_a_conflict_between_batches_is_refused_naming_both_rows(tmp_path, capsys):
    text = ("request_id,label,label_time\na,1,2026-02-01T10:00:00Z\nb,0,2026-02-01T10:00:00Z\n"
            "c,1,2026-02-01T10:00:00Z\na,0,2026-02-01T11:00:00+01:00\n")
    why = refused(tmp_path, capsys, text)
    assert "'a' has labels 1 and 0 with the same label_time (rows 1 and 4)" in why, why
    assert not (tmp_path / "store").exists()


def test_numbers_in_one_batch_and_names_in_another_are_refused(tmp_path, capsys):
    why = refused(tmp_path, capsys, "request_id,label\na,1\nb,0\nc,approved\n")
    assert "labels mix numbers and text (e.g. 'approved')" in why, why
    assert not (tmp_path / "store").exists()


def test_a_bad_row_in_a_later_batch_is_named_by_its_row_in_the_file(tmp_path, capsys):
    why = refused(tmp_path, capsys, "request_id,label,label_time\na,1,2026-02-01\nb,0,2026-02-01\nc,1,04/12/2026\n")
    assert "row 3: '04/12/2026'" in why, why


def test_a_refused_file_leaves_an_existing_store_as_it_was(tmp_path, capsys):
    (tmp_path / "first.csv").write_text("request_id,label\na,1\nb,0\n")
    ingest_labels(str(tmp_path / "first.csv"), str(tmp_path / "store"))
    before = sorted(p.name for p in (tmp_path / "store" / "labels").iterdir())
    why = refused(tmp_path, capsys, "request_id,label\nc,1\nd,0\ne,x\n")
    assert "labels mix numbers and text" in why
    (tmp_path / "names.csv").write_text("request_id,label\nc,yes\nd,no\ne,no\n")
    with pytest.raises(Exception, match="the store's labels are numbers"):
        ingest_labels(str(tmp_path / "names.csv"), str(tmp_path / "store"), batch_rows=2)
    assert sorted(p.name for p in (tmp_path / "store" / "labels").iterdir()) == before
