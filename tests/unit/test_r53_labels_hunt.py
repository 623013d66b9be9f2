"""Hostile label files found in round 53's hunt: one line, exit 2, the store left as it was."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.cli import main


@pytest.mark.parametrize(
    "line, field, code",
    [
        (b'{"request_id": "\\ud800", "label": "no"}', "request_id", "\\ud800"),
        (b'{"request_id": "a", "label": "no\\udc00"}', "label", "\\udc00"),
    ],
    ids=["key", "label"],
)
def test_an_unpaired_surrogate_escape_in_json_lines_is_refused_naming_line_and_field(
    tmp_path, capsys, line, field, code
):
    """JSON may escape half of a UTF-16 surrogate pair alone (RFC 8259 §8.2: such a string's meaning
    is unpredictable); Python's json reads it as a lone code point no UTF-8 holds: the ingest failed
    with a UnicodeEncodeError traceback (exit 1) hashing the keys."""
    (tmp_path / "l.jsonl").write_bytes(b'{"request_id": "ok", "label": "yes"}\n' + line + b"\n")
    store = tmp_path / "store"
    assert (
        main(["labels", "ingest", "--labels", str(tmp_path / "l.jsonl"), "--store", str(store)])
        == 2
    )
    err = capsys.readouterr().err
    assert err == (
        f"error: --labels: {tmp_path / 'l.jsonl'} is not a readable JSON lines file: line 2: field {field!r} "
        f"holds an unpaired surrogate escape ({code}), no Unicode character: write the character itself, "
        "or both halves of its surrogate pair\n"
    ), err
    assert not store.exists()


def test_a_surrogate_pair_and_other_fields_are_read(tmp_path, capsys):
    (tmp_path / "l.jsonl").write_bytes(
        b'{"request_id": "\\ud83d\\ude00", "label": 1, "note": "\\ud800"}\n'
    )
    store = tmp_path / "store"
    assert (
        main(["labels", "ingest", "--labels", str(tmp_path / "l.jsonl"), "--store", str(store)])
        == 0
    )
    from ctloop.labels.store import read_labels

    assert read_labels(str(store))["request_id"].tolist() == ["\U0001f600"]


@pytest.mark.parametrize(
    "values, said",
    [
        (
            ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"],
            "date-times (e.g. '2026-01-01 00:00:00+00:00')",
        ),
        ([pd.Timedelta("1D"), pd.Timedelta("2D")], "durations (e.g. '1 days 00:00:00')"),
    ],
    ids=["timestamp", "duration"],
)
def test_a_parquet_label_column_of_times_is_refused(tmp_path, capsys, values, said):
    """A Parquet label column of timestamps (or durations) was stored as numbers, nanoseconds since
    1970: 2026-01-01 as the regressor target 1.7672256e+18, exit 0."""
    label = pd.to_datetime(values, utc=True) if isinstance(values[0], str) else values
    pd.DataFrame({"request_id": ["a", "b"], "label": label}).to_parquet(tmp_path / "l.parquet")
    store = tmp_path / "store"
    assert (
        main(["labels", "ingest", "--labels", str(tmp_path / "l.parquet"), "--store", str(store)])
        == 2
    )
    err = capsys.readouterr().err
    assert (
        f"column 'label' breaks rule 'class_or_target' in 2 row(s): labels are {said}, not a class or a "
        "regressor's target"
        in err
        and err.count("\n") == 1
    ), err
    assert not store.exists()


@pytest.mark.parametrize(
    "line, field",
    [
        (b'{"request_id": "a", "request_id": "b", "label": 1}', "request_id"),
        (b'{"request_id": "b", "label": 1, "label": 0}', "label"),
    ],
    ids=["key", "label"],
)
def test_a_json_lines_object_naming_a_field_twice_is_refused(tmp_path, capsys, line, field):
    """RFC 8259 §4: an object's names should be unique, and a reader's choice among repeated ones is
    unpredictable. Python's json took the last: b was labelled, a's label lost, nothing said (exit 0).
    A nested object repeating a field's name is no repeat."""
    nested = b'{"request_id": "n", "context": {"request_id": "x", "label": 0}, "label": 1}\n'
    (tmp_path / "l.jsonl").write_bytes(nested + line + b"\n")
    store = tmp_path / "store"
    assert (
        main(["labels", "ingest", "--labels", str(tmp_path / "l.jsonl"), "--store", str(store)])
        == 2
    )
    err = capsys.readouterr().err
    assert err.endswith(
        f"is not a readable JSON lines file: line 2: field {field!r} is given 2 times in one object: which "
        "one holds is the reader's choice (RFC 8259 §4); give each field once\n"
    ), err
    assert not store.exists()
    (tmp_path / "l.jsonl").write_bytes(nested)
    assert (
        main(["labels", "ingest", "--labels", str(tmp_path / "l.jsonl"), "--store", str(store)])
        == 0
    )
