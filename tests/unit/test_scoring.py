"""Batch scoring's core (ctloop.scoring) without servers: a fitted model scores local tables.

Chunking changes nothing but memory; every refusal happens before a file is written; the logged
rows are the sink's (layout, column types) and join late labels like served rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from ctloop import scoring
from ctloop.errors import ConfigError, CtloopError, DataError, DataSourceError
from tests.helpers import late_change_csv

SCORED_AT = pd.Timestamp("2026-12-01T03:00:00Z").to_pydatetime()


def _frame(rows: int = 500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=rows), "b": rng.normal(size=rows), "c": rng.integers(0, 5, size=rows)})
    df["y"] = (df.a + 0.5 * df.b + 0.3 * rng.normal(size=rows) > 0).astype(int)
    df["customer_id"] = np.arange(1000, 1000 + rows)
    return df


@pytest.fixture(scope="module")
def scorer():
    df = _frame()
    model = LogisticRegression().fit(df[["a", "b", "c"]], df.y)
    return scoring.Scorer(model, "credit", "3", "champion", ["a", "b", "c"], ["a", "b", "c"])


def _read(directory) -> pd.DataFrame:
    files = sorted(p for p in directory.glob("*.parquet"))
    return pd.concat([pq.read_table(p).to_pandas() for p in files], ignore_index=True)


def test_chunks_give_the_output_of_one_pass(scorer, tmp_path):
    df = _frame()
    df.iloc[:230].to_parquet(tmp_path / "in-0.parquet")  # two files: chunks never span files
    df.iloc[230:].to_parquet(tmp_path / "in-1.parquet")
    small = scoring.score(scorer, str(tmp_path / "in-*.parquet"), str(tmp_path / "small"), run_id="r1",
                          batch_rows=37, scored_at=SCORED_AT)
    whole = scoring.score(scorer, str(tmp_path / "in-*.parquet"), str(tmp_path / "whole"), run_id="r1",
                          batch_rows=100_000, scored_at=SCORED_AT)
    assert small.rows == whole.rows == 500
    assert small.chunks == 7 + 8 and whole.chunks == 2  # ceil(230/37) + ceil(270/37); one per file
    pd.testing.assert_frame_equal(_read(tmp_path / "small"), _read(tmp_path / "whole"))
    out = _read(tmp_path / "small")
    expected = scorer.model.predict_proba(df[["a", "b", "c"]])
    # not bit-exact: BLAS may sum a 37-row block in another order than a 500-row one (OpenBLAS picks
    # its kernel by size and CPU), a last-digit difference; a row scored out of order is off by far more
    np.testing.assert_allclose(out[["prediction_0", "prediction_1"]].to_numpy(), expected, rtol=1e-12, atol=1e-15)
    assert list(out.columns) == ["request_id", "prediction_0", "prediction_1", "probability_0", "probability_1",
                                 "model_name", "model_version", "run_id", "scored_at"]
    assert set(out.model_version) == {"3"} and set(out.run_id) == {"r1"} and set(out.model_name) == {"credit"}
    assert (out.scored_at == pd.Timestamp(SCORED_AT)).all()


def test_memory_is_bounded_by_batch_rows(scorer, tmp_path):
    df = _frame(rows=2000)
    df.to_parquet(tmp_path / "in.parquet", row_group_size=2000)  # one row group: the reader must cut it
    seen = []
    result = scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r",
                           batch_rows=128, progress=lambda p: seen.append(p.rows))
    assert result.max_batch_rows == 128 and result.chunks == 16  # ceil(2000 / 128)
    assert seen == [min(2000, 128 * i) for i in range(1, 17)]
    assert [pq.read_metadata(f).num_rows for f in result.files] == [128] * 15 + [2000 - 15 * 128]


def test_progress_lines_are_throttled():
    lines: list[str] = []
    report = scoring.every(3600, lines.append)
    for rows in (10, 20, 30):
        report(scoring.Progress(rows, rows // 10, 2.0))
    assert lines == ["scored 10 rows (1 chunk(s)), 5 rows/s, 2 s"]


def test_regressor_and_csv_and_generated_ids_are_deterministic(tmp_path):
    df = _frame(rows=50)
    model = LinearRegression().fit(df[["a", "b"]], df.c)
    reg = scoring.Scorer(model, "price", "1", "champion", ["a", "b"], ["a", "b"], task="regression")
    df.to_csv(tmp_path / "in.csv", index=False)
    first = scoring.score(reg, str(tmp_path / "in.csv"), str(tmp_path / "o1"), run_id="a", batch_rows=20)
    again = scoring.score(reg, str(tmp_path / "in.csv"), str(tmp_path / "o2"), run_id="b", batch_rows=7)
    one, two = _read(tmp_path / "o1"), _read(tmp_path / "o2")
    prefix = scoring.generated_id_prefix(str(tmp_path / "in.csv"))
    assert list(one.request_id) == [f"{prefix}-{i}" for i in range(50)] == list(two.request_id)
    np.testing.assert_allclose(one.prediction, model.predict(df[["a", "b"]]))
    assert first.id_source == again.id_source == "generated"


def _nothing_written(tmp_path) -> bool:
    return not list((tmp_path / "out").rglob("*.parquet")) and not list((tmp_path / "log").rglob("*"))


@pytest.mark.parametrize("case, kind, message", [
    ("missing data", DataSourceError, "data: {tmp}/absent.parquet does not exist"),
    ("missing feature", DataSourceError, "has no column 'c', a feature of credit v3"),
    ("text in a numeric feature", DataSourceError, "column 'a' of {tmp}/in.parquet is string"),
    ("id column missing", ConfigError, "id_column: 'order' is not a column of"),
    ("duplicate ids", DataError, "id_column 'customer_id' repeats '1001' (rows 2 and 4; 2 row(s) share an id)"),
    ("empty id", DataError, "id_column 'customer_id' is empty in row 3"),
    ("batch_rows 0", ConfigError, "batch_rows: must be a whole number > 0, got 0"),
    ("output under a file", ConfigError, "output: '{tmp}/a-file/out' is under the file {tmp}/a-file"),
    # a spreadsheet's export: read as one column 'a;b;c;y;customer_id' (was: "has no column 'a'")
    ("semicolon csv", DataSourceError, "in.csv has one column 'a;b;c;y;customer_id': a CSV separated by ';'?"),
])
def test_bad_input_is_one_line_and_writes_nothing(scorer, tmp_path, case, kind, message):
    df = _frame(rows=10)
    data, output, kwargs = str(tmp_path / "in.parquet"), str(tmp_path / "out"), {}
    if case == "missing data":
        data = str(tmp_path / "absent.parquet")
    if case == "missing feature":
        df = df.drop(columns=["c"])
    if case == "text in a numeric feature":
        df["a"] = df["a"].astype(str)
    if case == "id column missing":
        kwargs["id_column"] = "order"
    if case in ("duplicate ids", "empty id"):
        kwargs["id_column"] = "customer_id"
        df["customer_id"] = df["customer_id"].astype(float)
        df.loc[3, "customer_id"] = 1001.0 if case == "duplicate ids" else np.nan
        df.loc[2, "customer_id"] = np.nan if case == "empty id" else df.loc[2, "customer_id"]
    if case == "batch_rows 0":
        kwargs["batch_rows"] = 0
    if case == "output under a file":
        (tmp_path / "a-file").write_text("x")
        output = str(tmp_path / "a-file" / "out")
    df.to_parquet(tmp_path / "in.parquet")
    if case == "semicolon csv":
        df.to_csv(tmp_path / "in.csv", sep=";", index=False)
        data = str(tmp_path / "in.csv")
    with pytest.raises(kind) as info:
        scoring.score(scorer, data, output, run_id="r", log_root=str(tmp_path / "log"), **kwargs)
    text = str(info.value)
    assert message.format(tmp=tmp_path) in text and "\n" not in text
    assert isinstance(info.value, CtloopError) and _nothing_written(tmp_path)


def test_logged_rows_are_the_sinks_and_join_late_labels(scorer, tmp_path):
    """Score with an id column into a log root, ingest labels for some ids through the label
    store, and the monitoring read of the log (read_log + join_labels) finds exactly those."""
    from ctloop.inference_log import schema
    from ctloop.inference_log.reader import read_log
    from ctloop.labels.join import join_labels
    from ctloop.labels.realized import realized_metrics
    from ctloop.labels.store import ingest_labels, read_labels

    df = _frame(rows=300)
    df.to_parquet(tmp_path / "in.parquet")
    log = tmp_path / "log"
    # the online sink saw feature "c" first as text: the registry's type wins, as in the sink
    schema.sync(str(log), "credit", {"c": "string"})
    result = scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="nightly-1",
                           id_column="customer_id", batch_rows=100, log_root=str(log), scored_at=SCORED_AT)
    assert result.logged_rows == 300 and len(result.log_files) == 3
    assert all("/model=credit/date=2026-12-01/revision=v3/part-batch-nightly-1-0000" in f for f in result.log_files)
    types = schema.load(str(log), "credit")
    assert types == {"a": "double", "b": "double", "c": "string", "prediction_0": "double", "prediction_1": "double"}
    first = pq.read_table(result.log_files[0])
    assert first.schema == schema.arrow_schema(types, ["a", "b", "c", "prediction_0", "prediction_1"])
    assert first.column("c").to_pylist()[:3] == [str(v) for v in df.c[:3]]

    labelled = df.iloc[::3][["customer_id", "y"]].rename(columns={"customer_id": "request_id", "y": "label"})
    labelled.to_csv(tmp_path / "labels.csv", index=False)
    assert ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store")) == 100
    logs = read_log(str(log), "credit", pd.Timestamp("2026-11-30T00:00Z"), pd.Timestamp("2026-12-02T00:00Z"))
    assert len(logs) == 300 and set(logs.component) == {"batch"} and set(logs.model_version) == {"3"}
    joined = join_labels(logs, read_labels(str(tmp_path / "store")))
    assert sorted(joined.frame.request_id) == sorted(str(i) for i in labelled.request_id)
    assert joined.skipped_batched == 0 and not joined.problem
    table = realized_metrics(joined.frame, by=("model_version",))
    assert table.iloc[0]["rows"] == 100 and table.iloc[0]["roc_auc"] > 0.8

    out = _read(tmp_path / "out")  # the output carries the id as given and as the label key
    assert list(out.customer_id) == list(df.customer_id) and list(out.request_id) == [str(i) for i in df.customer_id]


def test_csv_ids_stay_text_as_the_label_store_reads_them(scorer, tmp_path):
    df = _frame(rows=30).assign(account=[f"{i:05d}" for i in range(30)])  # "00007": a number to CSV inference
    df.to_csv(tmp_path / "in.csv", index=False)
    scoring.score(scorer, str(tmp_path / "in.csv"), str(tmp_path / "out"), run_id="r", id_column="account")
    out = _read(tmp_path / "out")
    assert list(out.request_id) == list(out.account) == list(df.account)


def test_an_empty_csv_id_and_a_reserved_id_name_are_refused(scorer, tmp_path):
    """pyarrow reads an empty CSV field of a text column as "" (not null): still no id. An id column
    named like a column ctloop writes would be overwritten in the predictions."""
    df = _frame(rows=5).assign(account=["a1", "", "a3", "a4", "a5"], run_id=list("vwxyz"))
    df.to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(DataError, match="id_column 'account' is empty in row 2"):
        scoring.score(scorer, str(tmp_path / "in.csv"), str(tmp_path / "out"), run_id="r", id_column="account")
    with pytest.raises(ConfigError, match="id_column: 'run_id' is a column ctloop writes"):
        scoring.score(scorer, str(tmp_path / "in.csv"), str(tmp_path / "out"), run_id="r", id_column="run_id")
    assert not (tmp_path / "out").exists()


def test_a_retry_rewrites_the_same_files(scorer, tmp_path):
    _frame(rows=40).to_parquet(tmp_path / "in.parquet")
    args = (scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"))
    one = scoring.score(*args, run_id="run-7", batch_rows=16, log_root=str(tmp_path / "log"))
    two = scoring.score(*args, run_id="run-7", batch_rows=16, log_root=str(tmp_path / "log"))
    assert one.files == two.files and len(list((tmp_path / "out").glob("*.parquet"))) == 3
    assert len(list((tmp_path / "log").rglob("*.parquet"))) == 3


@pytest.mark.parametrize("logged", [True, False], ids=["log-root", "output-only"])
def test_a_retry_in_fewer_chunks_removes_the_first_attempts_extra_chunks(scorer, tmp_path, logged):
    """A retry with a larger ``batch_rows`` (the first attempt ran out of time in small chunks)
    wrote fewer chunk files than its first attempt; the first attempt's later chunks stayed beside
    them and every row they held was there twice, in the output and in the inference log. A retry
    now leaves exactly its own chunks."""
    _frame(rows=40).to_parquet(tmp_path / "in.parquet")
    args = (scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"))
    log = {"log_root": str(tmp_path / "log")} if logged else {}
    other = scoring.score(*args, run_id="run-70", batch_rows=40, **log)  # another run in the same places
    first = scoring.score(*args, run_id="run-7", batch_rows=10, **log)
    retry = scoring.score(*args, run_id="run-7", batch_rows=16, **log)
    assert (first.chunks, retry.chunks) == (4, 3)
    out = _read(tmp_path / "out")
    assert len(out) == 80 and out[out.run_id == "run-7"].request_id.is_unique
    assert retry.stale_files == 1 + logged
    assert sorted(p.name for p in (tmp_path / "out").glob("*.parquet")) == sorted(
        [f.rsplit("/", 1)[-1] for f in retry.files] + [other.files[0].rsplit("/", 1)[-1]])
    if logged:
        rows = pd.concat([pq.read_table(p).to_pandas() for p in (tmp_path / "log").rglob("*.parquet")])
        assert len(rows) == 80 and rows.request_id.value_counts().max() == 2  # once per run, not more
    again = scoring.score(*args, run_id="run-7", batch_rows=16, **log)  # nothing left to remove
    assert again.stale_files == 0 and "removed" not in again.summary()
    assert "removed 2 chunk file(s) an earlier attempt wrote" in retry.summary() if logged else True


def test_a_value_that_does_not_fit_the_logs_type_is_kept_aside_as_the_sink_does(tmp_path):
    """The log registered ``region`` as double first (an earlier client sent numbers): text values
    become null there and are kept in ``_mistyped``, as ctloop.inference_log.schema.normalise does;
    a number logged into a text column becomes its JSON text."""
    import json

    import orjson
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    from ctloop.inference_log import schema

    df = _frame(rows=60).assign(region=lambda d: np.where(d.c > 2, "north", "7"))
    model = make_pipeline(make_column_transformer((OneHotEncoder(), ["region"]), remainder="passthrough"),
                          LogisticRegression()).fit(df[["a", "region"]], df.y)
    scorer = scoring.Scorer(model, "credit", "2", "champion", ["a", "region"], ["a"])
    df.to_parquet(tmp_path / "in.parquet")
    schema.sync(str(tmp_path / "log"), "credit", {"region": "double", "a": "string"})
    result = scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r",
                           log_root=str(tmp_path / "log"))
    logged = pq.read_table(result.log_files[0]).to_pandas()
    assert logged.region.isna().all()  # text never fits a double column, "7" included (sink: schema.normalise)
    assert [json.loads(v) for v in logged[schema.MISTYPED]] == [{"region": r} for r in df.region]
    assert logged.a.tolist() == [orjson.dumps(v).decode() for v in df.a]


def test_a_fixed_scoring_time_makes_a_retry_log_into_the_same_day(scorer, tmp_path):
    """``scored_at`` picks the log's ``date=``: with the same time a retry (same run id) rewrites the
    first attempt's log files instead of logging the rows again."""
    assert scoring.scoring_time("") is None and scoring.scoring_time("{{$.pipeline_job_create_time_utc}}") is None
    first = scoring.scoring_time("2026-12-02T23:59:30Z")
    assert first.isoformat() == "2026-12-02T23:59:30+00:00"
    _frame(rows=20).to_parquet(tmp_path / "in.parquet")
    for _ in range(2):  # the attempt and its retry
        scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r",
                      log_root=str(tmp_path / "log"), scored_at=first)
    logged = sorted(p.relative_to(tmp_path / "log") for p in (tmp_path / "log").rglob("*.parquet"))
    assert len(logged) == 1 and "date=2026-12-02" in str(logged[0])


