"""The label store through its two entry points (``ctloop labels ingest`` and the
``ingest_labels`` component) on local files, and reading only the log partitions needed."""

import json

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.components.monitor.component import ingest_labels
from ctloop.errors import ConfigError, DataValidationError
from ctloop.inference_log import reader as log_reader
from ctloop.labels import join as label_join
from ctloop.labels import realized
from ctloop.labels import store as label_store


def logged(tmp_path, day, rows):
    frame = pd.DataFrame(rows)
    path = tmp_path / "logs" / "model=credit" / f"date={day}" / "revision=credit-predictor-00001" / "part-1.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path)
    return path


def test_cli_ingests_numeric_business_keys_from_csv_as_text(tmp_path, capsys):
    src = tmp_path / "labels.csv"
    src.write_text("meta_x_order_id,default,label_time\n1001,1,2026-01-06T10:00:00Z\n00123,0,2026-01-06T11:00:00Z\n")
    store = tmp_path / "store"
    assert main(["labels", "ingest", "--labels", str(src), "--store", str(store), "--key", "meta_x_order_id",
                 "--label-column", "default"]) == 0
    assert "appended 2 labels keyed by meta_x_order_id" in capsys.readouterr().out
    stored = label_store.read_labels(str(store))
    assert stored["meta_x_order_id"].tolist() == ["1001", "00123"]  # leading zeros kept: keys are text
    assert stored["label"].tolist() == [1.0, 0.0] and label_store.store_key(str(store)) == "meta_x_order_id"
    assert json.loads((store / "labels" / label_store.STORE_MANIFEST).read_text())["key"] == "meta_x_order_id"
    logs = pd.DataFrame({"request_id": ["a", "b"], "instance": 0, "meta_x_order_id": ["00123", "1001"],
                         "has_response": True, "prediction_1": [0.2, 0.7]})
    joined = label_join.join_labels(logs, stored).frame.set_index("request_id")
    assert joined.loc["a", "label"] == 0 and joined.loc["b", "label"] == 1


def test_cli_refuses_a_second_key_in_one_store(tmp_path, capsys):
    src = tmp_path / "labels.csv"
    src.write_text("request_id,meta_x_order_id,label\nr1,1,1\n")
    store = str(tmp_path / "store")
    assert main(["labels", "ingest", "--labels", str(src), "--store", store]) == 0
    assert main(["labels", "ingest", "--labels", str(src), "--store", store, "--key", "meta_x_order_id"]) == 2
    assert "keyed by 'request_id', not 'meta_x_order_id'" in capsys.readouterr().err


