"""Label keys that spell one of pandas' missing-value words (``NA``, ``null``, ``None``, ``nan``,
``N/A``: ``pandas._libs.parsers.STR_NA_VALUES``, pandas 2.3.3) are identifiers written by the
producer, not gaps: ``ctloop labels ingest`` stored no label for them (the file was refused,
"labels without a key value"), although the inference log keeps such request ids and ``meta_*``
keys as text. Only an empty cell is a missing key."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.inference_log.reader import read_log
from ctloop.labels.join import join_store
from ctloop.labels.store import read_labels

WORDS = ["NA", "null", "None", "nan", "N/A", "NULL", "n/a", "#N/A", "<NA>", "NaN", "-nan", "1.#QNAN"]


def ingest(tmp_path, path, *extra) -> tuple[int, str]:
    return main(["labels", "ingest", "--labels", str(path), "--store", str(tmp_path / "store"), *extra]), ""


def write_log(root, keys: list[str], column: str) -> None:
    """An inference log partition as the sink writes it: the keys as text."""
    part = root / "model=credit" / "date=2026-02-01" / "revision=credit-00001"
    part.mkdir(parents=True)
    n = len(keys)
    pd.DataFrame({"request_id": keys if column == "request_id" else [f"r{i}" for i in range(n)],
                  **({column: keys} if column != "request_id" else {}),
                  "instance": 0, "time": [f"2026-02-01T10:00:{i:02d}+00:00" for i in range(n)],
                  "model_version": "1", "revision": "credit-00001", "prediction_1": 0.7,
                  "has_request": True, "has_response": True}).to_parquet(part / "part-0.parquet", index=False)


@pytest.mark.parametrize("column", ["request_id", "meta_x_order_id"])
def test_csv_keys_spelling_a_missing_word_are_stored_and_join_the_log(tmp_path, capsys, column):
    text = f"{column},label,label_time\n" + "".join(
        f"{w},{i % 2},2026-02-02T00:00:00Z\n" for i, w in enumerate(WORDS)) + "ord-1,1,2026-02-02T00:00:00Z\n"
    (tmp_path / "labels.csv").write_text(text)
    code = main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "store"),
                 "--key", column])
    out, err = capsys.readouterr()
    assert code == 0 and f"appended {len(WORDS) + 1} labels" in out, err
    stored = read_labels(str(tmp_path / "store"))
    assert stored[column].tolist() == [*WORDS, "ord-1"]
    write_log(tmp_path / "log", [*WORDS, "ord-1"], column)
    logs = read_log(str(tmp_path / "log"), "credit", pd.Timestamp("2026-02-01T00:00Z"),
                    pd.Timestamp("2026-02-02T00:00Z"))
    joined = join_store(logs, str(tmp_path / "store")).frame
    assert dict(zip(joined[column], joined["label"], strict=True)) == {
        **{w: float(i % 2) for i, w in enumerate(WORDS)}, "ord-1": 1.0}


def test_gzipped_csv_keys_spelling_a_missing_word_are_stored(tmp_path, capsys):
    import gzip

    (tmp_path / "labels.csv.gz").write_bytes(gzip.compress(b"request_id,label\nNA,1\nnull,0\n"))
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv.gz"),
                 "--store", str(tmp_path / "store")]) == 0, capsys.readouterr().err
    assert read_labels(str(tmp_path / "store"))["request_id"].tolist() == ["NA", "null"]


@pytest.mark.parametrize("text", ["request_id,label\nNA,1\n,0\n", 'request_id,label\nNA,1\n"",0\n'])
def test_an_empty_key_cell_is_still_a_missing_key(tmp_path, capsys, text):
    (tmp_path / "labels.csv").write_text(text)
    code = main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 2 and "column 'request_id' breaks rule 'non_null' in 1 row(s): labels without a key value" in err
    assert err.count("\n") == 1 and not (tmp_path / "store").exists()


def test_missing_words_in_other_columns_keep_their_meaning(tmp_path, capsys):
    """Only the key is read as written: a label ``NA`` is still a label without a value."""
    (tmp_path / "labels.csv").write_text("request_id,label\nNA,NA\nb,1\n")
    code = main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 2 and "column 'label' breaks rule 'non_null' in 1 row(s): labels without a value" in err, err


def test_parquet_text_keys_spelling_a_missing_word_are_stored_and_nulls_stay_missing(tmp_path, capsys):
    pd.DataFrame({"request_id": ["NA", "None", "nan"], "label": [1, 0, 1]}).to_parquet(tmp_path / "a.parquet")
    assert main(["labels", "ingest", "--labels", str(tmp_path / "a.parquet"),
                 "--store", str(tmp_path / "store")]) == 0, capsys.readouterr().err
    assert read_labels(str(tmp_path / "store"))["request_id"].tolist() == ["NA", "None", "nan"]
    pd.DataFrame({"request_id": ["NA", None], "label": [1, 0]}).to_parquet(tmp_path / "b.parquet")
    code = main(["labels", "ingest", "--labels", str(tmp_path / "b.parquet"), "--store", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 2 and "labels without a key value" in err and err.count("\n") == 1, err