@pytest.mark.parametrize("dtype, values", [("string", ["a", None, "b"]), ("boolean", [True, None, False])])
def test_nullable_text_and_boolean_parquet_columns_with_gaps_score(tmp_path, dtype, values):
    """A model of ctloop's train core scores a Parquet table written from pandas' nullable dtypes
    with gaps, as ``read_table`` reads it for training (object, NaN for the gaps): the batches
    kept ``pd.NA`` and the imputer raised "TypeError: boolean value of NA is ambiguous" (refused
    as 'cannot score rows 0..59')."""
    from ctloop.components.train.core import fit
    from ctloop.storage import read_table, write_table

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=60), "c": ["p", "q", "r", "s"] * 15,
                          "f": pd.array(values * 20, dtype=dtype), "y": [0, 1] * 30})
    write_table(frame, str(tmp_path / "t.parquet"))
    model = fit(read_table(str(tmp_path / "t.parquet")), target="y", params={"max_iter": 5}).model
    scorer = scoring.Scorer(model, "credit", "3", "champion", ["x", "c", "f"], ["x"])
    result = scoring.score(scorer, str(tmp_path / "t.parquet"), str(tmp_path / "out"), run_id="r1",
                           id_column="", log_root=str(tmp_path / "log"), scored_at=SCORED_AT)
    assert result.rows == 60
    expected = model.predict_proba(read_table(str(tmp_path / "t.parquet")).drop(columns=["y"]))[:, 1]
    assert np.allclose(_read(tmp_path / "out")["prediction_1"], expected)


