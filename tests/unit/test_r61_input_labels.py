"""Round 61, hostile label files: the label store's ``;`` refusal in read_table's words (item 5), and keys that
can never match a logged id (item 3)."""

from __future__ import annotations

import gzip

import pytest

from ctloop.cli import main


def _store_files(store) -> list[tuple[str, bytes]]:
    return sorted((str(p.relative_to(store)), p.read_bytes()) for p in store.rglob("*") if p.is_file()) \
        if store.exists() else []


# item 5: a ';' label file -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "said"), [
    ("r1;0,5\nr2;1,25\n", "decimal commas (e.g. '0,5')"),
    ("r1;1,000\nr2;2,500\n", "thousands separators or decimal commas"),
])
@pytest.mark.parametrize("gz", [False, True])
def test_a_semicolon_label_file_is_refused_in_read_tables_words_naming_its_decimal_commas(
        tmp_path, capsys, rows, said, gz):
    """Before: "write it with ','", which would split '0,5' in two; read_table (storage.refuse_other_separator,
    given the file's first bytes) named the decimal commas and pandas.read_csv(path, sep=';', decimal=',')."""
    from ctloop.errors import DataSourceError
    from ctloop.storage import read_table

    data = ("request_id;label\n" + rows).encode()
    path = tmp_path / ("labels.csv.gz" if gz else "labels.csv")
    path.write_bytes(gzip.compress(data) if gz else data)
    store = tmp_path / "store"
    assert main(["labels", "ingest", "--labels", str(path), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert said in err and "pandas.read_csv(path, sep=';'" in err and "write it with ','" not in err, err
    with pytest.raises(DataSourceError) as read:
        read_table(str(path))
    assert str(read.value) in err  # the same words as read_table's
    assert _store_files(store) == []


def test_a_semicolon_label_file_without_commas_in_its_numbers_is_told_to_use_commas(tmp_path, capsys):
    path = tmp_path / "labels.csv"
    path.write_text("request_id;label\nr1;1\nr2;0\n")
    assert main(["labels", "ingest", "--labels", str(path), "--store", str(tmp_path / "store")]) == 2
    assert "write it with ',' or as Parquet" in capsys.readouterr().err


# item 3: keys no logged id can be -------------------------------------------------------------------------------

LONG = 1 << 20  # ctloop.inference_log.defaults.MAX_HEAD_BYTES


def _write(path, keys: list[str], fmt: str) -> str:
    import pandas as pd

    frame = pd.DataFrame({"request_id": keys, "label": [i % 2 for i in range(len(keys))]})
    if fmt == "csv":
        frame.to_csv(path.with_suffix(".csv"), index=False)
        return str(path.with_suffix(".csv"))
    if fmt == "jsonl":
        frame.to_json(path.with_suffix(".jsonl"), orient="records", lines=True)
        return str(path.with_suffix(".jsonl"))
    frame.to_parquet(path.with_suffix(".parquet"), index=False)
    return str(path.with_suffix(".parquet"))


_UNLOGGED = [
    ("r1\nx", r"'r1\nx'", "control character"),
    ("r1\x00x", r"'r1\x00x'", "control character"),
    ("r1\rx", r"'r1\rx'", "control character"),
    ("k" * (LONG + 1), f"'kkkkkkkkkkkk…kkkkkkkkkkkk' ({LONG + 1} characters)", f"longer than {LONG} bytes (UTF-8)"),
]


# a CSV's NUL is refused as a NUL byte, and a '\r' splits its row (pandas): other rules, not these
@pytest.mark.parametrize(("fmt", "bad", "shown", "why"), [
    (fmt, *case) for fmt in ("csv", "jsonl", "parquet") for case in _UNLOGGED
    if not (fmt == "csv" and case[0][2] in "\x00\r")])
@pytest.mark.parametrize("existing", [False, True])
def test_a_key_no_logged_request_id_can_be_is_refused_naming_column_row_and_value(
        tmp_path, capsys, fmt, bad, shown, why, existing):
    """Before: stored (exit 0) and joined nothing. A ce-id is an HTTP header value (KServe v0.20.0
    pkg/logger/handler.go getOrCreateID), which Go's server refuses with a control character and past 1 MiB."""
    store = tmp_path / "store"
    if existing:
        assert main(["labels", "ingest", "--labels", _write(tmp_path / "first", ["a", "b"], fmt),
                     "--store", str(store)]) == 0
    capsys.readouterr()
    before = _store_files(store)
    path = _write(tmp_path / "labels", ["r0", "r1", "r2", bad, "r4"], fmt)
    assert main(["labels", "ingest", "--labels", path, "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err[:2000]
    assert "column 'request_id' breaks rule 'logged_key' in 1 row(s)" in err and why in err, err[:2000]
    assert f"row 4: {shown}" in err, err[:2000]
    assert len(err) < 2000
    assert _store_files(store) == before


def test_a_tab_in_a_key_is_a_header_value_and_stored(tmp_path, capsys):
    """HTAB is allowed in an HTTP field value (RFC 9110 section 5.5)."""
    store = tmp_path / "store"
    assert main(["labels", "ingest", "--labels", _write(tmp_path / "l", ["r1\tx", "r2"], "csv"),
                 "--store", str(store)]) == 0, capsys.readouterr().err


def test_a_business_key_of_a_metadata_header_has_the_same_rule(tmp_path, capsys):
    import pandas as pd

    path = tmp_path / "l.csv"
    pd.DataFrame({"meta_x_order_id": ["o1", "o\n2"], "label": [0, 1]}).to_csv(path, index=False)
    assert main(["labels", "ingest", "--labels", str(path), "--store", str(tmp_path / "s"),
                 "--key", "meta_x_order_id"]) == 2
    assert "column 'meta_x_order_id' breaks rule 'logged_key'" in capsys.readouterr().err


def test_the_v2_body_id_is_json_text_and_not_held_to_the_header_rule(tmp_path, capsys):
    """meta_inference_id is a v2 body's ``id`` (ctloop.inference_log.events.inference_id): a JSON string may hold
    a newline, so a key holding one may be logged."""
    import pandas as pd

    path = tmp_path / "l.jsonl"
    pd.DataFrame({"meta_inference_id": ["i1", "i2\nx"], "label": [0, 1]}).to_json(path, orient="records", lines=True)
    assert main(["labels", "ingest", "--labels", str(path), "--store", str(tmp_path / "s"),
                 "--key", "meta_inference_id"]) == 0, capsys.readouterr().err


def test_the_key_length_limit_is_the_sinks_head_limit_in_utf8_bytes(tmp_path, capsys):
    """Review 61 L1/L6: the limit was counted in characters (600k two-byte characters, 1.2 MB, passed) and this test
    compared the constant with itself. A key of LONG bytes is stored; one character more, of two bytes, is not."""
    import pandas as pd

    fits, over = "é" * (LONG // 2), "é" * (LONG // 2) + "é"
    assert len(fits.encode()) == LONG and len(over) < LONG < len(over.encode())
    for key, code in ((fits, 0), (over, 2)):
        path = tmp_path / "l.parquet"
        pd.DataFrame({"request_id": [key, "r2"], "label": [0, 1]}).to_parquet(path)
        assert main(["labels", "ingest", "--labels", str(path), "--store", str(tmp_path / f"s{code}")]) == code
        err = capsys.readouterr().err
        assert code == 0 or f"longer than {LONG} bytes (UTF-8)" in err, err[:500]
