"""``ctloop labels ingest`` fed hostile files: bad input is one line naming the column and value,
exit code 2, and the store is left as it was; odd but good input is stored."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.labels import store as label_store
from ctloop.labels.join import index_store, join_store

GOOD = "request_id,label,label_time\nr0,1,2026-01-01T00:00:00Z\n"


def _store_files(store) -> list[str]:
    return sorted(p.name for p in (store / "labels").iterdir())


@pytest.mark.parametrize("text, flags, token", [
    ("request_id,label\nr1,inf\nr2,1\n", [], "column 'label' breaks rule 'finite' in 1 row(s): labels must be "
     "finite numbers within ±1e+150 (a class or a regressor's target: metrics square them); row 1: inf"),
    ("request_id,label\nr1,1\nr2,-inf\n", [], "row 2: -inf"),
    ("request_id,label\nr1,1\nr2,1e308\n", [], "row 2: 1e+308"),
    ("request_id,label,instance\nr1,1,1e308\n", [], "column 'instance' breaks rule 'non_negative_int'"),
    ("request_id,label,instance\nr1,1,16777216\n", [], "below 16777216 (e.g. 16777216)"),
    ("request_id,label,label_time\nr1,1,2026-01-01T00:00:00Z\nr1,0,2026-01-01T00:00:00Z\n", [],
     "column 'request_id' breaks rule 'one_label' in 2 row(s): 'r1' has labels 1 and 0 with the same label_time "
     "(rows 1 and 2)"),
    ("request_id,instance,label,label_time\nr1,0,1,2026-01-01T00:00:00Z\nr1,1,0,2026-01-01T00:00:00Z\n"
     "r1,1,1,2026-01-01T00:00:00+00:00\n", [], "'r1' instance 1 has labels 0 and 1 with the same label_time "
     "(rows 2 and 3)"),
    ("request_id,outcome\nr1,1\n", ["--label-column", "request_id"], "label column 'request_id' is the key column"),
    ("request_id,outcome,label_time\nr1,1,2026-01-01T00:00:00Z\n", ["--label-column", "label_time"],
     "label column 'label_time' is"),
    ('"request\nid",label\nr1,1\n', [], "columns: 'request\\nid', 'label'"),
])
def test_bad_label_files_are_one_line_exit_2_and_leave_the_store_as_it_was(tmp_path, capsys, text, flags, token):
    store = tmp_path / "store"
    (tmp_path / "good.csv").write_text(GOOD)
    assert main(["labels", "ingest", "--labels", str(tmp_path / "good.csv"), "--store", str(store)]) == 0
    before = _store_files(store)
    capsys.readouterr()
    (tmp_path / "bad.csv").write_text(text)
    code = main(["labels", "ingest", "--labels", str(tmp_path / "bad.csv"), "--store", str(store), *flags])
    err = capsys.readouterr().err
    assert code == 2 and token in err and err.count("\n") == 1, err
    assert _store_files(store) == before


def test_odd_but_good_label_files_are_stored(tmp_path, capsys):
    """Header only (nothing to append), a BOM, keys with leading zeros, the same label twice, a
    relabel at a later time, 1e100 (a regressor's target) all ingest; the store still joins."""
    store = tmp_path / "store"
    files = {"header.csv": "request_id,label\n",
             "bom.csv": "\ufeffrequest_id,label,label_time\n007,1,2026-01-01T00:00:00Z\n",
             "twice.csv": "request_id,label,label_time\n7,0,2026-01-01T00:00:00Z\n7,0,2026-01-01T00:00:00Z\n"
                          "7,1,2026-01-02T00:00:00Z\n",
             "big.csv": "request_id,label,label_time\n8,1e100,2026-01-01T00:00:00Z\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert main(["labels", "ingest", "--labels", str(tmp_path / name), "--store", str(store)]) == 0, name
        if name == "header.csv":  # nothing to append: nothing written (no empty part file, no manifest)
            assert not store.exists() and "warning: nothing ingested" in capsys.readouterr().err
    logs = pd.DataFrame({"request_id": ["007", "7", "8"], "instance": 0, "prediction": 0.5, "has_request": True,
                         "has_response": True})
    got = join_store(logs, str(store)).frame.set_index("request_id")["label"].to_dict()
    assert got == {"007": 1.0, "7": 1.0, "8": 1e100}
    assert len(index_store(str(store))) == 3
    assert label_store.store_key(str(store)) == "request_id"


def _logged_and_labelled(tmp_path) -> tuple[str, str]:
    """A log of 40 served rows of credit v1 on 2026-12-03 and a store labelling each."""
    import numpy as np

    day = tmp_path / "logs" / "model=credit" / "date=2026-12-03" / "revision=credit-predictor-00001"
    day.mkdir(parents=True)
    n = 40
    pd.DataFrame({"request_id": [f"r{i}" for i in range(n)], "instance": 0, "model": "credit", "model_version": "1",
                  "revision": "credit-predictor-00001", "time": [f"2026-12-03T10:{i:02d}:00+00:00" for i in range(n)],
                  "has_request": True, "has_response": True, "prediction_1": np.linspace(0, 1, n)}
                 ).to_parquet(day / "part-1.parquet")
    (tmp_path / "labels.csv").write_text("request_id,label,label_time\n" + "".join(
        f"r{i},{i % 2},2026-12-03T12:00:00Z\n" for i in range(n)))
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "store")]) == 0
    return str(tmp_path / "logs"), str(tmp_path / "store")