def test_text_gaps_of_a_parquet_batch_score_like_the_csv_gaps_the_model_was_trained_with(tmp_path):
    """A plain Parquet text column's gaps reach the batches as ``None`` (Arrow's ``to_pandas``); the
    model's imputers take only NaN as missing, so a model trained from the CSV of the same table
    scored them as an unseen category instead of the imputed value (``storage.plain_missing``)."""
    from ctloop.components.train.core import fit
    from ctloop.storage import read_table

    rng = np.random.default_rng(0)
    c = np.array(["p", "q", "r"] * 40, dtype=object)
    c[::4] = None
    frame = pd.DataFrame({"x": rng.normal(size=120), "c": c})
    frame["y"] = ((frame["c"] == "p") | (frame["x"] > 1)).astype(int)
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_parquet(tmp_path / "t.parquet")
    trained = read_table(str(tmp_path / "t.csv"))
    model = fit(trained, target="y", estimator="logistic_regression").model
    scorer = scoring.Scorer(model, "credit", "3", "champion", ["x", "c"], ["x"])
    scoring.score(scorer, str(tmp_path / "t.parquet"), str(tmp_path / "out"), run_id="r1", id_column="",
                  log_root=str(tmp_path / "log"), scored_at=SCORED_AT)
    expected = model.predict_proba(trained.drop(columns=["y"]))[:, 1]
    assert np.allclose(_read(tmp_path / "out")["prediction_1"], expected)


