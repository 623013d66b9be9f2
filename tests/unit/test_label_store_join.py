"""The canary's quality check and the realized report join the logged rows with the label store
through its index (``ctloop.labels.join.join_store``: the keys' hashes, never their text), with
exactly the results of the frame join they used before (``join_labels(logs, read_labels(root))``):
relabelled keys (the latest ``label_time`` wins, also when it was ingested first), batched requests
(labels by instance, or skipped without one), labels of keys the log never saw, keys logged as
numbers and labelled as text."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ctloop.config import RolloutConfig
from ctloop.inference_log import reader
from ctloop.inference_log.reader import read_log
from ctloop.labels import join
from ctloop.labels import store as label_store
from ctloop.labels.join import join_labels, join_store
from ctloop.labels.store import ingest_labels, read_labels
from ctloop.serving import analysis, release

ISVC = "credit"
T0 = pd.Timestamp("2026-02-01T10:00:00Z")  # the canary starts
T1 = T0 + pd.Timedelta("20min")  # the step is judged
STORES = ("relabelled", "instances", "business_key", "text_labels", "mixed")


def traffic(seed: int = 0, n: int = 240) -> pd.DataFrame:
    """Stable (v1) and canary (v2) rows, alike; 4 batched requests of 3
    instances; a few failed requests; order ids logged as numbers."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 2 * n)
    frame = pd.DataFrame({
        "request_id": [f"q{i}" for i in range(2 * n)], "instance": 0,
        "meta_x_order_id": np.arange(70_000, 70_000 + 2 * n),
        "prediction_1": np.clip(0.5 + (y - 0.5) * 0.6 + rng.normal(0, 0.25, 2 * n), 0, 1),
        "model_version": ["1"] * n + ["2"] * n, "revision": ["credit-00001"] * n + ["credit-00002"] * n,
        "has_request": True, "has_response": rng.random(2 * n) > 0.03, "_y": y})
    batch = frame.iloc[:12].copy()
    batch["request_id"] = np.repeat([f"b{i}" for i in range(4)], 3)
    batch["instance"] = np.tile([0, 1, 2], 4)
    batch["meta_x_order_id"] = np.repeat(np.arange(90_000, 90_004), 3)
    batch["has_response"] = True
    frame = pd.concat([frame, batch], ignore_index=True)
    frame["time"] = [(T0 + pd.Timedelta(seconds=1 + i)).isoformat() for i in range(len(frame))]
    return frame


def write_log(root, frame: pd.DataFrame) -> None:
    for (revision, half), part in frame.drop(columns="_y").groupby(["revision", frame.index % 2]):
        d = root / f"model={ISVC}" / f"date={T0:%Y-%m-%d}" / f"revision={revision}"
        d.mkdir(parents=True, exist_ok=True)
        part.to_parquet(d / f"part-{half}.parquet", index=False)


def fill_store(tmp_path, frame: pd.DataFrame, kind: str, seed: int = 1) -> str:
    """A label store written by ``ingest_labels`` in three batches: most keys' labels; later labels
    of every 5th key (flipped) and labels of keys never logged; then, ingested last but dated
    earlier, stale labels of every 7th key (they must lose). ``mixed``: those without an instance,
    then a file with instances: labels of three of the four batched requests, and later labels of
    a few single-instance requests (instance 0, flipped: they win)."""
    rng = np.random.default_rng(seed)
    key = "meta_x_order_id" if kind == "business_key" else "request_id"
    rows = frame.drop_duplicates([key, "instance"] if kind == "instances" else [key])
    rows = rows[rng.random(len(rows)) < 0.9]
    first = pd.DataFrame({key: rows[key].astype(str), "label": rows["_y"].astype(float),
                          "label_time": "2026-02-01T11:00:00Z"})
    if kind == "instances":
        first["instance"] = rows["instance"].to_numpy()
    later = first.iloc[::5].assign(label=lambda f: 1 - f["label"], label_time="2026-02-01T12:00:00Z")
    ghosts = first.iloc[:30].assign(**{key: [f"9{i:07d}" for i in range(30)]})
    stale = first.iloc[::7].assign(label=lambda f: 1 - f["label"], label_time="2026-01-31T00:00:00Z")
    root = str(tmp_path / f"store-{kind}")
    for n, part in enumerate((first, pd.concat([later, ghosts]), stale)):
        if kind == "text_labels":
            part = part.assign(label=part["label"].map({0.0: "denied", 1.0: "approved"}))
        src = tmp_path / f"{kind}-{n}.csv"
        part.to_csv(src, index=False)
        ingest_labels(str(src), root, key=key)
    if kind == "mixed":
        rows = frame[frame["request_id"].str.match(r"b[012]$") | frame["request_id"].isin(["q1", "q2", "q3"])]
        late = pd.DataFrame({key: rows[key], "instance": rows["instance"], "label_time": "2026-02-01T14:00:00Z",
                             "label": np.where(rows["request_id"].str.startswith("q"), 1 - rows["_y"], rows["_y"])})
        late.to_csv(tmp_path / "mixed-3.csv", index=False)
        ingest_labels(str(tmp_path / "mixed-3.csv"), root, key=key)
    return root


