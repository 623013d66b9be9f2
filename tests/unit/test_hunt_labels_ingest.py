"""``ctloop labels ingest`` of real-shaped Parquet label files with nullable dtypes: a gap is one
line naming the column and row (exit 2), never a traceback, and the store is left as it was."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.cli import main


@pytest.mark.parametrize("label, token", [
    # a nullable integer label column with a gap (a SQL export of an outcome not known yet)
    (pd.array([1, None], dtype="Int64"), "column 'label' breaks rule 'non_null' in 1 row(s): labels without a value"),
    (pd.array([0.5, None], dtype="Float64"), "column 'label' breaks rule 'non_null' in 1 row(s)"),
])
def test_a_nullable_number_label_with_a_gap_is_one_line(tmp_path, capsys, label, token):
    pd.DataFrame({"request_id": ["a", "b"], "label": label}).to_parquet(tmp_path / "labels.parquet")
    code = main(["labels", "ingest", "--labels", str(tmp_path / "labels.parquet"), "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and token in err and err.count("\n") == 1, err
    assert not (tmp_path / "s").exists()


def test_a_missing_time_in_a_parquet_timestamp_label_time_is_one_line_naming_its_row(tmp_path, capsys):
    pd.DataFrame({"request_id": ["a", "b", "c"], "label": [1, 0, 1],
                  "label_time": pd.to_datetime(["2026-03-29 02:30", "2026-03-29 03:30", None])}
                 ).to_parquet(tmp_path / "labels.parquet")
    code = main(["labels", "ingest", "--labels", str(tmp_path / "labels.parquet"), "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and "column 'label_time'" in err and "row 3: an empty value" in err and err.count("\n") == 1, err
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("text", ["request_id,label\n   ,1\nb,0\n", "request_id,label\nb,0\n\t,1\n"])
def test_a_blank_key_is_a_missing_key_not_the_key_empty_text(tmp_path, capsys, text):
    """A key of spaces was stored as the key "" (it would join every logged row whose key is
    empty: one label copied onto many predictions); it is a missing key, refused like an empty one."""
    (tmp_path / "labels.csv").write_text(text)
    code = main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and "column 'request_id' breaks rule 'non_null' in 1 row(s): labels without a key value" in err, err
    assert err.count("\n") == 1 and not (tmp_path / "s").exists()


def test_blank_logged_keys_join_no_label():
    from ctloop.labels.join import join_labels
    from ctloop.labels.store import normalise_keys

    assert normalise_keys(pd.Series(["  ", "", " a ", None], dtype=object)).isna().tolist() == [True, True, False, True]
    assert normalise_keys(pd.Series(["  ", 1], dtype=object)).isna().tolist() == [True, False]
    logs = pd.DataFrame({"meta_x_order_id": ["", " ", "7"], "request_id": ["r1", "r2", "r3"], "instance": 0,
                         "prediction_1": 0.5, "has_request": True, "has_response": True})
    labels = pd.DataFrame({"meta_x_order_id": ["", "7"], "label": [1.0, 0.0],
                           "label_time": "2026-01-01T00:00:00+00:00"})  # an older store holding the key ""
    assert join_labels(logs, labels).frame["request_id"].tolist() == ["r3"]


def test_a_parquet_date_label_time_is_that_days_midnight_utc_as_the_same_csv_text_is(tmp_path, capsys):
    """A SQL DATE exported to Parquet (date32) was refused as "must be an ISO 8601 time ... '2026-01-01'",
    the very text a CSV gives and that is stored as 2026-01-01T00:00:00+00:00."""
    import datetime as dt

    from ctloop.labels.store import read_labels

    pd.DataFrame({"request_id": ["a", "a", "b"], "label": [1, 0, 1],
                  "label_time": [dt.date(2026, 1, 2), dt.date(2026, 1, 1), dt.date(2026, 1, 1)]}
                 ).to_parquet(tmp_path / "labels.parquet")  # object of datetime.date: written as date32
    import pyarrow.parquet as pq

    assert str(pq.read_schema(tmp_path / "labels.parquet").field("label_time").type) == "date32[day]"
    (tmp_path / "labels.csv").write_text("request_id,label,label_time\na,1,2026-01-02\na,0,2026-01-01\nb,1,2026-01-01\n")
    for name in ("labels.parquet", "labels.csv"):
        code = main(["labels", "ingest", "--labels", str(tmp_path / name), "--store", str(tmp_path / f"s-{name}")])
        assert code == 0, capsys.readouterr().err
    stored = [read_labels(str(tmp_path / f"s-{name}"))[["request_id", "label", "label_time"]] for name in
              ("labels.parquet", "labels.csv")]
    assert stored[0]["label_time"].tolist() == ["2026-01-02T00:00:00+00:00", "2026-01-01T00:00:00+00:00",
                                                "2026-01-01T00:00:00+00:00"]
    pd.testing.assert_frame_equal(stored[0], stored[1])


def test_a_parquet_date_label_time_with_a_gap_is_one_line_naming_its_row(tmp_path, capsys):
    import datetime as dt

    pd.DataFrame({"request_id": ["a", "b"], "label": [1, 0], "label_time": [dt.date(2026, 1, 2), None]}
                 ).to_parquet(tmp_path / "labels.parquet")
    code = main(["labels", "ingest", "--labels", str(tmp_path / "labels.parquet"), "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and "column 'label_time'" in err and "row 2: an empty value" in err and err.count("\n") == 1, err


def test_a_key_written_as_the_parquet_files_pandas_index_is_read(tmp_path, capsys):
    """``labels.set_index("request_id").to_parquet(...)``: pandas keeps the key as the file's index
    (pandas metadata), and the ingest said the column is missing ("columns: 'label'")."""
    from ctloop.labels.store import read_labels

    pd.DataFrame({"request_id": ["a", "b"], "label": [1, 0]}).set_index("request_id").to_parquet(tmp_path / "l.parquet")
    code = main(["labels", "ingest", "--labels", str(tmp_path / "l.parquet"), "--store", str(tmp_path / "s")])
    assert code == 0, capsys.readouterr().err
    assert read_labels(str(tmp_path / "s"))[["request_id", "label"]].values.tolist() == [["a", 1.0], ["b", 0.0]]


def _binary_labels(tmp_path, keys, labels, key_type=None):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"request_id": pa.array(keys, key_type or pa.binary()),
                             "label": pa.array(labels, pa.binary())}), tmp_path / "labels.parquet")
    return main(["labels", "ingest", "--labels", str(tmp_path / "labels.parquet"), "--store", str(tmp_path / "s")])


def test_byte_array_keys_and_labels_without_the_utf8_annotation_are_their_text(tmp_path, capsys):
    """Spark, Hive and Impala write strings as Parquet BYTE_ARRAY without the UTF8 annotation (what
    Spark's spark.sql.parquet.binaryAsString reads back as text: Spark SQL guide, Parquet Files, Configuration,
    Spark 3.5); pyarrow reads them as bytes, and the
    store kept the key "b'r1'" (joining nothing) and the label "b'yes'" (no class of any model)."""
    from ctloop.labels.join import join_store

    assert _binary_labels(tmp_path, [b"r1", b"R2 "], [b"yes", b"no"]) == 0, capsys.readouterr().err
    logs = pd.DataFrame({"request_id": ["r1", "R2"], "instance": 0, "prediction_1": 0.5, "has_request": True,
                         "has_response": True})
    assert join_store(logs, str(tmp_path / "s")).frame[["request_id", "label"]].values.tolist() == [
        ["r1", "yes"], ["R2", "no"]]


def test_parquet_uuid_keys_are_the_uuids_text(tmp_path, capsys):
    """A key column of Parquet's UUID type (16 bytes: a uuid column exported from Postgres, DuckDB) is
    the UUID's text KServe logs as ce-id (lower case, dashes), not its bytes' repr."""
    import uuid

    import pyarrow as pa

    from ctloop.labels.join import join_store

    ids = [uuid.UUID(int=7 * 2**100 + i) for i in range(2)]
    assert _binary_labels(tmp_path, [u.bytes for u in ids], [b"1", b"0"], pa.binary(16)) == 0, capsys.readouterr().err
    logs = pd.DataFrame({"request_id": [str(u) for u in ids], "instance": 0, "prediction_1": 0.5,
                         "has_request": True, "has_response": True})
    assert join_store(logs, str(tmp_path / "s")).frame["label"].tolist() == [1.0, 0.0]


def test_bytes_that_are_no_text_are_one_line_naming_the_column_and_row(tmp_path, capsys):
    assert _binary_labels(tmp_path, [b"r1", b"\xff\xfe\x00"], [b"1", b"0"]) == 2
    err = capsys.readouterr().err
    assert "column 'request_id'" in err and "row 2: b'\\xff\\xfe\\x00'" in err and err.count("\n") == 1, err
    assert not (tmp_path / "s").exists()