def test_a_retry_across_midnight_logs_into_the_first_attempts_day(scorer, tmp_path):
    """Without a fixed ``scored_at`` (kfp.local leaves the pipeline's creation time unresolved) a
    retry after midnight logged every row again under the new day. The first attempt records its
    time and version under the log root (``_batch_runs``, never part of the log); a retry of the
    same run id scores at that time: the same files, rewritten."""
    _frame(rows=20).to_parquet(tmp_path / "in.parquet")
    args = (scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"))
    scoring.score(*args, run_id="r", log_root=str(tmp_path / "log"),
                  scored_at=scoring.scoring_time("2026-12-02T23:59:30Z"))  # the attempt, just before midnight
    retry = scoring.score(*args, run_id="r", log_root=str(tmp_path / "log"))  # after it: now, another day
    logged = sorted(p.relative_to(tmp_path / "log") for p in (tmp_path / "log").rglob("*.parquet"))
    assert len(logged) == 1 and "date=2026-12-02" in str(logged[0]), logged
    assert set(pq.read_table(tmp_path / "out").to_pandas().scored_at) == {pd.Timestamp("2026-12-02T23:59:30Z")}
    assert retry.rows == 20
    other = scoring.score(*args, run_id="r2", log_root=str(tmp_path / "log"))  # another run: its own time
    assert other.log_files[0] != retry.log_files[0]


class _Registry:
    """A double of the two registry calls load_scorer makes on a model with two versions (the
    ``MlflowRegistry`` methods of the same names: aliases, versions, load_meta, load_model)."""

    tracking_uri = "double://"

    def __init__(self, models: dict[str, object], champion: str):
        self.models, self.champion = models, champion

    def aliases(self, name):
        return {"champion": self.champion}

    def versions(self, name):
        return list(self.models)

    def load_meta(self, name, version):
        return {"features": ["a", "b", "c"], "numeric": ["a", "b", "c"], "task": "classification"}

    def load_model(self, name, version):
        return self.models[str(version)]


def test_a_retry_after_the_alias_moved_scores_with_the_first_attempts_version(tmp_path):
    """The alias moved between the attempt and its retry (a promotion): the retry would log its rows
    again under the new version's ``revision=``; it finishes the run it retries instead."""
    from ctloop.config import ScoringConfig

    df = _frame(rows=30)
    df.to_parquet(tmp_path / "in.parquet")
    models = {"3": LogisticRegression().fit(df[["a", "b", "c"]], df.y),
              "4": LogisticRegression(C=0.01).fit(df[["a", "b", "c"]], df.y)}
    cfg = ScoringConfig(data=str(tmp_path / "in.parquet"), output=str(tmp_path / "out"), log_root=str(tmp_path / "log"))
    first = scoring.score_section(_Registry(models, "3"), "credit", cfg, run_id="r")
    retry = scoring.score_section(_Registry(models, "4"), "credit", cfg, run_id="r")  # promoted in between
    assert first.model_version == retry.model_version == "3"
    assert "with credit v3 (champion) in" in first.summary()  # the summary says the alias moved
    assert "with credit v3 (run r's first attempt; champion is now v4) in" in retry.summary()
    same = scoring.score_section(_Registry(models, "3"), "credit", cfg, run_id="r")  # the alias back on v3
    assert "with credit v3 (champion) in" in same.summary()
    assert len(list((tmp_path / "log").rglob("*.parquet"))) == 1
    fresh = scoring.score_section(_Registry(models, "4"), "credit", cfg, run_id="r-next")  # a new run: the alias
    assert fresh.model_version == "4"


def test_a_retry_with_another_fixed_time_than_its_first_attempt_is_refused(scorer, tmp_path):
    """An explicit ``scored_at`` that differs from the first attempt's would log the run's rows
    again under another ``date=`` (and give the output another ``scored_at``): one line naming
    ``scored_at``, nothing written."""
    _frame(rows=20).to_parquet(tmp_path / "in.parquet")
    args = (scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"))
    scoring.score(*args, run_id="r", log_root=str(tmp_path / "log"), scored_at=SCORED_AT)
    before = sorted((tmp_path / "log").rglob("*")), pq.read_table(tmp_path / "out").to_pandas()
    with pytest.raises(ConfigError, match=r"^scored_at: 2026-12-02T03:00:00\+00:00 .*2026-12-01T03:00:00\+00:00"):
        scoring.score(*args, run_id="r", log_root=str(tmp_path / "log"),
                      scored_at=scoring.scoring_time("2026-12-02T03:00:00Z"))
    assert sorted((tmp_path / "log").rglob("*")) == before[0]
    pd.testing.assert_frame_equal(pq.read_table(tmp_path / "out").to_pandas(), before[1])
    again = scoring.score(*args, run_id="r", log_root=str(tmp_path / "log"), scored_at=SCORED_AT)  # the same: fine
    assert again.rows == 20 and len(list((tmp_path / "log").rglob("*.parquet"))) == 1


def test_a_retry_with_another_version_than_its_first_attempt_is_refused(scorer, tmp_path):
    """``score`` with a scorer of another version than the run's first attempt would log the rows
    again under another ``revision=``: refused before a file is written."""
    import dataclasses

    _frame(rows=20).to_parquet(tmp_path / "in.parquet")
    scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r",
                  log_root=str(tmp_path / "log"))
    newer = dataclasses.replace(scorer, version="4")
    with pytest.raises(ConfigError, match=r"^run_id: run 'r' first scored with credit v3; a retry with v4 "):
        scoring.score(newer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r",
                      log_root=str(tmp_path / "log"))
    assert len(list((tmp_path / "log").rglob("*.parquet"))) == 1
    assert set(pq.read_table(tmp_path / "out").to_pandas().model_version) == {"3"}


@pytest.mark.parametrize("record", [
    '{"run_id": "r", "scored_at": "2026-12-01T03:00:00+00:00", "model_version": ""}',
    '{"run_id": "r", "scored_at": "2026-12-01T03:00:00+00:00", "model_version": null}',
    '{"run_id": "r", "scored_at": "yesterday", "model_version": "3"}',
    '{"run_id": "r", "scored_at": "2026-12-01T03',
    '["2026-12-01T03:00:00+00:00", "3"]',
])
def test_a_broken_batch_run_record_is_one_line_naming_it(scorer, tmp_path, record):
    """A record without a time or a version is not a first attempt to finish: neither the alias's
    version nor now silently (that would log the run's rows twice) — the record's path, exit 2."""
    from ctloop.inference_log import layout

    path = tmp_path / "log" / layout.batch_run_file("credit", "r")
    path.parent.mkdir(parents=True)
    path.write_text(record)
    _frame(rows=20).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(DataSourceError, match=r"^log_root: .*_batch_runs/model=credit/r\.json is not a batch run "
                                              r"record") as info:
        scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r",
                      log_root=str(tmp_path / "log"))
    assert "\n" not in str(info.value)
    assert not (tmp_path / "out").exists() and not list((tmp_path / "log").rglob("*.parquet"))