def test_cli_reports_bad_label_files(tmp_path, capsys):
    src = tmp_path / "labels.csv"
    src.write_text("request_id,label,instance\nr1,yes,0\n,1,0\nr3,1,-1\n")
    assert main(["labels", "ingest", "--labels", str(src), "--store", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "labels mix numbers and text (e.g. 'yes')" in err and "labels without a key value" in err
    assert "'instance'" in err
    assert main(["labels", "ingest", "--labels", str(tmp_path / "missing.csv"), "--store", str(tmp_path / "s")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_component_ingests_parquet_with_instance(tmp_path):
    src = tmp_path / "labels.parquet"
    pd.DataFrame({"request_id": ["r", "r"], "instance": [0, 1], "label": [0, 1]}).to_parquet(src)
    out = ingest_labels.python_func(labels_uri=str(src), labels_root=str(tmp_path / "store"))
    assert out.rows == 2
    stored = label_store.read_labels(str(tmp_path / "store"))
    assert stored["instance"].tolist() == [0, 1] and label_store.detect_key(stored) == "request_id"
    with pytest.raises(ConfigError, match="keyed by 'request_id'"):
        ingest_labels.python_func(labels_uri=str(src), labels_root=str(tmp_path / "store"), key="meta_x")
    with pytest.raises(DataValidationError, match="column 'order' breaks rule 'required'"):
        ingest_labels.python_func(labels_uri=str(src), labels_root=str(tmp_path / "other"), key="order")


def test_read_log_reads_only_the_needed_date_partitions(tmp_path):
    """An unreadable file in an old partition proves it is never opened."""
    row = {"request_id": "a", "instance": 0, "model": "credit", "revision": "credit-predictor-00001",
           "model_version": "1", "time": "2026-01-05T00:30:00+00:00", "has_response": True, "prediction_1": 0.5}
    logged(tmp_path, "2026-01-05", [row, {**row, "request_id": "b", "time": "2026-01-05T02:30:00+00:00"}])
    logged(tmp_path, "2026-01-04", [{**row, "request_id": "y", "time": "2026-01-04T23:30:00+00:00"}])
    old = tmp_path / "logs" / "model=credit" / "date=2025-11-01" / "revision=r" / "part-0.parquet"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"PAR1 not parquet")
    end = pd.Timestamp("2026-01-05T01:00:00Z")
    frame = log_reader.read_log(str(tmp_path / "logs"), "credit", end - pd.Timedelta("1h"), end)
    assert frame["request_id"].tolist() == ["a"]
    frame = log_reader.read_log(str(tmp_path / "logs"), "credit", end - pd.Timedelta("7D"), end + pd.Timedelta("2h"))
    assert sorted(frame["request_id"]) == ["a", "b", "y"]
    assert log_reader.log_dates(end - pd.Timedelta("2D"), end) == ["2026-01-03", "2026-01-04", "2026-01-05"]


def test_read_log_handles_older_logs_and_duplicates(tmp_path):
    row = {"request_id": "a", "instance": 0, "model": "credit", "revision": "credit-predictor-00001",
           "time": "2026-01-05T00:30:00+00:00", "has_response": True, "prediction_1": 0.5}
    logged(tmp_path, "2026-01-05", [row, row])  # at-least-once delivery: the same row twice, no model_version
    end = pd.Timestamp("2026-01-05T01:00:00Z")
    frame = log_reader.read_log(str(tmp_path / "logs"), "credit", end - pd.Timedelta("1h"), end)
    assert len(frame) == 1 and frame["model_version"].tolist() == [""]
    assert log_reader.read_log(str(tmp_path / "nothing"), "credit", end - pd.Timedelta("1h"), end).empty


def test_read_log_merges_a_request_and_its_response_written_by_two_sink_replicas(tmp_path):
    """Replica A got the request, replica B the response (no session affinity, or A restarted
    between them): each wrote a half row; the reader makes them one served row again."""
    base = {"request_id": "r1", "model": "credit", "namespace": "ml", "component": "predictor"}
    request_half = [{**base, "instance": i, "revision": "unknown", "model_version": "",
                     "time": "2026-01-05T00:30:00.100+00:00", "has_request": True, "has_response": False,
                     "income": 1000.0 + i} for i in range(2)]  # a request half has no prediction column
    response_half = [{**base, "instance": i, "revision": "v2", "model_version": "2",
                      "time": "2026-01-05T00:30:00.180+00:00", "has_request": False, "has_response": True,
                      "prediction_1": 0.25 + i / 2} for i in range(2)]
    other = {**base, "request_id": "r2", "instance": 0, "revision": "v2", "model_version": "2",
             "time": "2026-01-05T00:40:00+00:00", "has_request": True, "has_response": True,
             "income": 7.0, "prediction_1": 0.9}
    logged(tmp_path, "2026-01-05", request_half + [other])
    path = tmp_path / "logs" / "model=credit" / "date=2026-01-05" / "revision=v2" / "part-2.parquet"
    path.parent.mkdir(parents=True)
    pd.DataFrame(response_half).to_parquet(path)
    end = pd.Timestamp("2026-01-05T01:00:00Z")
    frame = log_reader.read_log(str(tmp_path / "logs"), "credit", end - pd.Timedelta("1h"), end)
    frame = frame.sort_values(["request_id", "instance"]).reset_index(drop=True)
    assert frame[["request_id", "instance"]].values.tolist() == [["r1", 0], ["r1", 1], ["r2", 0]]
    r1 = frame[frame.request_id == "r1"]
    assert r1.has_request.all() and r1.has_response.all()
    assert r1.income.tolist() == [1000.0, 1001.0] and r1.prediction_1.tolist() == [0.25, 0.75]
    assert set(r1.model_version) == {"2"} and set(r1.revision) == {"v2"}  # the response side's
    assert set(r1.time) == {"2026-01-05T00:30:00.100+00:00"}  # when the request arrived
    assert frame.loc[2, "income"] == 7.0 and frame.loc[2, "prediction_1"] == 0.9  # untouched
    assert len(log_reader.served(frame)) == 3


def test_merge_halves_keeps_one_row_of_a_replayed_complete_row():
    row = {"request_id": "a", "instance": 0, "time": "2026-01-05T00:30:00+00:00", "has_request": True,
           "has_response": True, "prediction_1": 0.5}
    frame = log_reader.merge_halves(pd.DataFrame([row, row, {**row, "request_id": "b"}]))
    assert sorted(frame.request_id) == ["a", "b"] and frame.prediction_1.tolist() == [0.5, 0.5]


def half(request_id, kind, time, **columns):
    return {"request_id": request_id, "instance": 0, "model": "credit", "time": time,
            "has_request": kind == "request", "has_response": kind == "response", **columns}


def test_merge_halves_takes_the_version_from_whichever_half_names_it():
    """The sink's join prefers the response's model_version but falls back to the request's
    (ce-annotations); a response without one must not blank it."""
    rows = [half("r", "request", "2026-01-05T00:30:00+00:00", model_version="3", revision="v3", income=1.0),
            half("r", "response", "2026-01-05T00:30:01+00:00", model_version="", revision="unknown",
                 prediction_1=0.7)]
    (row,) = log_reader.merge_halves(pd.DataFrame(rows)).to_dict("records")
    assert (row["model_version"], row["revision"], row["income"], row["prediction_1"]) == ("3", "v3", 1.0, 0.7)
    assert row["has_request"] and row["has_response"] and row["time"] == "2026-01-05T00:30:00+00:00"


def test_merge_halves_never_stitches_two_complete_rows_together():
    """Two requests sent with the same X-Request-Id (KServe's ce-id) are both complete: the sink
    keeps both (docs/inference-log.md) and so does the reader, each whole, never features of one
    with the prediction of the other; a replayed copy of one (same time) counts once. A third
    request of the id (its own time) whose response never came stays a request half: it was
    dropped before (tests/inference_log/test_reader_halves.py)."""
    first = {**half("same", "request", "2026-01-05T00:30:00+00:00", income=1.0, prediction_1=0.1),
             "has_response": True}
    second = {**first, "time": "2026-01-05T00:31:00+00:00", "income": 2.0, "prediction_1": 0.9}
    stray = half("same", "request", "2026-01-05T00:32:00+00:00", income=3.0)
    rows = log_reader.merge_halves(pd.DataFrame([first, second, dict(second), stray])).to_dict("records")
    assert sorted((r["income"], r["prediction_1"]) for r in rows)[:2] == [(1.0, 0.1), (2.0, 0.9)]
    assert len(rows) == 3 and rows[2]["income"] == 3.0 and not rows[2]["has_response"]


def test_halves_either_side_of_a_window_start_count_once_in_the_requests_window(tmp_path):
    rows = [half("edge", "request", "2026-01-05T00:59:59.900+00:00", model_version="", revision="unknown", income=5.0),
            half("edge", "response", "2026-01-05T01:00:00.100+00:00", model_version="2", revision="v2",
                 prediction_1=0.4)]
    logged(tmp_path, "2026-01-05", rows)
    root, start = str(tmp_path / "logs"), pd.Timestamp("2026-01-05T00:00:00Z")
    before = log_reader.read_log(root, "credit", start, start + pd.Timedelta("1h"))
    after = log_reader.read_log(root, "credit", start + pd.Timedelta("1h"), start + pd.Timedelta("2h"))
    assert before[["request_id", "income", "prediction_1", "model_version"]].values.tolist() == [["edge", 5.0, 0.4, "2"]]
    assert after.empty


def test_log_times_parse_like_pandas_mixed_parser_but_iso_first():
    values = pd.Series(["2026-11-22T10:31:02.417396123Z", "2026-12-01T00:00:00+00:00", "2026-12-01 01:00:00",
                        "2026-12-01T02:00:00.5+02:00", "Dec 1 2026 3am", None, "garbage"])
    expected = pd.to_datetime(values, utc=True, format="mixed", errors="coerce")
    assert log_reader.utc_times(values).equals(expected)
    sink_written = pd.Series(["2026-11-22T10:31:02.417396123+00:00", None, "2026-12-01T02:00:00.5+02:00"])
    assert log_reader.utc_times(sink_written).equals(pd.to_datetime(sink_written, utc=True, format="mixed"))
    # a filtered frame keeps its index: every time stays on its own row
    kept = pd.Series(["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-03T00:00:00+00:00"], index=[5, 7, 9])
    assert log_reader.utc_times(kept).equals(pd.to_datetime(kept, utc=True, format="mixed"))


def test_realized_metrics_per_window_after_rows_were_left_out():
    """One missing score drops a row before the windows are cut: the remaining rows keep their
    own times (the Arrow parse once realigned them by position)."""
    frame = pd.DataFrame({"time": [f"2026-01-05T{h:02d}:{m:02d}:00+00:00" for h in range(3) for m in (10, 20)],
                          "prediction_1": [None, 0.8, 0.2, 0.9, 0.3, 0.7], "label": [1, 1, 0, 1, 0, 1],
                          "revision": "a"})
    per = realized.realized_metrics(frame, by=("revision",), window=pd.Timedelta("1h"), metrics=("accuracy",))
    assert per["window"].dt.hour.tolist() == [0, 1, 2] and per["rows"].tolist() == [1, 2, 2]


def test_a_correction_with_the_same_label_time_wins_over_the_label_it_corrects(tmp_path):
    # label_time is often the outcome's time, the same in a corrected file: the later ingest must
    # win, not whichever part file a random name sorts first
    old = tmp_path / "old.csv"
    fix = tmp_path / "fix.csv"
    old.write_text("request_id,label,label_time\na,1,2026-01-01T00:00:00Z\n")
    fix.write_text("request_id,label,label_time\na,0,2026-01-01T00:00:00Z\n")
    for trial in range(8):
        store = str(tmp_path / f"store{trial}")
        label_store.ingest_labels(str(old), store)
        label_store.ingest_labels(str(fix), store)
        assert float(label_join.index_store(store).label.iloc[0]) == 0.0, trial


def test_rows_count_only_labels_the_metric_used_when_the_classes_are_not_given():
    """A binary model's metrics leave out a label 2 (not a class 0/1); before, ``rows`` still
    counted it: the table said 4 rows for metrics computed on 3."""
    frame = pd.DataFrame({"prediction_1": [0.9, 0.2, 0.8, 0.7], "label": [1, 0, 1, 2], "revision": "a"})
    per = realized.realized_metrics(frame, by=("revision",), metrics=("accuracy",))
    assert per["rows"].tolist() == [3] and per["accuracy"].tolist() == [1.0]
    assert realized.scorable(frame["label"]).tolist() == [True, True, True, False]


def test_the_report_says_why_labelled_rows_are_left_out(tmp_path):
    """Text labels without --classes: before, '200 labelled rows' above 'no labelled predictions
    in this period', and no word why."""
    from ctloop import reports

    logged(tmp_path, "2026-01-05", {"request_id": ["a", "b", "c"], "instance": 0, "has_response": True,
                                    "model_version": "1", "prediction_1": [0.9, 0.1, 0.8],
                                    "time": ["2026-01-05T10:00:00Z"] * 3})
    labels = tmp_path / "labels.csv"
    labels.write_text("request_id,label\na,yes\nb,no\nc,yes\n")
    label_store.ingest_labels(str(labels), str(tmp_path / "store"))
    report = reports.realized_report(str(tmp_path / "logs"), str(tmp_path / "store"), "credit",
                                     start="2026-01-05T00:00:00Z", end="2026-01-06T00:00:00Z")
    assert report.table.empty
    assert any("3 labelled rows left out" in w and "'yes'" in w and "--classes" in w for w in report.warnings), \
        report.warnings
    labels.write_text("request_id,label\na,1\nb,0\nc,2\n")
    label_store.ingest_labels(str(labels), str(tmp_path / "store2"))
    report = reports.realized_report(str(tmp_path / "logs"), str(tmp_path / "store2"), "credit",
                                     start="2026-01-05T00:00:00Z", end="2026-01-06T00:00:00Z")
    assert report.table["rows"].tolist() == [2]
    assert [w for w in report.warnings if "left out" in w] == [
        "1 labelled rows left out: their labels are not 0 or 1 (pass --classes, the model's classes in its order, "
        "for other labels), e.g. 2.0"], report.warnings


def test_a_bad_label_time_or_instance_names_the_first_offending_value(tmp_path, capsys):
    src = tmp_path / "labels.csv"
    src.write_text("request_id,label,label_time\na,1,2026-01-01T00:00:00Z\nb,0,1700000000\n")
    assert main(["labels", "ingest", "--labels", str(src), "--store", str(tmp_path / "s")]) == 2
    assert "'1700000000'" in capsys.readouterr().err
    src.write_text("request_id,label,instance\na,1,0\nb,0,1.5\n")
    assert main(["labels", "ingest", "--labels", str(src), "--store", str(tmp_path / "s")]) == 2
    assert "1.5" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("legacy", ["ffffffff" * 4, "00000000" * 4])
def test_a_correction_wins_over_a_label_an_older_ctloop_stored(tmp_path, legacy):
    """A store written before part files were named by ingest time holds ``part-<uuid hex>.parquet``;
    a correction ingested now (``part-<ingest time>-<hex>``) must win over such a file whatever
    its hex sorts like: the older naming is the older ingest."""
    store = tmp_path / "store"
    fix = tmp_path / "fix.csv"
    fix.write_text("request_id,label,label_time\na,0,2026-01-01T00:00:00Z\n")
    label_store.ingest_labels(str(fix), str(store))  # the manifest, as the older ctloop wrote it too
    first = sorted((store / "labels").glob("part-*.parquet"))[0]
    pd.DataFrame({"request_id": ["a"], "label": [1], "label_time": ["2026-01-01T00:00:00+00:00"]}).to_parquet(
        store / "labels" / f"part-{legacy}.parquet")
    first.rename(first.with_name(f"part-29991231T000000000000Z-{legacy}.parquet"))  # ingested after it
    assert float(label_join.index_store(str(store)).label.iloc[0]) == 0.0
    frame = label_store.read_labels(str(store))
    _, latest, _ = label_join.latest_labels(frame)
    assert latest.set_index(latest.columns[0]).loc["a", "label"] == 0


@pytest.mark.parametrize(("times", "row"), [
    (["1700000000"], 1),  # epoch seconds: read as nanoseconds, 1970-01-01T00:00:01.7
    (["1733300000000", "1733300060000"], 1),  # epoch milliseconds
    (["04/12/2026 10:00", "13/04/2026 10:00"], 1),  # month first, then day first, in one file
    (["2026-01-01T00:00:00Z", "13/04/2026"], 2),
])
def test_a_label_time_that_is_not_iso_8601_is_refused_naming_its_row(tmp_path, capsys, times, row):
    """Before: ``pd.to_datetime(format="mixed")`` took the first three files and guessed (epoch
    seconds became times in 1970; which label wins was decided by a guess of the day's position)."""
    src = tmp_path / "labels.csv"
    src.write_text("request_id,label,label_time\n" + "".join(f"r{i},1,{t}\n" for i, t in enumerate(times)))
    store = tmp_path / "s"
    assert main(["labels", "ingest", "--labels", str(src), "--store", str(store)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'label_time'" in err and f"row {row}:" in err, err
    assert repr(times[row - 1]) in err
    assert not store.exists()


def test_a_numeric_or_epoch_label_time_column_from_parquet_is_refused_and_timestamps_are_kept(tmp_path, capsys):
    src = tmp_path / "labels.parquet"
    pd.DataFrame({"request_id": ["a", "b"], "label": [1, 0], "label_time": [1_700_000_000, 1_700_000_060]}).to_parquet(src)
    assert main(["labels", "ingest", "--labels", str(src), "--store", str(tmp_path / "s")]) == 2
    assert "'label_time'" in capsys.readouterr().err and not (tmp_path / "s").exists()
    stamps = pd.to_datetime(["2026-01-06T10:00:00Z", "2026-01-06T11:00:00+01:00"], utc=True)
    pd.DataFrame({"request_id": ["a", "b"], "label": [1, 0], "label_time": stamps}).to_parquet(src)
    assert main(["labels", "ingest", "--labels", str(src), "--store", str(tmp_path / "s")]) == 0
    src = tmp_path / "labels.csv"
    src.write_text("request_id,label,label_time\nc,1,2026-01-06 12:00\nd,0, 2026-01-06T13:00:00+01:00 \n")
    assert main(["labels", "ingest", "--labels", str(src), "--store", str(tmp_path / "s")]) == 0
    assert label_store.read_labels(str(tmp_path / "s"))["label_time"].tolist() == [
        "2026-01-06T10:00:00+00:00", "2026-01-06T10:00:00+00:00", "2026-01-06T12:00:00+00:00",
        "2026-01-06T12:00:00+00:00"]


def test_numeric_keys_become_their_exact_decimal_text():
    """Before: a uint64 column raised 'cannot safely cast non-equivalent uint64 to int64', and float
    keys from 2**63 up all became '-9223372036854775808' (distinct keys, one text)."""
    big = pd.Series([2**64 - 1, 2**63, 5], dtype="uint64")
    assert label_store.normalise_keys(big).tolist() == ["18446744073709551615", "9223372036854775808", "5"]
    floats = pd.Series([1e19, 2.0**63, -(2.0**64), 1001.0, 1.5, float("nan")])
    assert label_store.normalise_keys(floats).tolist()[:5] == [
        "10000000000000000000", "9223372036854775808", "-18446744073709551616", "1001", "1.5"]
    assert pd.isna(label_store.normalise_keys(floats).iloc[5])
    assert label_store.normalise_keys(pd.Series([1e19, 2.0**64])).tolist() == [
        "10000000000000000000", "18446744073709551616"]  # every key beyond int64


def test_uint64_parquet_keys_join_the_logs_text_keys_and_floats_beyond_2_53_are_refused(tmp_path, capsys):
    src, store = tmp_path / "labels.parquet", tmp_path / "store"
    pd.DataFrame({"meta_x_order_id": pd.Series([2**64 - 1, 2**63], dtype="uint64"), "label": [1, 0],
                  "label_time": "2026-01-06T10:00:00Z"}).to_parquet(src)
    args = ["labels", "ingest", "--labels", str(src), "--store", str(store), "--key", "meta_x_order_id"]
    assert main(args) == 0
    # the sink writes a metadata header's value as its text (events.metadata_columns)
    logs = pd.DataFrame({"request_id": ["a", "b"], "instance": 0, "has_response": True, "prediction_1": [0.2, 0.7],
                         "meta_x_order_id": ["9223372036854775808", "18446744073709551615"]})
    for joined in (label_join.join_labels(logs, label_store.read_labels(str(store))),
                   label_join.join_store(logs, str(store))):
        assert joined.frame.set_index("request_id")["label"].to_dict() == {"a": 0.0, "b": 1.0}
    capsys.readouterr()
    pd.DataFrame({"meta_x_order_id": [1001.0, 1e19, 2.0**63], "label": [1, 0, 1]}).to_parquet(src)
    before = sorted(p.name for p in (store / "labels").iterdir())
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'meta_x_order_id'" in err and "1e+19" in err and "2**53" in err, err
    assert sorted(p.name for p in (store / "labels").iterdir()) == before
    pd.DataFrame({"meta_x_order_id": [1001.0, 2.0**53 - 1], "label": [1, 0]}).to_parquet(src)
    assert main(args) == 0
    assert label_store.read_labels(str(store))["meta_x_order_id"].tolist()[-2:] == ["1001", "9007199254740991"]
