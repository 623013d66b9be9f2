"""``ctloop labels ingest`` reads JSON lines (.jsonl/.ndjson, gzipped or not: a common export of
label producers — BigQuery's NEWLINE_DELIMITED_JSON, Spark's ``df.write.json``, Kafka sinks)
with the streaming and the rules of CSV/Parquet. Before, it refused them ("cannot tell the format
of 'labels.jsonl' from its name")."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.labels import store as label_store
from ctloop.labels.store import ingest_labels, read_labels

ROWS = [{"request_id": f"req-{i:03d}", "label": i % 2, "label_time": f"2026-02-0{1 + i % 3}T10:00:00+01:00",
         "score_source": "crm"} for i in range(9)]


def lines(records) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def no_whole_reads(monkeypatch, source: str) -> None:
    def guard(real):
        def whole(uri, *args, **kwargs):
            assert uri != source, f"the label file was read whole: {uri}"
            return real(uri, *args, **kwargs)

        return whole

    for module, name in ((storage, "read_table"), (storage, "read_bytes"), (label_store, "_ingest_whole")):
        monkeypatch.setattr(module, name, guard(getattr(module, name)))


@pytest.mark.parametrize("name", ["labels.jsonl", "labels.ndjson", "labels.jsonl.gz", "gzipped-anyway.jsonl"])
def test_json_lines_store_what_the_same_csv_stores(tmp_path, monkeypatch, name):
    pd.DataFrame(ROWS).to_csv(tmp_path / "labels.csv", index=False)
    ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "from-csv"))
    data = lines(ROWS).encode()
    (tmp_path / name).write_bytes(gzip.compress(data) if "gz" in name else data)
    no_whole_reads(monkeypatch, str(tmp_path / name))
    assert ingest_labels(str(tmp_path / name), str(tmp_path / "from-json"), batch_rows=4) == len(ROWS)
    pd.testing.assert_frame_equal(read_labels(str(tmp_path / "from-json")), read_labels(str(tmp_path / "from-csv")))


def test_number_keys_are_their_digits_and_true_false_labels_are_one_and_zero(tmp_path, capsys):
    (tmp_path / "l.jsonl").write_text(lines([
        {"meta_x_order_id": 18446744073709551615, "label": True},
        {"meta_x_order_id": "00123", "label": False},
        {"meta_x_order_id": 1001.0, "label": 1}]) + "\n")  # a trailing blank line
    assert main(["labels", "ingest", "--labels", str(tmp_path / "l.jsonl"), "--store", str(tmp_path / "s"),
                 "--key", "meta_x_order_id"]) == 0
    assert "appended 3 labels keyed by meta_x_order_id" in capsys.readouterr().out
    got = read_labels(str(tmp_path / "s"))
    assert got["meta_x_order_id"].tolist() == ["18446744073709551615", "00123", "1001"]
    assert got["label"].tolist() == [1.0, 0.0, 1.0]


@pytest.mark.parametrize(("text", "said"), [
    (lines(ROWS[:5]) + '{"request_id": "x", "label": 1, "label_time": 1770000000}\n',
     "column 'label_time' breaks rule 'iso_8601' in 1 row(s): label_time must be an ISO 8601 time, e.g. "
     "2026-01-06T10:00:00Z; row 6: '1770000000'"),
    (lines(ROWS[:3]) + '{"request_id": "x", "label": 1,\n',
     "labels.jsonl is not a readable JSON lines file: line 4: Expecting property name enclosed in double quotes"),
    (lines(ROWS[:2]) + '["x", 1]\n', "labels.jsonl is not a readable JSON lines file: line 3 is a JSON list, not "
     "an object"),
    (lines([{"request_id": "a", "label": 1}] * 4 + [{"request_id": "b", "label": 0, "label_time": "2026-02-01"}]),
     "column 'label_time' breaks rule 'iso_8601' in 4 row(s): label_time must be an ISO 8601 time, e.g. "
     "2026-01-06T10:00:00Z; row 1: an empty value"),
    (lines([{"request_id": "a", "label": 1}, {"request_id": "b"}, {"label": 0}]),
     "column 'request_id' breaks rule 'non_null' in 1 row(s): labels without a key value; column 'label' breaks "
     "rule 'non_null' in 1 row(s): labels without a value"),
    (lines([{"request_id": "a", "label": 1}, {"request_id": "b", "label": "approved"}]),
     "labels mix numbers and text (e.g. 'approved')"),
    (lines([{"request_id": ["a"], "label": 1}]), "values must be single values, not lists or maps; row 1: ['a']"),
])
def test_a_bad_json_lines_file_is_one_line_naming_its_row(tmp_path, capsys, text, said):
    (tmp_path / "labels.jsonl").write_text(text)
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.jsonl"), "--store", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1, err
    assert not (tmp_path / "s").exists()


def test_a_field_first_given_in_a_later_batch_is_refused_naming_its_row(tmp_path):
    """Objects of earlier batches lack it (within a batch: empty values, as above)."""
    (tmp_path / "l.jsonl").write_text(lines([{"request_id": "a", "label": 1}] * 4 +
                                            [{"request_id": "b", "label": 0, "label_time": "2026-02-01"}]))
    with pytest.raises(Exception, match="field 'label_time' first appears on row 5 of .*l.jsonl, after 4 row"):
        ingest_labels(str(tmp_path / "l.jsonl"), str(tmp_path / "s"), batch_rows=2)
    assert not (tmp_path / "s").exists()


def test_a_json_document_name_is_refused_naming_json_lines(tmp_path, capsys):
    (tmp_path / "labels.json").write_text(lines(ROWS[:2]))
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.json"), "--store", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "JSON lines (.jsonl, .ndjson, gzipped .gz); a .json file of one JSON object a line is JSON lines: name " \
           "it .jsonl" in err and err.count("\n") == 1, err
