"""Round 53's review of the labels hardening (commits 88b78047, 12ce5175): a JSON lines object
naming a field twice went unseen when the name is not ASCII or is written with escapes, and a Parquet
label file of no rows holding date-times was refused as breaking 'class_or_target' in 0 rows."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.cli import main


@pytest.mark.parametrize(
    "line, field, extra",
    [
        (
            '{"request_id": "a", "résultat": 1, "résultat": 0}',
            "résultat",
            ["--label-column", "résultat"],
        ),
        ('{"request_id": "a", "request\\u005fid": "b", "label": 1}', "request_id", []),
        ('{"request_id": "a", "label": 1, "l\\u0061bel": 0}', "label", []),
        (
            '{"request_id": "a", "r\\u00e9sultat": 1, "résultat": 0}',
            "résultat",
            ["--label-column", "résultat"],
        ),
        ('{"request_id": "a", "a/b": 1, "a\\/b": 0}', "a/b", ["--label-column", "a/b"]),
    ],
    ids=["non-ascii", "escaped-key", "escaped-label", "escaped-non-ascii", "escaped-slash"],
)
def test_a_field_named_twice_in_another_spelling_is_refused(tmp_path, capsys, line, field, extra):
    """The guard counted each name as json.dumps writes it: "r\\u00e9sultat" (ensure_ascii) never
    matched the line's UTF-8, and "request\\u005fid" is request_id to any JSON reader. Both lost a
    label, exit 0, nothing said."""
    (tmp_path / "l.jsonl").write_text(line + "\n", encoding="utf-8")
    store = tmp_path / "store"
    args = [
        "labels",
        "ingest",
        "--labels",
        str(tmp_path / "l.jsonl"),
        "--store",
        str(store),
        *extra,
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.endswith(
        f"is not a readable JSON lines file: line 1: field {field!r} is given 2 times in one object: which "
        "one holds is the reader's choice (RFC 8259 §4); give each field once\n"
    ), err
    assert err.count("\n") == 1 and not store.exists()


def test_escapes_elsewhere_and_a_non_ascii_label_column_given_once_are_read(tmp_path, capsys):
    (tmp_path / "l.jsonl").write_text(
        '{"request_id": "caf\\u00e9", "r\\u00e9sultat": 1, "note": "\\u0041", "context": {"résultat": 0}}\n'
        '{"request_id": "b", "résultat": 0}\n',
        encoding="utf-8",
    )
    store = tmp_path / "store"
    args = ["labels", "ingest", "--labels", str(tmp_path / "l.jsonl"), "--store", str(store)]
    assert main([*args, "--label-column", "résultat"]) == 0
    from ctloop.labels.store import read_labels

    got = read_labels(str(store))
    assert got["request_id"].tolist() == ["café", "b"] and got["label"].tolist() == [1, 0]


@pytest.mark.parametrize(
    "dtype, said",
    [("datetime64[ns, UTC]", "date-times"), ("timedelta64[ns]", "durations")],
    ids=["timestamp", "duration"],
)
def test_a_parquet_file_of_no_rows_whose_label_column_holds_times_says_so(
    tmp_path, capsys, dtype, said
):
    """Was: "column 'label' breaks rule 'class_or_target' in 0 row(s): labels are date-times, ..."
    of a file holding no label (a quiet period's export, its label column the event time)."""
    path = tmp_path / "l.parquet"
    pd.DataFrame(
        {"request_id": pd.Series([], dtype=object), "label": pd.Series([], dtype=dtype)}
    ).to_parquet(path)
    store = tmp_path / "store"
    assert main(["labels", "ingest", "--labels", str(path), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: --labels: {path}: column 'label' holds {said} (its Parquet type; the file has no rows), not a "
        "class or a regressor's target: is --label-column the column of the outcome? (a time of the outcome is "
        "label_time)\n"
    ), err
    assert not store.exists()


def test_a_line_with_escapes_is_parsed_once(tmp_path, capsys, monkeypatch):
    """Round 53's second review: a line holding a \\u escape (every non-ASCII line of a file written by
    Python's json.dumps) was parsed twice, once to read it and once to look for a repeated name: about
    +45% CPU on such a file. It is parsed once, with the names kept."""
    import json

    from ctloop.labels import store as label_store

    lines = [f'{{"request_id": "caf\\u00e9{i}", "label": {i % 2}}}' for i in range(5)]
    (tmp_path / "l.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls = []
    loads = json.loads
    monkeypatch.setattr(
        label_store.json, "loads", lambda *a, **k: calls.append(1) or loads(*a, **k)
    )
    args = [
        "labels",
        "ingest",
        "--labels",
        str(tmp_path / "l.jsonl"),
        "--store",
        str(tmp_path / "s"),
    ]
    assert main(args) == 0
    assert len(calls) == 5, len(calls)  # before: 10