def forbid_reading_whole(monkeypatch, store: str) -> None:
    """Reading the label store's files whole (``read_labels``, ``read_parquet_tree``) fails the test."""
    real = reader.read_parquet_tree

    def tree(root: str, **options):  # read_log's read asks for the file stamps (stamped=True)
        assert not root.startswith(store), f"the label store was read whole: {root}"
        return real(root, **options)

    monkeypatch.setattr(reader, "read_parquet_tree", tree)
    monkeypatch.setattr(label_store, "read_labels", lambda *_: pytest.fail("read_labels read the whole store"))


@pytest.mark.parametrize("kind", STORES)
def test_the_store_join_is_the_frame_join_of_every_label(tmp_path, kind):
    frame = traffic()
    logs = frame.drop(columns="_y").assign(_time=pd.to_datetime(frame["time"], utc=True))
    store = fill_store(tmp_path, frame, kind)
    old, new = join_labels(logs, read_labels(store)), join_store(logs, store)
    assert len(old.frame) > 300
    pd.testing.assert_frame_equal(new.frame, old.frame)
    assert (new.key, new.by_instance, new.skipped_batched, new.unserved, new.problem, new.notes, new.describe()) == (
        old.key, old.by_instance, old.skipped_batched, old.unserved, old.problem, old.notes, old.describe())
    assert (old.skipped_batched > 0) == (kind != "instances")  # the batched requests were there


@pytest.mark.parametrize("case", ["no key column", "no served rows", "empty store", "no store"])
def test_the_store_join_reports_the_same_problems(tmp_path, case):
    frame = traffic(n=30)
    store = fill_store(tmp_path, frame, "business_key")
    logs = frame.drop(columns="_y")
    if case == "no key column":
        logs = logs.drop(columns="meta_x_order_id")
    if case == "no served rows":
        logs = logs.assign(has_response=False)
    if case in ("empty store", "no store"):
        store = str(tmp_path / "nothing")
        if case == "empty store":
            (tmp_path / "nothing" / "labels").mkdir(parents=True)
    old, new = join_labels(logs, read_labels(store)), join_store(logs, store)
    assert new.problem == old.problem and new.problem
    pd.testing.assert_frame_equal(new.frame, old.frame)
    assert (new.key, new.unserved, new.describe()) == (old.key, old.unserved, old.describe())


def test_the_kept_index_is_built_again_when_a_label_file_is_rewritten(tmp_path):
    store = fill_store(tmp_path, traffic(n=30), "relabelled")
    kept = join.StoreIndex(store)
    first = kept.get()
    assert kept.get() is first and kept.builds == 1
    path = max((tmp_path / "store-relabelled" / "labels").glob("*.parquet"), key=lambda p: p.stat().st_size)
    pd.read_parquet(path).iloc[:5].to_parquet(path, index=False)  # the first batch: the same name, fewer labels
    again = kept.get()
    assert kept.builds == 2 and len(again) < len(first)
    assert join.StoreIndex(str(tmp_path / "none")).get() is None


class Registry:
    """What the quality check asks the registry: the champion and the canary's classes."""

    def champion(self, name):
        return SimpleNamespace(version="1")

    def load_meta(self, name, version):
        return {"task": "classification", "classes": [0, 1]}


