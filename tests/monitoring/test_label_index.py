"""The label join of a streamed window in numbers (issue 16): the label index and the candidate
rows keep hashes, not text, and join exactly like ``join_labels`` (the frame path)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.errors import DataValidationError, InferenceLogError
from ctloop.labels.join import (
    LabelIndex,
    _distinct_per_group,
    candidate_rows,
    concat_categories,
    entry_ids,
    index_parts,
    index_store,
    join_candidate_parts,
    join_candidates,
    join_labels,
    key_pairs,
    label_index,
    latest_labels,
)
from ctloop.labels.store import ingest_labels, read_labels
from ctloop.monitoring import window as W
from tests.monitoring.window_support import END, MODEL, champion, config, write_labels, write_log


def logged(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Served and unserved rows: single requests, batched requests (instances 0..2), one request
    with a missing instance, reused ids, a business key with missing request ids."""
    rng = np.random.default_rng(seed)
    ids = [f"r{i}" for i in range(n)]
    frame = pd.DataFrame({"request_id": ids, "instance": 0.0, "meta_x_order_id": [f"o{i % (n // 2)}" for i in range(n)],
                          "prediction_1": rng.random(n), "model_version": rng.choice(["1", "2", ""], n),
                          "revision": rng.choice(["credit-predictor-00001", "v1"], n),
                          "_time": pd.Timestamp(END) - pd.to_timedelta(rng.integers(0, 80_000, n), unit="s"),
                          "has_response": rng.random(n) > 0.05})
    batch = pd.DataFrame({"request_id": ["b0"] * 3 + ["b1"] * 2, "instance": [0.0, 1.0, 2.0, 0.0, np.nan],
                          "meta_x_order_id": ["ob0"] * 3 + ["ob1"] * 2, "prediction_1": 0.3, "model_version": "1",
                          "revision": "v1", "_time": pd.Timestamp(END), "has_response": True})
    frame = pd.concat([frame, batch], ignore_index=True)
    frame.loc[frame.index[:7], "request_id"] = None  # a business key still joins these
    return frame


