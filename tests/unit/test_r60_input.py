"""Round 60's input hardening: bad input is one line naming the parameter or column and its value (exit 2),
and the label store, data and registry are left as they were.

1. memory running out while the label store is written (``labels.store._commit``);
3. a label file's header naming a column the ingest reads twice, once with surrounding spaces;
4. a directory of CSV parts each written with its own pandas index (``contract.drop_unnamed_columns``);
5. a CSV column of numbers one of which no 64-bit integer holds, read by pandas as text.
"""

from __future__ import annotations

import shutil

import pytest

from ctloop.cli import main


def _store_files(store) -> list[tuple[str, bytes]]:
    """Every file below the label store ``store``, with its bytes (the state an ingest refused must keep)."""
    return sorted((str(p.relative_to(store)), p.read_bytes()) for p in store.rglob("*") if p.is_file())


def _labels(path, rows: int = 20, start: int = 0) -> str:
    path.write_text("request_id,label\n" + "".join(f"r{i},{i % 2}\n" for i in range(start, start + rows)))
    return str(path)


# 1. memory running out while the labels are committed ----------------------------------------------------


@pytest.mark.parametrize("whole", [False, True], ids=["streamed", "whole"])
def test_memory_running_out_while_the_store_is_written_is_one_line_and_leaves_the_store(tmp_path, capsys,
                                                                                        monkeypatch, whole):
    """Before: the MemoryError of ``shutil.copyfile`` (the staged labels copied into the store) was a raw
    traceback (exit 1) and ``labels/.part-*.parquet.tmp`` stayed in the store."""
    store = tmp_path / "store"
    assert main(["labels", "ingest", "--labels", _labels(tmp_path / "first.csv"), "--store", str(store)]) == 0
    before = _store_files(store)
    source = tmp_path / "second.csv"
    if whole:  # a header longer than the batches read: the whole file read at once (_ingest_whole)
        source.write_text("request_id,label," + "x" * 70_000 + "\n" + "".join(f"s{i},1,a\n" for i in range(5)))
    else:
        _labels(source, rows=5, start=100)
    capsys.readouterr()
    real_copy = shutil.copyfile

    def runs_out(src, dst, **kw):  # the copy starts (the .tmp file is made), then memory runs out
        real_copy(src, dst, **kw)
        raise MemoryError

    monkeypatch.setattr(shutil, "copyfile", runs_out)
    code = main(["labels", "ingest", "--labels", str(source), "--store", str(store)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert f"{source} does not fit in this process's memory: it ran out while writing its 5 label(s) to the " \
           f"label store {store} (none was added)" in err, err
    assert _store_files(store) == before  # no .part-*.tmp, no part file


def test_memory_running_out_while_a_remote_store_is_written_is_one_line(tmp_path, capsys, monkeypatch, s3):
    """An object store's part is uploaded from the staged file read whole (``Path.read_bytes``)."""
    from pathlib import Path

    from ctloop import storage
    from tests.fixtures.object_stores import fresh_bucket

    store = fresh_bucket(s3, monkeypatch, tmp_path / "home", "store")
    assert main(["labels", "ingest", "--labels", _labels(tmp_path / "first.csv"), "--store", store]) == 0
    before = sorted(storage.list_files(f"{store}/labels"))
    assert len(before) == 1  # one part (the manifest, _ctloop_labels.json, is no data file)
    capsys.readouterr()

    def runs_out(self):
        raise MemoryError

    monkeypatch.setattr(Path, "read_bytes", runs_out)
    code = main(["labels", "ingest", "--labels", _labels(tmp_path / "second.csv", 3, 50), "--store", store])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "it ran out while writing its 3 label(s) to the label store" in err, err
    monkeypatch.undo()
    fresh_bucket(s3, monkeypatch, tmp_path / "home", "store")  # the store's settings again, to list it
    assert sorted(storage.list_files(f"{store}/labels")) == before


# 3. a header naming a column the ingest reads twice, once with surrounding spaces ---------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_label_column_beside_its_spaced_twin_is_refused_naming_both(tmp_path, capsys, fmt):
    """Before: 'label' was read and 'label ' (a spreadsheet's trailing space) left out without a word, though
    the data contract refuses such headers (``contract.alike_names``; ``ctloop drift`` with ``case=True``)."""
    import pandas as pd

    frame = pd.DataFrame({"request_id": ["r1", "r2"], "label": [1, 0], "label ": [0, 1]})
    source = tmp_path / f"labels.{fmt}"
    frame.to_csv(source, index=False) if fmt == "csv" else frame.to_parquet(source)
    store = tmp_path / "store"
    code = main(["labels", "ingest", "--labels", str(source), "--store", str(store)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "columns 'label', 'label ' differ only in surrounding spaces or Unicode form" in err, err
    assert "the ingest reads 'label'" in err, err
    assert not store.exists()


def test_an_optional_column_written_with_a_space_is_refused_not_ignored(tmp_path, capsys):
    """'instance ' alone: before, every label was stored without its instance (the column never read)."""
    source = tmp_path / "labels.csv"
    source.write_text("request_id,label,instance \nr1,1,0\nr1,0,1\n")
    code = main(["labels", "ingest", "--labels", str(source), "--store", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert "column 'instance ' differs from the column read, 'instance', only in surrounding spaces" in err, err
    assert not (tmp_path / "store").exists()


def test_columns_the_ingest_does_not_read_may_be_alike_and_case_keeps_names_apart(tmp_path, capsys):
    source = tmp_path / "labels.csv"
    source.write_text("request_id,label,Label,note,note \nr1,1,x,a,b\nr2,0,y,c,d\n")
    assert main(["labels", "ingest", "--labels", str(source), "--store", str(tmp_path / "store")]) == 0
    assert "appended 2 labels" in capsys.readouterr().out


# 4. a directory of CSV parts each written with its own pandas index ----------------------------------------

DAY = "2025-01-01"


def _parts(start: int, rows=(40, 30, 50)) -> list[tuple[str, str]]:
    """``(name, text)`` of CSV parts each written by a plain ``df.to_csv(path)`` (its own index from ``start``)."""
    import pandas as pd

    out, at = [], 0
    for n, k in enumerate(rows):
        frame = pd.DataFrame({"ts": [f"{pd.Timestamp(DAY) + pd.Timedelta(days=at + i):%Y-%m-%d}" for i in range(k)],
                              "y": [(at + i) % 2 for i in range(k)], "x": [(at + i) * 0.5 for i in range(k)]})
        frame.index += start
        out.append((f"part-{n:05d}.csv", frame.to_csv()))
        at += k
    return out


@pytest.mark.parametrize("start", [0, 1])
def test_prepare_data_leaves_out_each_parts_own_to_csv_index_as_of_one_file(tmp_path, start):
    """Before: a single file's index 0..n-1 was left out with a note (``contract.drop_unnamed_columns``), a
    directory of such files (each 0..k-1) refused: 'column 1 of the header has no name'."""
    from ctloop.components.prepare import core as prepare_core
    from ctloop.config import DataConfig
    from ctloop.storage import read_table

    (tmp_path / "d").mkdir()
    for name, text in _parts(start):
        (tmp_path / "d" / name).write_text(text, encoding="utf-8")
    source = str(tmp_path / "d")
    with pytest.warns(UserWarning) as said:
        result = prepare_core.run(read_table(source), DataConfig(uri=source, target="y", time_column="ts"))
    notes = [str(w.message) for w in said if "of the header has no name" in str(w.message)]
    assert notes == [f"{source}: column 1 of the header has no name and holds each of its 3 files' row positions "
                     f"({start}..k{'-1' * (start == 0)} for a file of k rows), an index written by pandas' to_csv in "
                     "every file: left out"], notes
    assert list(result.train.columns) == ["ts", "y", "x"]


def test_parts_whose_unnamed_column_is_no_index_of_theirs_are_still_refused(tmp_path):
    from ctloop.contract import check_column_names, drop_unnamed_columns
    from ctloop.errors import DataSourceError
    from ctloop.storage import read_table

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "part-0.csv").write_text(",x\n0,1\n1,2\n", encoding="utf-8")
    (tmp_path / "d" / "part-1.csv").write_text(",x\n5,1\n6,2\n", encoding="utf-8")  # not 0..1: data
    with pytest.raises(DataSourceError, match=r"column 1 of the header has no name"):
        check_column_names(drop_unnamed_columns(read_table(str(tmp_path / "d"))))


def test_an_object_store_prefix_of_parts_each_with_its_index_reads_as_a_directory_does(tmp_path, monkeypatch, s3):
    from ctloop import storage
    from ctloop.contract import drop_unnamed_columns
    from tests.fixtures.object_stores import fresh_bucket

    prefix = fresh_bucket(s3, monkeypatch, tmp_path / "home", "exports/")
    for name, text in _parts(0, rows=(3, 4)):
        storage.write_bytes(f"{prefix}{name}", text.encode())
    frame = storage.read_table(prefix)
    with pytest.warns(UserWarning, match=rf"^{prefix}: column 1 of the header has no name and holds each of its 2 "
                                         r"files' row positions \(0\.\.k-1"):
        out = drop_unnamed_columns(frame)
    assert list(out.columns) == ["ts", "y", "x"] and len(out) == 7


# 5. numbers written past what a 64-bit integer holds, which pandas reads as text --------------------------


def _daily(path, values: list[str]) -> str:
    import pandas as pd

    ts = [f"{pd.Timestamp(DAY) + pd.Timedelta(days=i):%Y-%m-%d}" for i in range(len(values))]
    pd.DataFrame({"ts": ts, "x": values, "y": [i % 2 for i in range(len(values))]}).to_csv(path, index=False)
    return str(path)


def test_zero_padding_is_read_as_its_number_and_past_the_float_range_is_refused(tmp_path):
    """What the brief asked about: 400 zeros before a 1 read as 1 (no misreading); 400 zeros after it (past
    float64's range) refused since round 59, naming the column and a value."""
    from ctloop.contract import check_finite
    from ctloop.errors import DataValidationError
    from ctloop.storage import read_table

    padded = read_table(_daily(tmp_path / "p.csv", [f"{'0' * 400}{i}" for i in range(1, 50)]))
    assert padded["x"].dtype == "int64" and padded["x"].iloc[0] == 1
    check_finite(padded)
    huge = read_table(_daily(tmp_path / "h.csv", [*map(str, range(49)), "1" + "0" * 400]))
    with pytest.raises(DataValidationError, match=r"column 'x' breaks rule 'finite' in 1 row\(s\): numbers beyond "
                                                  r"float64's range .* in row 50\)"):
        check_finite(huge)


@pytest.mark.parametrize("value, shown", [
    ("1" + "0" * 25, "'10000000000000000000000000'"),
    ("0" * 400 + "1" + "0" * 25, r"'000000000000…000000000000' \(426 characters: 1e\+25\)"),
    ("1" * 50 + ".5", r"'111111111111…1111111111\.5' \(52 characters: 1\.11111e\+49\)"),
    ("-9223372036854775809", "'-9223372036854775809'"),
], ids=["past-uint64", "padded", "decimal", "below-int64"])
def test_prepare_data_refuses_an_integer_no_64_bit_type_holds_among_integers(tmp_path, value, shown):
    """Before: pandas' integer parse overflowed and kept the whole column as text (every number a category),
    without a word; prepare_data trained it so."""
    from ctloop.components.prepare import core as prepare_core
    from ctloop.config import DataConfig
    from ctloop.errors import DataValidationError
    from ctloop.storage import read_table

    source = _daily(tmp_path / "d.csv", [*map(str, range(199)), value])
    frame = read_table(source)
    assert frame["x"].dtype == object  # as pandas reads it
    with pytest.raises(DataValidationError, match=rf"column 'x' breaks rule 'int64' in 1 row\(s\): an integer past 64 "
                                                  rf"bits \({shown}, row 200\), which made the CSV reader read the whole "
                                                  r"column as text"):
        prepare_core.run(frame, DataConfig(uri=source, target="y", time_column="ts"))


def test_a_negative_integer_beside_one_past_int64_is_refused(tmp_path):
    from ctloop.contract import check_finite
    from ctloop.errors import DataValidationError
    from ctloop.storage import read_table

    frame = read_table(_daily(tmp_path / "d.csv", [*(str(-i) for i in range(49)), "9223372036854775808"]))
    with pytest.raises(DataValidationError, match=r"integers no 64-bit type holds together \('-1', row 2, below 0, and "
                                                  r"'9223372036854775808', row 50, past 2\*\*63 - 1\)"):
        check_finite(frame)


def test_id_columns_of_long_integers_and_parquet_text_stay_text(tmp_path):
    """A column of such integers only is an id column; a Parquet string column is text as its schema says."""
    import pandas as pd

    from ctloop.contract import check_finite
    from ctloop.storage import read_table

    check_finite(read_table(_daily(tmp_path / "ids.csv", [str(10**25 + i) for i in range(50)])))
    check_finite(read_table(_daily(tmp_path / "u64.csv", [*map(str, range(49)), str(2**64 - 1)])))  # uint64
    pd.DataFrame({"x": [*map(str, range(49)), "1" + "0" * 25]}).to_parquet(tmp_path / "t.parquet")
    check_finite(read_table(str(tmp_path / "t.parquet")))


# 2. keys with surrounding spaces: one rule on both sides of the join (checked; pinned) ---------------------


def _served(ids: list[str]):
    import pandas as pd

    t0 = pd.Timestamp("2026-02-01T10:00:00Z")
    return pd.DataFrame({"request_id": ids, "instance": 0, "prediction_1": [0.9, 0.2, 0.7][:len(ids)],
                         "model_version": "1", "revision": "m-00001", "has_request": True, "has_response": True,
                         "time": [(t0 + pd.Timedelta(seconds=i)).isoformat() for i in range(len(ids))],
                         "_time": [t0 + pd.Timedelta(seconds=i) for i in range(len(ids))]})


def test_a_key_with_surrounding_spaces_joins_its_prediction_from_either_side(tmp_path):
    """Both sides key by ``labels.store.normalise_keys`` (the ingest, ``join_labels``/``join_store``, the
    streamed monitor, batch scoring's ids): ' r1 ' in a label file is the logged 'r1', and a key logged with
    a space (a header value the sink kept it in) the label file's 'r2'. No label is lost or joined elsewhere."""
    from ctloop.labels.join import join_labels, join_store
    from ctloop.labels.store import ingest_labels, read_labels

    (tmp_path / "l.csv").write_text("request_id,label\n r1 ,1\nr2,0\nr3 ,1\n")
    store = str(tmp_path / "store")
    assert ingest_labels(str(tmp_path / "l.csv"), store) == 3
    assert sorted(read_labels(store)["request_id"]) == ["r1", "r2", "r3"]  # stored as the log keys them
    logs = _served(["r1", " r2", "r3"])
    for joined in (join_labels(logs, read_labels(store)), join_store(logs, store)):
        pairs = zip(joined.frame["request_id"], joined.frame["label"], strict=True)
        assert sorted(pairs) == [(" r2", 0), ("r1", 1), ("r3", 1)]


def test_two_spellings_of_one_key_in_one_file_are_one_key_as_a_repeated_key_is(tmp_path):
    """'r1' and ' r1 ' in one file are one key (no logged key can tell them apart, above): with one label_time and
    two labels they are refused naming both rows, as 'r1' written twice is; without a time the later row wins."""
    from ctloop.errors import DataValidationError
    from ctloop.labels.store import ingest_labels, read_labels

    (tmp_path / "t.csv").write_text("request_id,label,label_time\nr1,1,2026-02-01T11:00:00Z\n"
                                    " r1 ,0,2026-02-01T11:00:00Z\n")
    with pytest.raises(DataValidationError, match=r"'r1' has labels 1 and 0 with the same label_time \(rows 1 and 2\)"):
        ingest_labels(str(tmp_path / "t.csv"), str(tmp_path / "a"))
    assert not (tmp_path / "a").exists()
    (tmp_path / "u.csv").write_text("request_id,label\nr1,1\n r1 ,0\n")
    assert ingest_labels(str(tmp_path / "u.csv"), str(tmp_path / "b")) == 1
    assert read_labels(str(tmp_path / "b"))[["request_id", "label"]].values.tolist() == [["r1", 0]]


# sweep: a value of megabytes in a label file ------------------------------------------------------------------

_MB = 1 << 20


@pytest.mark.parametrize("case", ["kind", "mixed", "time", "instance", "conflict"])
def test_a_refusal_quotes_a_huge_value_by_its_start_not_whole(tmp_path, capsys, case):
    """Before: the refusal's one line quoted the value whole: a label of 1 MiB made a line of 1 MiB (the sweep's
    10 MB line, a 10 MB error line). Now as ``contract.shown_value`` quotes values: 40 characters at most."""
    store = tmp_path / "store"
    big = "7" * _MB
    text = {"kind": f"request_id,label\nr1,{'a' * _MB}\n",
            "mixed": f"request_id,label\nr1,1\nr2,{'a' * _MB}\n",
            "time": f"request_id,label,label_time\nr1,1,{big}\n",
            "instance": f"request_id,label,instance\nr1,1,{big}\n",
            "conflict": f"request_id,label,label_time\n{'k' * _MB},1,2026-01-01T00:00:00Z\n"
                        f"{'k' * _MB},0,2026-01-01T00:00:00Z\n"}[case]
    if case == "kind":  # into a store of numbers
        assert main(["labels", "ingest", "--labels", _labels(tmp_path / "first.csv"), "--store", str(store)]) == 0
    before = _store_files(store) if store.exists() else None
    (tmp_path / "big.csv").write_text(text)
    capsys.readouterr()
    code = main(["labels", "ingest", "--labels", str(tmp_path / "big.csv"), "--store", str(store)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "…" in err, err[:300]
    assert len(err) < 600, err[:300]
    assert (_store_files(store) if store.exists() else None) == before


@pytest.mark.parametrize("lines, said", [
    ('{"request_id": "r1", "label": 1, "label ": 0}\n', "line 1: fields 'label', 'label ' differ only in "
                                                        "surrounding spaces or Unicode form (one field to a reader)"),
    ('{"request_id": "r1", "label": 1}\n{"request_id": "r2", "label": 0, "instance ": 2}\n',
     "line 2: field 'instance ' differs from the field read, 'instance', only in surrounding spaces"),
], ids=["beside", "alone"])
def test_a_json_lines_field_spelled_with_a_space_is_refused_as_a_header_is(tmp_path, capsys, lines, said):
    """JSON lines read only the fields named exactly: 'label ' and 'instance ' were left out without a word."""
    (tmp_path / "l.jsonl").write_text(lines)
    code = main(["labels", "ingest", "--labels", str(tmp_path / "l.jsonl"), "--store", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and said in err, err
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize("repeats", [False, True], ids=["plain", "repeated-name-parse"])
def test_a_json_line_nested_past_the_recursion_limit_is_one_line(tmp_path, capsys, repeats):
    """Before: json.loads raised RecursionError, a traceback (exit 1), found by the round 60 sweep."""
    deep = "[" * 5_000 + "]" * 5_000  # past the recursion limit (1,000)
    field = '"\\u006eote": 1, ' if repeats else ""  # an escape in a name: parsed by _without_repeated_fields
    (tmp_path / "l.jsonl").write_text(f'{{"request_id": "r1", "label": 1}}\n{{{field}"request_id": {deep}, '
                                      '"label": 1}\n')
    code = main(["labels", "ingest", "--labels", str(tmp_path / "l.jsonl"), "--store", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err[-500:]
    assert "l.jsonl is not a readable JSON lines file: line 2: maximum recursion depth exceeded" in err, err
    assert not (tmp_path / "store").exists()


def test_a_store_manifest_nested_past_the_recursion_limit_is_one_line_and_kept(tmp_path, capsys):
    store = tmp_path / "store"
    (store / "labels").mkdir(parents=True)
    (store / "labels" / "_ctloop_labels.json").write_text("[" * 5_000 + "]" * 5_000)
    before = _store_files(store)
    code = main(["labels", "ingest", "--labels", _labels(tmp_path / "l.csv"), "--store", str(store)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err[-500:]
    assert "_ctloop_labels.json is not a label store manifest (RecursionError: maximum recursion depth" in err, err
    assert _store_files(store) == before