@pytest.mark.parametrize("kind", ["relabelled", "instances", "business_key"])
def test_each_canary_step_joins_the_store_index_with_the_frame_joins_result(tmp_path, monkeypatch, kind):
    """Step by step: the frame join's verdict, the store never read whole, its index built at the
    first step and again only once more labels were ingested."""
    frame = traffic(seed=3)
    write_log(tmp_path / "log", frame)
    store = fill_store(tmp_path, frame, kind)
    cfg = RolloutConfig.from_dict({"inference_service": ISVC, "namespace": "ml", "labels_root": store,
                                   "inference_log_root": str(tmp_path / "log"),
                                   "quality_rules": {"min_rows": 50, "min_labelled": 50}})
    # later labels flip every canary label: the realized AUC of the canary falls
    canary = frame[frame["model_version"] == "2"].drop_duplicates(["request_id", "instance"])
    key = "meta_x_order_id" if kind == "business_key" else "request_id"
    flipped = pd.DataFrame({key: canary[key].astype(str), "label": 1.0 - canary["_y"],
                            "label_time": "2026-02-01T13:00:00Z",
                            **({"instance": canary["instance"]} if kind == "instances" else {})})
    flipped.to_csv(tmp_path / "flipped.csv", index=False)
    later = shutil.copytree(store, tmp_path / "later")
    ingest_labels(str(tmp_path / "flipped.csv"), str(later), key=key)

    def today(root):  # the verdict of the frame join (join_labels over read_labels)
        return analysis.quality_check(
            read_log(str(tmp_path / "log"), ISVC, T0, T1), read_labels(str(root)), canary_revision="credit-00002",
            stable_revision="credit-00001", canary_version="2", stable_version="1", rules=cfg.quality_rules,
            classes=[0, 1])

    before, after = today(store), today(later)
    assert before[0] and not after[0] and "below stable" in after[1]
    # the Prometheus rules pass (they are tests/serving/test_analysis.py's); the clock: start, then the steps
    monkeypatch.setattr(analysis, "make_check", lambda *a, **k: lambda percent: (True, "rules pass", {"at": 1}))
    monkeypatch.setattr("ctloop.timeutil.utc_now", iter([T0, T1, T1, T1]).__next__)
    builds = []
    monkeypatch.setattr(join, "index_store", lambda root, real=join.index_store: builds.append(root) or real(root))
    forbid_reading_whole(monkeypatch, store)
    check = release.live_check(Registry(), cfg, model_name="m", version="2", canary_revision="credit-00002",
                               stable_revision="credit-00001", prometheus_url="http://127.0.0.1:1")
    for percent in (10, 25):
        ok, why, measured = check(percent)
        assert (ok, why, measured) == (before[0], f"rules pass; quality: {before[1]}", {"at": 1, **before[2]})
    assert len(builds) == 1  # the store did not change: its index was kept
    assert measured["canary_labelled"] >= 50 and "canary_auc" in measured
    assert (measured["skipped_batched"] > 0) == (kind != "instances")
    ingest_labels(str(tmp_path / "flipped.csv"), store, key=key)
    ok, why, measured = check(50)
    assert (ok, why, measured) == (after[0], f"rules pass; quality: {after[1]}", {"at": 1, **after[2]})
    assert len(builds) == 2


@pytest.mark.parametrize("kind", ["relabelled", "text_labels"])
def test_the_realized_report_joins_the_store_index_with_the_frame_joins_result(tmp_path, monkeypatch, kind):
    from ctloop import reports

    frame = traffic(seed=4)
    write_log(tmp_path / "log", frame)
    store = fill_store(tmp_path, frame, kind)
    args = dict(start=T0.isoformat(), end=T1.isoformat(), window="10min",
                classes=("denied", "approved") if kind == "text_labels" else ())
    with monkeypatch.context() as m:  # today's path: every label read as a frame
        m.setattr(join, "join_store", lambda logs, root: join_labels(logs, read_labels(root)), raising=False)
        old = reports.realized_report(str(tmp_path / "log"), store, ISVC, **args)
    forbid_reading_whole(monkeypatch, store)
    new = reports.realized_report(str(tmp_path / "log"), store, ISVC, **args)
    assert len(old.table) >= 2 and old.warnings  # two versions, batched rows skipped
    pd.testing.assert_frame_equal(new.table, old.table)
    assert new.to_dict() == old.to_dict()


def test_labels_without_an_instance_still_join_once_a_file_with_instances_was_ingested(tmp_path):
    """Before: the first label file with an ``instance`` column made every label without one
    vanish from the join (r1..r3 joined no more, with no note and no problem)."""
    store = str(tmp_path / "store")
    (tmp_path / "a.csv").write_text("request_id,label,label_time\nr1,1,2026-02-01T11:00:00Z\n"
                                    "r2,0,2026-02-01T11:00:00Z\nr3,1,2026-02-01T11:00:00Z\nr5,1,2026-02-01T11:00:00Z\n")
    (tmp_path / "b.csv").write_text("request_id,instance,label,label_time\nr9,0,0,2026-02-01T12:00:00Z\n"
                                    "r9,1,1,2026-02-01T12:00:00Z\nr3,0,0,2026-02-01T12:00:00Z\n")
    ingest_labels(str(tmp_path / "a.csv"), store)
    ingest_labels(str(tmp_path / "b.csv"), store)
    logs = pd.DataFrame({"request_id": ["r1", "r2", "r3", "r9", "r9", "r5", "r5"], "instance": [0, 0, 0, 0, 1, 0, 1],
                         "prediction_1": 0.5, "has_request": True, "has_response": True})
    old, new = join_labels(logs, read_labels(store)), join_store(logs, store)
    for result in (old, new):
        got = result.frame.set_index(["request_id", "instance"])["label"].sort_index()
        # r3's later label with instance 0 replaces its earlier one; r5 is batched and its label has no instance
        assert got.to_dict() == {("r1", 0): 1.0, ("r2", 0): 0.0, ("r3", 0): 0.0, ("r9", 0): 0.0, ("r9", 1): 1.0}
        assert result.by_instance and result.skipped_batched == 2 and not result.problem
        assert "2 rows of batched requests skipped" in result.describe()
    pd.testing.assert_frame_equal(new.frame, old.frame)
    assert (new.notes, new.describe()) == (old.notes, old.describe())