def test_a_bad_run_id_is_refused_before_the_registry_is_opened(tmp_path):
    from ctloop.config import ScoringConfig

    _frame(rows=20).to_parquet(tmp_path / "in.parquet")
    cfg = ScoringConfig(data=str(tmp_path / "in.parquet"), output=str(tmp_path / "out"), log_root=str(tmp_path / "log"))

    def registry():
        raise AssertionError("the registry was opened")

    with pytest.raises(ConfigError, match=r"^run_id: '\.\./x' must be"):
        scoring.score_section(registry, "credit", cfg, run_id="../x")


def test_a_run_id_reused_for_another_input_is_refused_not_overwriting_the_first_runs_log(scorer, tmp_path):
    """``--run-id nightly`` every night: the second night is not a retry of the first — it would
    score at the first night's time, under its ``date=``, into the same file names, overwriting the
    rows the first night logged. The record keeps the input (its URI and files): another input is
    refused before anything is written."""
    _frame(rows=20).to_parquet(tmp_path / "monday.parquet")
    _frame(rows=25, seed=1).to_parquet(tmp_path / "tuesday.parquet")
    log = tmp_path / "log"
    scoring.score(scorer, str(tmp_path / "monday.parquet"), str(tmp_path / "out"), run_id="nightly", log_root=str(log))
    before = {p: p.read_bytes() for p in log.rglob("*.parquet")}
    with pytest.raises(ConfigError, match=r"^run_id: run 'nightly' first scored .*monday\.parquet"):
        scoring.score(scorer, str(tmp_path / "tuesday.parquet"), str(tmp_path / "out2"), run_id="nightly",
                      log_root=str(log))
    assert {p: p.read_bytes() for p in log.rglob("*.parquet")} == before
    assert not (tmp_path / "out2").exists() or not list((tmp_path / "out2").iterdir())
    # the same input again is a retry: it rewrites the same files
    scoring.score(scorer, str(tmp_path / "monday.parquet"), str(tmp_path / "out"), run_id="nightly", log_root=str(log))
    assert sorted(log.rglob("*.parquet")) == sorted(before)


def test_a_value_the_model_cannot_take_is_one_line_naming_the_column_and_row(tmp_path):
    """Before: scikit-learn's message as it came: several lines ("Input X contains NaN.\\n…") and
    no column named ("Input X contains infinity")."""
    df = _frame(rows=20)
    model = LogisticRegression().fit(df[["a", "b", "c"]], df.y)  # no imputer: NaN is refused too
    plain = scoring.Scorer(model, "credit", "3", "champion", ["a", "b", "c"], ["a", "b", "c"])
    for value, word in ((np.inf, "inf"), (np.nan, "missing")):
        bad = df.copy()
        bad.loc[13, "b"] = value
        bad.to_parquet(tmp_path / "in.parquet")
        with pytest.raises(DataSourceError) as info:
            scoring.score(plain, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r", batch_rows=10)
        text = str(info.value)
        assert "\n" not in text and "column 'b'" in text and word in text and "row 14" in text, text


def _text_code_scorer():
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    df = _frame(rows=200)
    df["code"] = np.where(df.a > 0, "013", np.where(df.b > 0, "77", "A1"))  # text: one code has a letter
    model = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["code"]),
                                                  remainder="passthrough"), LogisticRegression())
    model.fit(df[["a", "b", "code"]], df.y)
    return df, scoring.Scorer(model, "credit", "3", "champion", ["a", "b", "code"], ["a", "b"])