def test_classes_sorted_as_text_labels_are_a_classifier_order():
    """A model of text labels "1", "10", "2" keeps classes_ ['1', '10', '2'] (np.unique of text):
    an order that reads as numbers must not be the only one accepted (review)."""
    from ctloop.cli.labels import _sorted_classes

    assert ["1", "10", "2"] in _sorted_classes(("1", "10", "2")) and ["1", "2", "10"] in _sorted_classes(("1", "2", "10"))
    assert _sorted_classes(("no", "yes")) == [["no", "yes"]]


@pytest.mark.parametrize("flags, token", [
    (["--classes", "0,0,1"], "--classes names '0' twice: give the model's classes once each, in its order"),
    # scikit-learn keeps classes_ sorted (np.unique) and prediction_<i> scores the i-th: '1,0' inverted every metric
    (["--classes", "1,0"], "--classes 1,0 is not a scikit-learn classifier's order: its classes_ are sorted and "
                           "prediction_<i> scores the i-th; give --classes 0,1"),
    (["--classes", "yes,no"], "give --classes no,yes"),
    (["--classes", "9,10,2"], "give --classes 2,9,10 (numbers) or 10,2,9 (text labels)"),
    (["--output", "{tmp}/labels.csv"], "{tmp}/labels.csv is a file"),
    (["--store", "{tmp}/typo"], "--store: no label store at {tmp}/typo"),
    (["--log-root", "{tmp}/typo"], "--log-root: no inference log at {tmp}/typo"),
    # a mistyped model printed "no labelled predictions in this period" and exited 0
    (["--model-name", "credti"], "--model-name: the inference log at {tmp}/logs holds no rows of model 'credti' "
                                 "(models there: credit)"),
])
def test_a_bad_report_argument_is_one_line_before_any_work(tmp_path, capsys, flags, token):
    logs, store = _logged_and_labelled(tmp_path)
    capsys.readouterr()
    flags = [f.format(tmp=tmp_path) for f in flags]
    code = main(["labels", "report", "--log-root", logs, "--store", store, "--model-name", "credit", "--start",
                 "2026-12-03", "--end", "2026-12-04", *flags])
    captured = capsys.readouterr()
    assert code == 2 and captured.err.count("\n") == 1 and token.format(tmp=tmp_path) in captured.err, captured.err
    assert captured.out == ""  # refused before the report was computed and printed
    assert not (tmp_path / "typo").exists()


def test_the_report_of_a_good_store_is_computed(tmp_path, capsys):
    logs, store = _logged_and_labelled(tmp_path)
    assert main(["labels", "report", "--log-root", logs, "--store", store, "--model-name", "credit", "--start",
                 "2026-12-03", "--end", "2026-12-04", "--output", str(tmp_path / "out")]) == 0
    assert "40 labelled rows" in capsys.readouterr().out and (tmp_path / "out" / "realized.json").exists()