def test_index_store_collects_garbage_per_batch_of_labels_not_per_file(tmp_path, monkeypatch):
    """A store of many small files (one per ``ingest_labels``): the index frees the indexed
    batches' text once per ``batch_rows`` labels read, not before every file's batch (a full
    collection costs ~0.1 s in a process holding 2M objects: 500 files of 50 labels took 55 s to
    index instead of 1.3 s). The same index either way."""
    import gc

    root = tmp_path / "many"
    (root / "labels").mkdir(parents=True)
    for i in range(40):
        pd.DataFrame({"request_id": [f"r{i}-{j}" for j in range(50)], "label": np.arange(50) % 2,
                      "label_time": "2026-02-01T11:00:00Z"}).to_parquet(root / "labels" / f"part-{i:03d}.parquet")
    calls = []
    # counted, not run: what is checked is how often the index asks for a collection; a real one
    # costs what the test process holds (a suite worker late in the run: ~0.4 s each, 47 s for
    # the ~100 calls below), and freeing memory changes nothing the index returns
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append(1) or 0)
    index = join.index_store(str(root), batch_rows=500)  # 2000 labels: a collection every 500
    assert len(index) == 2000 and 3 <= len(calls) <= 4, len(calls)
    logs = pd.DataFrame({"request_id": ["r3-7", "r39-48", "nope"], "instance": 0, "prediction_1": 0.5,
                         "has_request": True, "has_response": True})
    joined = join.join_index(logs, index)
    assert joined.frame["label"].tolist() == [1, 0]
    calls.clear()
    join.index_store(str(root), batch_rows=20)  # batches smaller than a file: still bounded by batch_rows
    assert len(calls) >= 2000 // (2 * 20), len(calls)


def test_labels_for_keys_the_log_never_saw_join_nothing_instead_of_a_keyerror(tmp_path):
    """Before: KeyError '_ctloop_position' (a traceback from `ctloop labels report`) when no
    logged row had a label, e.g. labels of another period or keyed by numbers the log lacks."""
    logs = traffic()
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"request_id": ["nope-1", "nope-2"], "label": [0, 1]}).to_csv(labels, index=False)
    ingest_labels(str(labels), str(tmp_path / "store"))
    result = join_store(logs, str(tmp_path / "store"))
    assert len(result.frame) == 0 and "label" in result.frame.columns
    assert result.describe().startswith("0 labelled rows")


def test_when_no_label_matches_a_logged_key_the_join_shows_one_key_of_each_side(tmp_path):
    """Before: only "0 labelled rows (key request_id)": nothing said the store held labels whose
    keys are written otherwise (case, a prefix) than the logged ones."""
    logs = traffic(n=20)
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"request_id": ["Q7", "Q3", "Q-VERY-LONG-REQUEST-ID-0123456789"], "label": [0, 1, 1]}).to_csv(
        labels, index=False)
    ingest_labels(str(labels), str(tmp_path / "store"))
    old, new = join_labels(logs, read_labels(str(tmp_path / "store"))), join_store(logs, str(tmp_path / "store"))
    for result in (old, new):
        assert len(result.frame) == 0 and not result.problem
        assert result.describe() == ("0 labelled rows (key request_id); 3 labelled keys in the store, none matched "
                                     "a logged request_id: e.g. logged 'b0' vs stored 'Q-VERY-LONG-REQUEST…'")
    assert new.notes == old.notes
    (tmp_path / "more.csv").write_text("request_id,label\nq5,1\n")  # one key matches: no hint
    ingest_labels(str(tmp_path / "more.csv"), str(tmp_path / "store"))
    assert join_store(logs, str(tmp_path / "store")).describe() == "1 labelled rows (key request_id)"