def test_a_text_feature_that_looks_numeric_in_a_csv_is_read_as_text(tmp_path):
    """A text feature whose values in this file are all digits ('013', '77'): CSV type inference
    made them the numbers 13 and 77, which the model had never seen as categories: every row was
    scored as an unknown code, silently."""
    df, scorer = _text_code_scorer()
    digits = df[df.code != "A1"].reset_index(drop=True)
    digits[["a", "b", "code"]].to_csv(tmp_path / "in.csv", index=False)
    result = scoring.score(scorer, str(tmp_path / "in.csv"), str(tmp_path / "out"), run_id="r")
    expected = scorer.model.predict_proba(digits[["a", "b", "code"]])[:, 1]
    np.testing.assert_allclose(_read(tmp_path / "out")["prediction_1"], expected)
    assert result.rows == len(digits)


def test_numbers_in_a_text_feature_of_parquet_score_as_the_trained_codes(tmp_path):
    """Codes trained as text ('013', '77') written to Parquet as int64 (13, 77): refused before,
    while the serving runtime read the same JSON numbers as text. Now read as serving reads them
    (ctloop.storage.numbers_as_text): 13 as '013', the one trained code of that value, 77 as '77';
    the predictions are those of the trained text, and the summary counts what was read so."""
    df, scorer = _text_code_scorer()
    digits = df[df.code != "A1"].reset_index(drop=True)
    digits[["a", "b"]].assign(code=digits.code.astype(int))[["a", "b", "code"]].to_parquet(tmp_path / "in.parquet")
    result = scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r", batch_rows=50)
    expected = scorer.model.predict_proba(digits[["a", "b", "code"]])[:, 1]
    np.testing.assert_allclose(_read(tmp_path / "out")["prediction_1"], expected)
    counts = result.numbers_as_text["code"]
    zero_padded = int((digits.code == "013").sum())
    assert (counts.numbers, counts.recoded, counts.unknown, counts.ambiguous) == (len(digits), zero_padded, 0, 0)
    assert f"numbers read as text: 'code': {len(digits)} number(s) read as text, {zero_padded} as the trained " \
           "category written otherwise (13 → '013')" in result.summary()


def test_numbers_in_a_text_feature_of_parquet_none_of_them_a_trained_code_are_refused(tmp_path):
    """The hazard the refusal guarded: a column of numbers none of which is the value of a trained
    category (amounts where codes were learnt, the wrong column) would score every row as an
    unknown category. One line naming the column, nothing written. One number that is a trained
    code's value is enough to score (the others are counted as unknown)."""
    df, scorer = _text_code_scorer()
    df.assign(code=14)[["a", "b", "code"]].to_parquet(tmp_path / "in.parquet")
    with pytest.raises(DataSourceError) as info:
        scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r")
    text = str(info.value)
    assert "column 'code'" in text and "int64" in text and "e.g. 14" in text and "'013'" in text, text
    assert "\n" not in text and not (tmp_path / "out").exists()
    df.assign(code=np.where(df.a > 0, 13, 14))[["a", "b", "code"]].to_parquet(tmp_path / "some.parquet")
    result = scoring.score(scorer, str(tmp_path / "some.parquet"), str(tmp_path / "out"), run_id="r")
    assert result.numbers_as_text["code"].unknown == int((df.a <= 0).sum())
    assert "matching no trained category (14 → '14')" in result.summary()


def test_whole_numbers_for_a_text_feature_of_a_model_whose_categories_cannot_be_read_are_refused(tmp_path):
    df = _frame(rows=200)
    df["code"] = np.where(df.a > 0, "013", "77")
    model = LogisticRegression().fit(df[["a", "b"]], df.y)  # no encoder: its categories are unknown
    scorer = scoring.Scorer(model, "credit", "3", "champion", ["a", "b", "code"], ["a", "b"])
    df.assign(code=13)[["a", "b", "code"]].to_parquet(tmp_path / "in.parquet")
    with pytest.raises(DataSourceError, match=r"^data: column 'code' of .* is int64, but credit v3 was trained "
                                              r"with text there and its categories cannot be read"):
        scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r")


def test_daily_files_whose_feature_is_integral_one_day_score_together(scorer, tmp_path):
    """A directory of daily files, one of them with a feature that happened to hold whole numbers
    (pandas writes int64): the first file's schema was imposed on the others and the run failed
    midway, 'Float value 0.125730 was truncated converting to int64', after writing chunks."""
    df = _frame(rows=40)
    (tmp_path / "in").mkdir()
    df.iloc[:20].assign(a=df.a.iloc[:20].round().astype(int)).to_parquet(tmp_path / "in" / "day-1.parquet")
    df.iloc[20:].to_parquet(tmp_path / "in" / "day-2.parquet")
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "day-1.csv").write_text("a,b,c\n1,2,3\n")
    (tmp_path / "csv" / "day-2.csv").write_text("a,b,c\n1.5,2,3\n")
    for source in ("in", "csv"):
        result = scoring.score(scorer, str(tmp_path / source), str(tmp_path / f"out-{source}"), run_id="r")
        assert result.rows == {"in": 40, "csv": 2}[source]


def test_a_file_of_a_directory_without_a_feature_is_refused_naming_it(scorer, tmp_path):
    """Before: the file's rows were scored with the feature missing (a model that imputes
    predicted them from a made-up value, silently)."""
    df = _frame(rows=40)
    (tmp_path / "in").mkdir()
    df.iloc[:20].to_parquet(tmp_path / "in" / "day-1.parquet")
    df.iloc[20:].drop(columns=["c"]).to_parquet(tmp_path / "in" / "day-2.parquet")
    with pytest.raises(DataSourceError) as info:
        scoring.score(scorer, str(tmp_path / "in"), str(tmp_path / "out"), run_id="r")
    text = str(info.value)
    assert "day-2.parquet has no column 'c'" in text and "\n" not in text
    assert not (tmp_path / "out").exists()
    df.iloc[20:].assign(a="x").to_parquet(tmp_path / "in" / "day-2.parquet")  # text in a numeric feature
    with pytest.raises(DataSourceError, match="column 'a' of .*day-2.parquet is string, but credit v3 needs numbers"):
        scoring.score(scorer, str(tmp_path / "in"), str(tmp_path / "out"), run_id="r")
    assert not (tmp_path / "out").exists()