@pytest.mark.parametrize("manifest", ["{not json", "[]", '{"format": 1}', '{"key": ""}'])
def test_a_broken_store_manifest_is_one_line_naming_it(tmp_path, capsys, manifest):
    (tmp_path / "store" / "labels").mkdir(parents=True)
    (tmp_path / "store" / "labels" / "_ctloop_labels.json").write_text(manifest)
    (tmp_path / "good.csv").write_text(GOOD)
    code = main(["labels", "ingest", "--labels", str(tmp_path / "good.csv"), "--store", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert f"{tmp_path}/store/labels/_ctloop_labels.json is not a label store manifest" in err, err
    assert _store_files(tmp_path / "store") == ["_ctloop_labels.json"]


@pytest.mark.parametrize("column", ["request_id", "label"])
def test_nested_keys_or_labels_are_refused_naming_the_column(tmp_path, capsys, column):
    frame = pd.DataFrame({"request_id": ["a", "b"], "label": [1, 0]})
    frame[column] = [[1], [2, 3]]
    frame.to_parquet(tmp_path / "nested.parquet")
    code = main(["labels", "ingest", "--labels", str(tmp_path / "nested.parquet"), "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and f"column '{column}' breaks rule 'scalar' in 2 row(s)" in err, err
    assert "row 1: [1]" in err and not (tmp_path / "s").exists()


@pytest.mark.parametrize("first, then, kinds", [
    ("r1,0\nr2,1\n", "r3,no\n", "numbers (_ctloop_labels.json)"),
    ("r1,no\nr2,yes\n", "r3,1\n", "names (_ctloop_labels.json)"),
])
def test_labels_of_another_kind_than_the_stores_are_refused(tmp_path, capsys, first, then, kinds):
    """Before: a store of 0/1 labels took a later file of 'no'/'yes' labels; the report then left
    out one kind or the other with a warning, whichever --classes said."""
    store = tmp_path / "store"
    (tmp_path / "a.csv").write_text("request_id,label\n" + first)
    (tmp_path / "b.csv").write_text("request_id,label\n" + then)
    assert main(["labels", "ingest", "--labels", str(tmp_path / "a.csv"), "--store", str(store)]) == 0
    before = _store_files(store)
    capsys.readouterr()
    assert main(["labels", "ingest", "--labels", str(tmp_path / "b.csv"), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "column 'label' breaks rule 'one_kind' in 1 row(s): the store's labels are " in err
    assert kinds in err and _store_files(store) == before


def test_a_key_relabelled_in_a_file_without_label_time_keeps_the_later_row(tmp_path, capsys):
    """Without a label_time column every row gets the ingest time: the file's order is the only
    order there is, so its later row wins (as before the same-time refusal, which is for times the
    file gives)."""
    store = tmp_path / "store"
    (tmp_path / "relabel.csv").write_text("request_id,label\nr1,0\nr2,1\nr1,1\n")
    assert main(["labels", "ingest", "--labels", str(tmp_path / "relabel.csv"), "--store", str(store)]) == 0
    logs = pd.DataFrame({"request_id": ["r1", "r2"], "instance": 0, "prediction": 0.5, "has_request": True,
                         "has_response": True})
    got = join_store(logs, str(store)).frame.set_index("request_id")["label"].to_dict()
    assert got == {"r1": 1.0, "r2": 1.0}


def test_an_older_empty_label_file_does_not_decide_the_stores_kind(tmp_path, capsys):
    """An older ctloop wrote a header-only file as an empty part whose label type is null; it was
    read as "numbers" and every later file of class names was refused. The newest file with a
    typed label decides."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    store = tmp_path / "store"
    (tmp_path / "names.csv").write_text("request_id,label,label_time\nr1,approved,2026-01-01T00:00:00Z\n")
    assert main(["labels", "ingest", "--labels", str(tmp_path / "names.csv"), "--store", str(store)]) == 0
    empty = pa.table({"request_id": pa.array([], pa.string()), "label": pa.array([], pa.null()),
                      "label_time": pa.array([], pa.string())})
    pq.write_table(empty, store / "labels" / "part-99991231T000000000000Z-0123456789abcdef0123456789abcdef.parquet")
    (tmp_path / "more.csv").write_text("request_id,label,label_time\nr2,declined,2026-01-02T00:00:00Z\n")
    assert main(["labels", "ingest", "--labels", str(tmp_path / "more.csv"), "--store", str(store)]) == 0, \
        capsys.readouterr().err
    (tmp_path / "numbers.csv").write_text("request_id,label,label_time\nr3,1,2026-01-03T00:00:00Z\n")
    assert main(["labels", "ingest", "--labels", str(tmp_path / "numbers.csv"), "--store", str(store)]) == 2
    assert "the store's labels are names" in capsys.readouterr().err