def test_a_blue_green_quality_check_reads_the_stable_models_traffic_from_before_the_switch(tmp_path, monkeypatch):
    """After a blue-green switch the stable model serves nothing: reading the log only from the
    analysis' start, every quality check found 0 stable rows and every blue-green release with
    ``inference_log_root`` rolled back. Its stable rows are those logged as long before the
    analysis as it lasts."""
    frame = traffic(seed=5)
    write_log(tmp_path / "log", frame)
    switched = pd.Timestamp(frame.loc[frame["model_version"] == "2", "time"].min())  # the first canary row
    monkeypatch.setattr(analysis, "make_check", lambda *a, **k: lambda percent: (True, "rules pass", {}))
    verdicts = {}
    for strategy in ("canary", "blue-green"):
        cfg = RolloutConfig.from_dict({"inference_service": ISVC, "namespace": "ml", "strategy": strategy,
                                       "inference_log_root": str(tmp_path / "log"), "interval_seconds": 60,
                                       "quality_rules": {"min_rows": 50, "min_labelled": 50}})
        monkeypatch.setattr("ctloop.timeutil.utc_now", iter([switched, T1]).__next__)
        check = release.live_check(Registry(), cfg, model_name="m", version="2", canary_revision="credit-00002",
                                   stable_revision="credit-00001", prometheus_url="http://127.0.0.1:1")
        verdicts[strategy] = check(100)
    ok, why, measured = verdicts["canary"]  # a canary's analysis starts with both models served
    assert not ok and measured["stable_rows"] < 50 and "too little logged traffic" in why, why
    ok, why, measured = verdicts["blue-green"]
    assert ok and measured["stable_rows"] >= 50 and measured["canary_rows"] >= 50, why


def test_labels_of_batched_requests_only_are_no_unmatched_keys(tmp_path):
    logs = traffic(n=20)
    (tmp_path / "b.csv").write_text("request_id,label\nb1,1\n")
    ingest_labels(str(tmp_path / "b.csv"), str(tmp_path / "store"))
    old, new = join_labels(logs, read_labels(str(tmp_path / "store"))), join_store(logs, str(tmp_path / "store"))
    assert old.describe() == new.describe() == (
        "0 labelled rows (key request_id); 3 rows of batched requests skipped (their labels have no instance)")


def test_a_later_label_without_instance_does_not_replace_a_batched_requests_instance_0_label(tmp_path):
    """Before: r9 (batched, instances 0 and 1) had labels for both instances; a later label without
    instance for r9 (which can only mean a single-instance request) became the latest label of
    (r9, instance 0), so instance 0 lost its own label and was skipped. Now the label without instance
    is kept apart: a batched request's instance 0 joins its latest label with an instance, a
    single-instance request the later of both (r3)."""
    store = str(tmp_path / "store")
    (tmp_path / "a.csv").write_text("request_id,instance,label,label_time\nr9,0,0,2026-02-01T11:00:00Z\n"
                                    "r9,1,1,2026-02-01T11:00:00Z\nr3,0,0,2026-02-01T11:00:00Z\n"
                                    "r7,0,0,2026-02-01T13:00:00Z\n")
    (tmp_path / "b.csv").write_text("request_id,label,label_time\nr9,1,2026-02-01T12:00:00Z\n"
                                    "r3,1,2026-02-01T12:00:00Z\nr7,1,2026-02-01T12:00:00Z\n"
                                    "r5,1,2026-02-01T12:00:00Z\n")
    ingest_labels(str(tmp_path / "a.csv"), store)
    ingest_labels(str(tmp_path / "b.csv"), store)
    logs = pd.DataFrame({"request_id": ["r9", "r9", "r3", "r7", "r5", "r5"], "instance": [0, 1, 0, 0, 0, 1],
                         "prediction_1": 0.5, "has_request": True, "has_response": True})
    old, new = join_labels(logs, read_labels(store)), join_store(logs, store)
    for result in (old, new):
        got = result.frame.set_index(["request_id", "instance"])["label"].sort_index()
        # r9's instances keep their own labels; r3's later label without instance wins, r7's later one with
        # instance 0 wins; r5 is batched and its only label has no instance: both rows skipped
        assert got.to_dict() == {("r3", 0): 1.0, ("r7", 0): 0.0, ("r9", 0): 0.0, ("r9", 1): 1.0}
        assert result.skipped_batched == 2 and not result.problem
    pd.testing.assert_frame_equal(new.frame, old.frame)
    assert (new.notes, new.describe()) == (old.notes, old.describe())