def test_a_text_feature_all_digits_in_one_csv_file_of_several_is_read_as_text(tmp_path):
    """The first file holds 'A1' (text), the second only '013' and '77' (inferred as int64): the
    second file's codes were cast to '13' and '77' — codes the model never saw, scored as unknown,
    silently. Now every file's codes are read as written."""
    df, scorer = _text_code_scorer()
    (tmp_path / "in").mkdir()
    ordered = pd.concat([df[df.code == "A1"], df[df.code != "A1"]]).reset_index(drop=True)
    df[df.code == "A1"][["a", "b", "code"]].to_csv(tmp_path / "in" / "a.csv", index=False)
    df[df.code != "A1"][["a", "b", "code"]].to_csv(tmp_path / "in" / "b.csv", index=False)
    result = scoring.score(scorer, str(tmp_path / "in"), str(tmp_path / "out"), run_id="r")
    expected = scorer.model.predict_proba(ordered[["a", "b", "code"]])[:, 1]
    np.testing.assert_allclose(_read(tmp_path / "out")["prediction_1"], expected)
    assert result.rows == len(df)
    # from Parquet, numbers in one file and text in another are a producer's mistake: refused
    (tmp_path / "pq").mkdir()
    df[df.code == "A1"][["a", "b", "code"]].to_parquet(tmp_path / "pq" / "a.parquet")
    df[df.code != "A1"][["a", "b"]].assign(code=13).to_parquet(tmp_path / "pq" / "b.parquet")
    with pytest.raises(DataSourceError, match=r"^data: column 'code' is int64 in .*b\.parquet but string in "
                                              r".*a\.parquet: every file must hold the same kind"):
        scoring.score(scorer, str(tmp_path / "pq"), str(tmp_path / "out-pq"), run_id="r")
    assert not (tmp_path / "out-pq").exists()


def test_a_numeric_feature_whole_in_a_csv_files_first_block_and_fractional_later_scores(scorer, tmp_path):
    """CSV types are inferred from a file's first block (1 MiB): a feature whole there and
    fractional past it was read as int64 and the run failed ('CSV conversion error to int64:
    invalid value '1.5''); before 976984f a directory's whole numeric features were read as
    float64 from every file, and scored (a single file still fails: its values are logged as read)."""
    (tmp_path / "in").mkdir()
    pad = "p" * 1000
    rows = [f"{i % 7},{i % 5},{i % 3},{pad}" for i in range(1100)] + [f"1.5,2,3,{pad}"]
    (tmp_path / "in" / "b.csv").write_text("a,b,c,pad\n" + "\n".join(rows) + "\n")
    (tmp_path / "in" / "a.csv").write_text("a,b,c,pad\n1,2,3,x\n")
    result = scoring.score(scorer, str(tmp_path / "in"), str(tmp_path / "out"), run_id="r")
    assert result.rows == 1102
    assert _read(tmp_path / "out")["prediction_1"].notna().all()


@pytest.fixture(scope="module")
def xy_scorer():
    """A model of the numeric features ``x`` and ``y`` of tests.helpers.late_change_csv's files."""
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"x": rng.integers(0, 100, 300), "y": rng.normal(size=300)})
    model = LogisticRegression().fit(df, (df.x / 50 + df.y > 1).astype(int))
    return scoring.Scorer(model, "credit", "4", "champion", ["x", "y"], ["x", "y"])


@pytest.mark.parametrize("name", ["late.csv", "late.csv.gz"])
@pytest.mark.parametrize("column, bad", [("x", "abc"), ("y", "n.a.")])
def test_text_past_a_csv_numeric_features_first_block_is_refused_and_nothing_stays_written(xy_scorer, tmp_path,
                                                                                            name, column, bad):
    """A numeric feature whose text starts past the file's first block (pyarrow infers types from
    1 MiB) failed after the earlier chunks were written and logged, leaving a half-scored run:
    now one line naming the column and the value, and the chunk files, log files and batch run
    record of this attempt are removed (the CLI prints it as ``error: …``, exit code 2)."""
    at = late_change_csv(tmp_path / name, 200_000, column, bad)
    with pytest.raises(DataSourceError) as info:
        scoring.score(xy_scorer, str(tmp_path / name), str(tmp_path / "out"), run_id="r", batch_rows=20_000,
                      log_root=str(tmp_path / "log"), id_column="id")
    text = str(info.value)
    assert text.startswith("data: ") and f"column {column!r}" in text and repr(bad) in text
    assert f"row {at + 1}:" in text and "\n" not in text
    # the log's column types (log/_schema) stay registered, as a sink keeps them after a failed request
    left = [p for p in tmp_path.rglob("*") if p.is_file() and p.parent == tmp_path / "out" or p.is_file()
            and tmp_path / "log" in p.parents and "_schema" not in p.parts]
    assert left == []


def test_a_single_csv_files_feature_whole_in_its_first_block_and_fractional_later_scores(xy_scorer, tmp_path):
    """One file, whole numbers in its first block and '1.5' far past it: the rest of the file is
    read as float64 (it failed: 'CSV conversion error to int64'), every row scored once."""
    at = late_change_csv(tmp_path / "late.csv", 200_000, "x", "1.5")
    result = scoring.score(xy_scorer, str(tmp_path / "late.csv"), str(tmp_path / "out"), run_id="r",
                           batch_rows=50_000, id_column="id")
    out = _read(tmp_path / "out")
    assert result.rows == len(out) == 200_000 and out.request_id.tolist() == [str(i) for i in range(200_000)]
    expected = xy_scorer.model.predict_proba(pd.DataFrame({"x": [1.5], "y": [pd.read_csv(tmp_path / "late.csv").y[at]]}))
    assert out.prediction_1[at] == pytest.approx(expected[0, 1])


