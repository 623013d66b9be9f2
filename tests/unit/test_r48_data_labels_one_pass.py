"""A CSV label file is read in one pass: until round 48 ``labels._csv_batches`` opened it twice
(a second pandas reader of the label column alone, to see classes written ``01``), so every row was
parsed twice and a file on an object store downloaded twice. The label column is now read as text in
the same pass and typed as pandas types it (each distinct text parsed once by pandas' own reader),
so the batches are what the two readers gave: numbers, true/false, text, gaps, codes with a leading
zero, quoted newlines and quotes alike."""

from __future__ import annotations

import gzip
import io

import pandas as pd
import pytest
from pandas._libs.parsers import STR_NA_VALUES

from ctloop.labels import store as label_store
from ctloop.storage import FLOATS

CELLS = {
    "ints_with_a_gap": ["1", "", "0", "1", "0"],
    "code_in_the_second_batch": ["1", "2", "01", "3", "1"],
    "true_false_with_a_gap": ["True", "false", "", "TRUE", "False"],
    "floats_and_words": ["1.5", "NA", "1e3", "-0", "nan"],
    "text": ["approved", "declined", "approved", "", "n/a"],
    "quoted_newline": ['"line\nbreak"', "a", "b", "c", "d"],
    "quoted_quote": ['"say ""hi"""', "1", "2", "3", "4"],
    "past_int64": ["18446744073709551615", "1", "2", "3", "4"],
    "past_uint64": ["18446744073709551616", "1", "2", "3", "4"],
    "spaces_and_signs": [" 2 ", "+1", "-3", "4", "5"],
    "all_gaps": ["", "", "", "", ""],
    "true_false_with_spaces": [" true", "false ", "x", "", "True"],
    "carriage_return": ['"a\rb"', "a", "b", "c", "d"],
}


def _write(tmp_path, name: str, cells: list[str], gzipped: bool = False) -> str:
    text = "request_id,label,label_time\n" + "".join(
        f"r{i},{cell},2026-02-01T10:00:0{i}Z\n" for i, cell in enumerate(cells))
    path = tmp_path / (f"{name}.csv.gz" if gzipped else f"{name}.csv")
    path.write_bytes(gzip.compress(text.encode()) if gzipped else text.encode())
    return str(path)


def _two_readers(path: str, batch_rows: int) -> list[pd.DataFrame]:
    """The batches as the two readers made them (pandas' types, the label's text beside it)."""
    with open(path, "rb") as fh:
        raw = fh.read()
    compression = "gzip" if raw[:2] == b"\x1f\x8b" else None
    na = {"request_id": [""], "label": list(STR_NA_VALUES), "label_time": list(STR_NA_VALUES)}
    typed = pd.read_csv(io.BytesIO(raw), compression=compression, dtype={"request_id": str}, keep_default_na=False,
                        na_values=na, float_precision=FLOATS, chunksize=batch_rows, low_memory=False)
    written = pd.read_csv(io.BytesIO(raw), compression=compression, usecols=["label"], dtype=str,
                          keep_default_na=False, na_values={"label": na["label"]}, chunksize=batch_rows,
                          low_memory=False)
    out, coded = [], False
    for chunk, text in zip(typed, written, strict=True):
        chunk["label"], coded = label_store._codes_as_written(chunk["label"], text["label"], coded)
        out.append(chunk)
    return out


@pytest.mark.parametrize("gzipped", [False, True], ids=["csv", "csv_gz"])
@pytest.mark.parametrize("name", sorted(CELLS))
def test_one_pass_reads_what_two_readers_read(tmp_path, name, gzipped):
    path = _write(tmp_path, name, CELLS[name], gzipped)
    got = list(label_store._csv_batches(path, "request_id", 2, "label", None))
    want = _two_readers(path, 2)
    assert len(got) == len(want)
    for one, other in zip(got, want, strict=True):
        pd.testing.assert_frame_equal(one, other)


def test_the_file_is_opened_once_after_its_header(tmp_path, monkeypatch):
    path = _write(tmp_path, "codes", CELLS["code_in_the_second_batch"])
    opened = []
    real = label_store._open_stream

    def counting(uri):
        opened.append(uri)
        return real(uri)

    monkeypatch.setattr(label_store, "_open_stream", counting)
    batches = list(label_store._csv_batches(path, "request_id", 2, "label", None))
    assert [b["label"].tolist() for b in batches] == [[1, 2], ["01", "3"], ["1"]]
    assert opened == [path, path]  # the header, then the rows: one read of the data


def test_a_new_store_keeps_codes_read_in_one_pass(tmp_path):
    path = _write(tmp_path, "codes", ["01", "02", "10", "", "7"][:3] + ["03", "7"])
    store = str(tmp_path / "store")
    assert label_store.ingest_labels(path, store, batch_rows=2) == 5
    assert sorted(label_store.read_labels(store)["label"].tolist()) == ["01", "02", "03", "10", "7"]