def labels_for(frame: pd.DataFrame, key: str, *, instances: bool = False, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    keys = frame[key].dropna().astype(str).unique()
    chosen = keys[(rng.random(len(keys)) < 0.5) | np.char.startswith(keys.astype(str), ("b", "ob")[key != "request_id"])]
    out = pd.DataFrame({key: chosen, "label": rng.integers(0, 2, len(chosen)).astype(float),
                        "label_time": "2026-01-05T02:00:00Z"})
    later = out.iloc[::7].assign(label=lambda f: 1 - f["label"], label_time="2026-01-05T03:00:00Z")
    same_time = out.iloc[1::11].assign(label=lambda f: 1 - f["label"])  # a tie: the later row wins
    out = pd.concat([out, later, same_time], ignore_index=True)
    if instances:
        out["instance"] = rng.integers(0, 2, len(out))
    return out


def hashed_join(frame: pd.DataFrame, labels: pd.DataFrame, chunks: int = 3):
    index = label_index(labels)
    ok = frame[frame["has_response"]]
    parts = [candidate_rows(part, index, ["_time", "model_version", "revision"], ["prediction_1"])
             for part in (ok.iloc[i::chunks] for i in range(chunks))]
    rows = concat_categories(parts)
    return join_candidates(rows, index, unserved=int((~frame["has_response"]).sum()), served_rows=len(ok),
                           log_columns=list(frame.columns))


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    cols = ["_time", "model_version", "revision", "prediction_1", "label"]
    out = frame[cols].astype({"model_version": str, "revision": str, "label": float})
    return out.sort_values(cols).reset_index(drop=True)


@pytest.mark.parametrize("key, instances", [("request_id", False), ("meta_x_order_id", False),
                                            ("request_id", True)])
def test_the_hashed_join_is_the_text_join(key, instances):
    frame = logged()
    labels = labels_for(frame, key, instances=instances)
    exact, hashed = join_labels(frame, labels), hashed_join(frame, labels)
    assert len(exact.frame) > 50
    pd.testing.assert_frame_equal(comparable(exact.frame), comparable(hashed.frame))
    assert (exact.skipped_batched, exact.unserved, exact.by_instance, exact.describe()) == (
        hashed.skipped_batched, hashed.unserved, hashed.by_instance, hashed.describe())
    if not instances:
        assert exact.skipped_batched >= 1  # the batched requests were really there


@pytest.mark.parametrize("key, instances", [("request_id", False), ("meta_x_order_id", False),
                                            ("request_id", True)])
@pytest.mark.parametrize("chunks", [1, 4, 9])
def test_joining_chunk_by_chunk_is_joining_their_concatenation(key, instances, chunks):
    """The candidates of a window are joined chunk by chunk (never concatenated): the same rows, labels
    and skipped batched requests, also when the instances of one batched request are in different
    chunks (rows are dealt round-robin: b0's three instances land in three chunks)."""
    frame = logged(seed=chunks)
    labels = labels_for(frame, key, instances=instances)
    index = label_index(labels)
    ok = frame[frame["has_response"]]
    parts = [candidate_rows(part, index, ["_time", "model_version", "revision"], ["prediction_1"])
             for part in (ok.iloc[i::chunks] for i in range(chunks))]
    parts.insert(1, parts[0].iloc[:0])  # an empty chunk changes nothing
    facts = dict(unserved=int((~frame["has_response"]).sum()), served_rows=len(ok), log_columns=list(frame.columns))
    whole = join_candidates(concat_categories(parts), index, **facts)
    chunked = join_candidate_parts(parts, index, release=True, **facts)
    assert len(whole.frame) > 50 and (whole.skipped_batched >= 1 or instances)
    pd.testing.assert_frame_equal(comparable(whole.frame), comparable(chunked.frame))
    assert list(chunked.frame.dtypes) == list(whole.frame.dtypes)
    assert (whole.skipped_batched, whole.by_instance, whole.describe()) == (
        chunked.skipped_batched, chunked.by_instance, chunked.describe())
    assert parts == [None] * len(parts)  # released as joined


def test_labelled_rows_are_kept_as_numbers(tmp_path):
    """No text column per labelled row: ~0.3 KiB of pandas text a row before, < 64 bytes now."""
    truth = write_log(tmp_path / "logs", n=900)
    write_labels(tmp_path / "labels", truth)
    cfg = config(tmp_path / "logs", tmp_path / "labels")
    from ctloop.components.monitor import core

    spec = core.window_spec(core.bounds(END, cfg), champion(), None, cfg)
    state = W.collect(str(tmp_path / "logs"), MODEL, spec, index_store(str(tmp_path / "labels")), batch_rows=97,
                      progress=False)
    rows = state.labelled_rows()
    assert len(rows) > 100
    text = [c for c in rows.columns if rows[c].dtype == object or pd.api.types.is_string_dtype(rows[c].dtype)]
    assert not text, f"text columns kept per labelled row: {text}"
    assert rows.memory_usage(deep=True).sum() / len(rows) < 64
    state.save(str(tmp_path / "s"))  # the categories survive the artifact
    again = W.WindowState.load(str(tmp_path / "s"))
    assert list(again.labelled_rows().dtypes) == list(rows.dtypes)
    # consume: the same judgement, the rows dropped once joined, and the state can no longer be saved
    index = index_store(str(tmp_path / "labels"))
    kept, consumed = (core.judge_state(state=s, labels=index, champion=champion(), history=[], previous=None,
                                       cfg=cfg, model_name=MODEL, consume=c) for s, c in ((state, False), (again, True)))
    assert kept.record == consumed.record and kept.series == consumed.series and kept.record["realized_rows"] > 50
    assert len(state.labelled_rows()) == len(rows) and not again.labelled
    with pytest.raises(InferenceLogError, match="consumed"):
        again.save(str(tmp_path / "t"))
    # labels=None: the index the state was collected with, let go of once joined (monitor_model
    # hands it over so that it is not held while the realized metrics are computed)
    handed = W.WindowState.load(str(tmp_path / "s"), index)
    over = core.judge_state(state=handed, labels=None, champion=champion(), history=[], previous=None, cfg=cfg,
                            model_name=MODEL, consume=True)
    assert over.record == kept.record and over.series == kept.series and handed.labels is None


def test_the_store_index_is_the_frame_index(tmp_path):
    """index_store reads the store file by file in small batches: the same entries and labels as
    label_index of the whole frame, text labels as categories."""
    store = tmp_path / "store"
    for n, part in enumerate((["a", "b", "c"], ["b", " c ", "d"])):
        src = tmp_path / f"l{n}.csv"
        labels = ["approved", "denied", "approved"] if n == 0 else ["denied", "denied", "approved"]
        pd.DataFrame({"meta_x_order_id": part, "label": labels,
                      "label_time": f"2026-01-0{n + 2}T00:00:00Z"}).to_csv(src, index=False)
        ingest_labels(str(src), str(store), key="meta_x_order_id")
    # a file written by pandas with its index (read_labels drops it: so must the index)
    pd.DataFrame({"meta_x_order_id": ["e"], "label": ["denied"], "label_time": ["2026-01-04T00:00:00Z"]},
                 index=[7]).to_parquet(store / "labels" / "part-pandas.parquet")
    streamed, whole = index_store(str(store), batch_rows=2), label_index(read_labels(str(store)))
    assert isinstance(streamed, LabelIndex) and len(streamed) == len(whole) == 5
    assert (streamed.id1 == whole.id1).all() and (streamed.id2 == whole.id2).all()
    assert streamed.label.astype(str).tolist() == whole.label.astype(str).tolist()
    assert str(streamed.label.dtype) == "category"
    keys = pd.Series(["a", "b", "c", "d", "e"], dtype="string")
    got = streamed.label.iloc[streamed.find(*key_pairs(keys))]
    assert got.tolist() == ["approved", "denied", "denied", "approved", "denied"]  # c: the later label
    assert index_store(str(tmp_path / "empty")) is None


@pytest.mark.parametrize("kind", ["float", "text", "float then text", "instances"])
@pytest.mark.parametrize("chunk, hint", [(1000, None), (7, None), (7, "exact"), (50, "short")])
def test_the_index_built_part_by_part_is_the_latest_label_of_every_key(kind, chunk, hint):
    """index_parts fills pre-sized arrays part by part (growing them when the size hint is missing
    or short) and sorts once: every entry's label is pandas' latest label (``latest_labels``,
    sort by label_time, last wins), whatever the chunking and the label kind."""
    rng = np.random.default_rng(len(kind) + chunk)
    n = 300
    labels = pd.DataFrame({"request_id": [f"r{i}" for i in rng.integers(0, 120, n)],
                           "label": rng.integers(0, 3, n).astype(float),
                           "label_time": pd.Timestamp("2026-01-05", tz="UTC")
                           + pd.to_timedelta(rng.integers(0, 5, n), unit="h")})
    if kind == "text":
        labels["label"] = labels["label"].map({0.0: "a", 1.0: "b", 2.0: "c"})
    if kind == "float then text":  # the first parts hold floats, a later one text: kept as values
        labels["label"] = labels["label"].astype(object)
        labels.loc[250:, "label"] = "late"
    if kind == "instances":
        labels["instance"] = rng.integers(0, 3, n)
    parts = [labels.iloc[i:i + chunk] for i in range(0, n, chunk)]
    rows = {None: None, "exact": n, "short": n // 3}[hint]
    index = index_parts("request_id", iter(parts), rows)
    key, latest, by_instance = latest_labels(labels)
    assert index.by_instance == by_instance == (kind == "instances") and len(index) == len(latest) > 100
    h1, h2 = key_pairs(latest["_key"].astype("string"))
    found = index.find(*(entry_ids(h1, h2, latest["instance"].to_numpy()) if by_instance else (h1, h2)))
    assert (found >= 0).all()
    assert index.label.take(found).astype(str).tolist() == latest["label"].astype(str).tolist()
    assert (np.diff(index.id1.astype(np.float64)) >= 0).all() and (np.diff(index.hashes.astype(np.float64)) > 0).all()
    if kind in ("text", "float then text"):
        assert str(index.label.dtype) == "category"


def test_a_store_with_two_keys_is_refused(tmp_path):
    (tmp_path / "s" / "labels").mkdir(parents=True)
    pd.DataFrame({"request_id": ["a"], "label": [1.0], "label_time": ["2026-01-01T00:00:00Z"]}).to_parquet(
        tmp_path / "s" / "labels" / "part-0.parquet")
    pd.DataFrame({"meta_x_id": ["a"], "label": [1.0], "label_time": ["2026-01-01T00:00:00Z"]}).to_parquet(
        tmp_path / "s" / "labels" / "part-1.parquet")
    with pytest.raises(DataValidationError, match="exactly one key column"):
        index_store(str(tmp_path / "s"))


def test_entries_whose_first_hashes_collide_are_told_apart_by_the_second():
    index = LabelIndex("request_id", False, np.array([5, 5, 9], dtype=np.uint64),
                       np.array([1, 2, 3], dtype=np.uint64), pd.Series([10.0, 20.0, 30.0]),
                       np.array([5, 9], dtype=np.uint64))
    got = index.find(np.array([5, 5, 9, 9, 4], dtype=np.uint64), np.array([2, 1, 3, 1, 1], dtype=np.uint64))
    assert got.tolist() == [1, 0, 2, -1, -1]


def test_instances_per_request_is_groupby_nunique():
    rng = np.random.default_rng(3)
    g = rng.integers(0, 40, 500).astype(np.uint64)
    values = rng.integers(0, 3, 500).astype(float)
    values[rng.random(500) < 0.2] = np.nan
    expected = pd.Series(values).groupby(g).transform("nunique").to_numpy()
    assert (_distinct_per_group(g, g * np.uint64(7), values) == expected).all()