@pytest.mark.parametrize("arrow_type", ["dictionary", "large_string"])
def test_a_dictionary_encoded_text_feature_is_logged_as_its_text(tmp_path, arrow_type):
    """Spark and pandas' category dtype write text as a Parquet dictionary: the log held
    '"south"' (its JSON text, quotes and all), and monitoring read every logged region as a new
    category against the gate's reference (drift score 0.83 on the very rows trained on)."""
    from ctloop.components.train.core import fit
    from ctloop.inference_log.reader import read_log
    from ctloop.storage import read_table

    rng = np.random.default_rng(0)
    region = rng.choice(["north", "south", "east"], 90)
    column = pa.array(region).dictionary_encode() if arrow_type == "dictionary" else pa.array(region, pa.large_string())
    pq.write_table(pa.table({"x": rng.normal(size=90), "region": column, "y": rng.integers(0, 2, 90)}),
                   tmp_path / "t.parquet")
    model = fit(read_table(str(tmp_path / "t.parquet")), target="y", estimator="logistic_regression").model
    scorer = scoring.Scorer(model, "credit", "3", "champion", ["x", "region"], ["x"])
    scoring.score(scorer, str(tmp_path / "t.parquet"), str(tmp_path / "out"), run_id="r1", id_column="",
                  log_root=str(tmp_path / "log"), scored_at=SCORED_AT)
    logged = read_log(str(tmp_path / "log"), "credit", pd.Timestamp(SCORED_AT) - pd.Timedelta("1h"),
                      pd.Timestamp(SCORED_AT) + pd.Timedelta("1h"))
    assert sorted(logged["region"].unique()) == ["east", "north", "south"]


def test_a_retry_refused_for_late_text_leaves_nothing_of_the_earlier_attempt_either(xy_scorer, tmp_path):
    """The first attempt, in smaller batches, wrote its chunks and was lost before it finished
    (a pod evicted); the file was rewritten meanwhile with text far down. The retry removed its
    own chunk only: the first attempt's later chunks, their log files and its run record stayed,
    under a message saying nothing of the run was left."""
    path = tmp_path / "late.csv"
    late_change_csv(path, 200_000, "x", "abc")
    good = path.read_text().replace(",abc,", ",7,")
    bad = path.read_text()
    path.write_text(good)
    args = (xy_scorer, str(path), str(tmp_path / "out"))
    kw = dict(run_id="r", log_root=str(tmp_path / "log"), id_column="id", scored_at=SCORED_AT)
    scoring.score(*args, batch_rows=50_000, **kw)  # 4 chunks, logged, and a run record
    path.write_text(bad)
    with pytest.raises(DataSourceError, match="nothing of this run is left in the output"):
        scoring.score(*args, batch_rows=150_000, **kw)
    left = [p for p in tmp_path.rglob("*") if p.is_file() and (tmp_path / "out" in p.parents or (
        tmp_path / "log" in p.parents and "_schema" not in p.parts))]
    assert left == []


@pytest.mark.parametrize("inside", ["output", "log_root"])
def test_an_output_or_log_inside_the_data_directory_is_refused_before_anything_is_written(scorer, tmp_path, inside):
    """Before: the first run wrote its predictions (or logged rows) under the data directory, and
    every later run read them as input ('part-r0-00000.parquet has no column 'a'')."""
    (tmp_path / "d").mkdir()
    _frame(rows=10).to_parquet(tmp_path / "d" / "in.parquet")
    output = str(tmp_path / ("d/out" if inside == "output" else "out"))
    log_root = str(tmp_path / ("d/log" if inside == "log_root" else "log"))
    with pytest.raises(ConfigError) as info:
        scoring.score(scorer, str(tmp_path / "d"), output, run_id="r", log_root=log_root)
    where = output if inside == "output" else log_root
    assert str(info.value) == (f"{inside}: {where!r} is inside data {str(tmp_path / 'd')!r}: the next run would read "
                               "what this one writes as input; write it elsewhere")
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["in.parquet"] and not (tmp_path / "out").exists()


@pytest.mark.parametrize("written", [{True: 1, False: 0}, {True: "yes", False: "no"}])
def test_a_true_false_feature_written_as_0_1_or_yes_no_is_refused_not_scored_as_unknown(tmp_path, written):
    """A model of ctloop's train core learnt a true/false column as the categories True and False; a
    CSV writing it 1/0 or yes/no was scored with every row's value unknown to the one-hot encoder
    (ignored): predictions differed by up to 0.99 from the same rows written True/False, and nothing
    said so. Refused naming the column, as a text feature arriving as numbers is."""
    from ctloop.components.train import core as train_core

    df = _frame(rows=300).assign(flag=lambda d: d.c > 1)
    df["y"] = np.where(df.flag, df.y, 1 - df.y)
    result = train_core.fit(df[["a", "flag", "y"]], target="y", task="classification",
                            estimator="logistic_regression")
    scorer = scoring.Scorer(result.model, "credit", "4", "champion", ["a", "flag"], ["a"])
    df[["a", "flag"]].to_csv(tmp_path / "ok.csv", index=False)
    scoring.score(scorer, str(tmp_path / "ok.csv"), str(tmp_path / "ok"), run_id="r")  # True/False: scored
    df[["a", "flag"]].assign(flag=df.flag.map(written)).to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(DataSourceError, match=r"^data: column 'flag' of .*in\.csv is (int64|string), but credit v4 "
                                              r"was trained with true/false there: write True or False"):
        scoring.score(scorer, str(tmp_path / "in.csv"), str(tmp_path / "out"), run_id="r")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["prediction", "prediction_1", "meta_source", "date", "_time", "request_id"])
def test_batch_scoring_names_a_feature_column_as_the_sink_does(name):
    """The log one model's rows go to is written by the sink and by batch scoring: a feature the
    sink stores as input_<name> (a column the join fills from elsewhere, or one read_log or
    pyarrow.dataset's hive partitioning claims) must be stored under the same name by both."""
    from ctloop.inference_log.events import feature_column
    from ctloop.scoring import _log_name

    assert _log_name(name) == feature_column(name) == f"input_{name}"
    assert _log_name("income") == "income"
