"""Reading for streaming drift (files, directories with hive partitions, globs, lists; partition
pushdown, projection, progress, row samples) and the ``ctloop drift`` command's streaming path.

The partitioned data is laid out by ``ctloop.inference_log.layout``, the sink's own layout.
"""

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main
from ctloop.drift import engine, stats, streaming
from ctloop.errors import ConfigError, DataSourceError
from ctloop.inference_log import layout

DAYS = ("2024-05-01", "2024-05-02", "2024-05-03")


def frame(n, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "income": rng.lognormal(10 + shift, 0.5, n),
            "age": rng.integers(18, 90, n),
            "region": rng.choice(["n", "s", "e", "w"], n, p=[0.4, 0.3, 0.2 + shift / 10, 0.1 - shift / 10]),
            "score": rng.normal(shift, 1, n),
        }
    )


@pytest.fixture
def log_root(tmp_path):
    """An inference log: model=credit/date=<day>/revision=<r>/part-*.parquet, a quarantine
    directory and a half-written temporary file, both to be ignored."""
    root = tmp_path / "log"
    for i, day in enumerate(DAYS):
        for j, rev in enumerate(("v1", "v2")):
            path = root / layout.data_file("credit", day, rev, f"part-{i}{j}.parquet")
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pandas(frame(500, shift=0.5 * i, seed=10 * i + j),
                                                preserve_index=False), path)  # fmt: skip
    q = root / layout.quarantine_file(DAYS[0], "part-x.jsonl")
    q.parent.mkdir(parents=True)
    q.write_text('{"bad": true}\n')
    (root / layout.partition("credit", DAYS[0], "v1") / ".part-tmp.parquet").write_bytes(b"half")
    return root


def test_directory_with_hive_partitions_and_pushdown(log_root):
    src = streaming.open_source(log_root)
    assert src.format == "parquet" and len(src.files) == 6
    assert src.partition_keys == list(layout.PARTITION_KEYS)
    assert {"model", "date", "revision", "income"} <= set(src.columns)
    assert src.count_rows() == 3000
    seen = []
    batches = list(
        streaming.scan(log_root, ["income", "date"], filter=pads.field("date") >= DAYS[1],
                       batch_rows=200, progress=lambda info: seen.append((info.files_done, info.rows)))  # fmt: skip
    )
    table = pa.Table.from_batches(batches)
    assert table.column_names == ["income", "date"] and table.num_rows == 2000
    assert set(table.column("date").to_pylist()) == set(DAYS[1:])
    assert max(b.num_rows for b in batches) <= 200
    assert seen[-1] == (4, 2000)  # pushdown: only the 4 files of the two days were read
    assert [r for _, r in seen] == sorted(r for _, r in seen)


def test_glob_list_and_single_file(log_root):
    one_day = streaming.open_source(str(log_root / "model=credit" / "date=2024-05-0[23]" / "*" / "*.parquet"))
    assert len(one_day.files) == 4 and one_day.partition_keys == ["date", "revision"]
    recursive = streaming.open_source(str(log_root / "**" / "revision=v2"))
    assert len(recursive.files) == 3
    listed = streaming.open_source(one_day.files[:2])
    assert listed.count_rows() == 1000
    single = streaming.open_source(one_day.files[0])
    assert single.partition_keys == [] and single.count_rows() == 500


def test_reading_errors_name_the_input(tmp_path):
    with pytest.raises(DataSourceError, match="does not exist"):
        streaming.open_source(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataSourceError, match="empty directory"):
        streaming.open_source(tmp_path / "empty")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "part-1.txt").write_text("x")
    # a directory's files as read_table lists and refuses them (storage.directory_table, one rule); a .txt
    # may be a CSV: refused, not left out (only names no table writer produces are: storage._no_data_name;
    # a NOTES.txt is one since r52-fix-stray)
    with pytest.raises(ConfigError, match="cannot tell the format of its file part-1.txt"):
        streaming.open_source(tmp_path / "other")
    (tmp_path / "other" / "part-1.txt").rename(tmp_path / "other" / "README.md")
    with pytest.raises(DataSourceError, match=r"holds no data files: .*e.g. README.md"):
        streaming.open_source(tmp_path / "other")
    with pytest.raises(DataSourceError, match="matches no files"):
        streaming.open_source(str(tmp_path / "nothing-*.parquet"))
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    frame(10).to_parquet(mixed / "a.parquet")
    frame(10).to_csv(mixed / "b.csv", index=False)
    with pytest.raises(ConfigError, match="holds CSV and Parquet files"):
        streaming.open_source(mixed)
    broken = tmp_path / "broken"
    broken.mkdir()
    frame(100).to_parquet(broken / "a.parquet")
    (broken / "b.parquet").write_bytes(b"PAR1 not really parquet")
    with pytest.raises(DataSourceError, match="b.parquet"):
        streaming.state_of(streaming.open_source([broken / "a.parquet", broken / "b.parquet"]))


def test_csv_directory_streams_like_pandas(tmp_path):
    for name, shift, n in (("ref", 0.0, 3000), ("cur", 0.4, 2000)):
        (tmp_path / name).mkdir()
        data = frame(n, shift, seed=int(shift * 10))
        data.iloc[: n // 2].to_csv(tmp_path / name / "a.csv", index=False)
        data.iloc[n // 2 :].to_csv(tmp_path / name / "b.csv.gz", index=False)
    exact = engine.detect(
        pd.concat([pd.read_csv(tmp_path / "ref" / "a.csv"), pd.read_csv(tmp_path / "ref" / "b.csv.gz")]),
        pd.concat([pd.read_csv(tmp_path / "cur" / "a.csv"), pd.read_csv(tmp_path / "cur" / "b.csv.gz")]),
    )
    streamed = streaming.detect_sources(tmp_path / "ref", tmp_path / "cur").result
    assert [(c.column, c.kind, c.method, c.drifted) for c in exact.columns] == [
        (c.column, c.kind, c.method, c.drifted) for c in streamed.columns
    ]
    for x, y in zip(exact.columns, streamed.columns, strict=True):
        assert x.score == pytest.approx(y.score, rel=1e-9)


def test_row_sample_is_seeded_bounded_and_mergeable(log_root):
    src = streaming.open_source(log_root)
    whole = streaming.RowSample(300, seed=3)
    for batch, file, number in src.batches(["income", "region"], batch_rows=128):
        whole.offer(batch, file, number)
    first = streaming.RowSample(300, seed=3)
    second = streaming.RowSample(300, seed=3)
    for batch, file, number in src.batches(["income", "region"], batch_rows=128):
        (first if "2024-05-01" in file else second).offer(batch, file, number)
    a, b = whole.to_pandas(), first.merge(second).to_pandas()
    assert len(a) == 300 and a.equals(b)
    other_seed = streaming.RowSample(300, seed=4)
    for batch, file, number in src.batches(["income", "region"], batch_rows=128):
        other_seed.offer(batch, file, number)
    assert not other_seed.to_pandas().equals(a)


# ------------------------------------------------------------------ the command
@pytest.fixture
def two_sides(log_root):
    ref = str(log_root / "model=credit" / "date=2024-05-01")
    cur = str(log_root / "model=credit" / "date=2024-05-03" / "*" / "*.parquet")
    return ref, cur


def test_cli_streams_directories_and_globs_with_progress(tmp_path, two_sides, capsys):
    ref, cur = two_sides
    out = tmp_path / "out"
    code = main(["drift", "--reference", ref, "--current", cur, "--engine", "stream",
                 "--output", str(out), "--no-report", "--batch-rows", "300"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    assert "reference: 1,000 rows, 2/2 files (done)" in captured.err
    assert "rows/s" in captured.err
    assert "streamed in 1 pass(es)" in captured.out and "drift:" in captured.out
    saved = json.loads((out / "drift.json").read_text())
    assert saved["engine"] == "ctloop-streaming" and saved["streaming"]["passes"] == 1
    assert saved["reference"]["rows"] == 1000 and saved["current"]["rows"] == 1000
    assert [c["column"] for c in saved["columns"]] == ["income", "age", "region", "score"]
    # the same inputs in memory give the same verdict (partition keys are layout in both)
    code = main(["drift", "--reference", ref, "--current", cur, "--engine", "memory",
                 "--output", str(tmp_path / "mem"), "--no-report"])  # fmt: skip
    assert code == 0
    mem = json.loads((tmp_path / "mem" / "drift.json").read_text())
    assert mem["engine"] == "ctloop-numpy" and "streaming" not in mem
    assert [(c["column"], c["method"], c["drifted"]) for c in mem["columns"]] == [
        (c["column"], c["method"], c["drifted"]) for c in saved["columns"]
    ]
    for a, b in zip(mem["columns"], saved["columns"], strict=True):
        assert a["score"] == pytest.approx(b["score"], rel=1e-9)
    capsys.readouterr()
    assert main(["drift", "--reference", ref, "--current", cur, "--quiet", "--engine", "stream"]) == 0
    assert capsys.readouterr().err == ""


def test_auto_engine_streams_large_or_partitioned_inputs(two_sides, monkeypatch):
    ref, cur = two_sides
    choose = streaming.choose_engine
    assert choose("auto", ref, cur) == "memory"  # 1,000 rows x 4 columns = 4,000 cells a side
    assert choose("auto", ref, cur, memory_cells=3999) == "stream"
    monkeypatch.setattr(streaming, "MEMORY_CELLS", 3999)
    assert choose("auto", ref, cur) == "stream"
    assert choose("auto", ref, cur, calibrate=True) == "memory"
    assert choose("auto", "gs://b/train.parquet", "gs://b/cur.csv") == "memory"  # single files
    assert choose("auto", "gs://b/train.parquet", "gs://b/log/") == "stream"
    assert choose("memory", ref, cur, memory_cells=1) == "memory"
    with pytest.raises(ConfigError, match="engine must be one of auto, memory, stream"):
        choose("fast", ref, cur)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--engine", "stream", "--calibrate", "5"], "--calibrate splits the reference rows"),
        (["--engine", "stream", "--columns", "nope"], "drift column 'nope' is missing from the reference"),
        (["--engine", "stream", "--method", "chisquare"], "does not apply to numeric column 'income'"),
    ],
)
def test_cli_errors_exit_2_with_one_line(two_sides, capsys, extra, message):
    ref, cur = two_sides
    code = main(["drift", "--reference", ref, "--current", cur, "--no-report", "--quiet", *extra])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_missing_directory_exits_2(tmp_path, two_sides, capsys):
    ref, _ = two_sides
    code = main(["drift", "--reference", ref, "--current", str(tmp_path / "nope"), "--engine", "stream"])
    assert code == 2 and "does not exist" in capsys.readouterr().err


def test_cli_streamed_html_report_uses_the_streamed_sample(tmp_path, two_sides, capsys):
    ref, cur = two_sides
    out = tmp_path / "out"
    code = main(["drift", "--reference", ref, "--current", cur, "--engine", "stream", "--quiet",
                 "--output", str(out), "--report-sample-size", "400", "--seed", "2"])  # fmt: skip
    assert code == 0 and "report.html" in capsys.readouterr().out
    saved = json.loads((out / "drift.json").read_text())
    rep = saved["report"]
    assert rep["report_reference_rows"] == rep["report_current_rows"] == 400
    assert rep["reference_rows"] == rep["current_rows"] == 1000  # the scans' totals
    assert rep["report_columns"] == ["income", "age", "region", "score"]
    html = (out / "report.html").read_text()
    assert saved["columns"][0]["method"] == "ks"  # 1,000 reference rows: statistical tests
    assert stats.DISPLAY_NAMES["ks"] in html  # evidently judged the sample with the same method


def test_fan_out_over_partitions_equals_one_process(log_root, tmp_path):
    """docs/drift.md's recipe: one state per day (as parallel KFP tasks would), through JSON
    files, merged and compared, gives the one-process verdict."""
    import functools

    columns = ["income", "age", "region", "score"]
    reference = streaming.state_of(log_root / "model=credit" / f"date={DAYS[0]}", columns)
    paths = []
    for day in DAYS[1:]:
        state = streaming.state_of(log_root / "model=credit" / f"date={day}", columns)
        paths.append(tmp_path / f"{day}.json")
        paths[-1].write_text(json.dumps(state.to_dict()))
    parts = [streaming.DriftState.from_dict(json.loads(p.read_text())) for p in paths]
    current = functools.reduce(streaming.DriftState.merge, parts)
    assert streaming.refine_plan(reference, current) == {}
    fanned = streaming.compare(reference, current)
    one = streaming.detect_sources(
        log_root / "model=credit" / f"date={DAYS[0]}",
        [str(log_root / "model=credit" / f"date={d}") for d in DAYS[1:]],
    ).result
    assert fanned.reason == one.reason
    for a, b in zip(fanned.columns, one.columns, strict=True):
        assert (a.column, a.method, a.drifted) == (b.column, b.method, b.drifted)
        assert a.score == pytest.approx(b.score, rel=1e-12)  # moments merged in another order


def test_abandoned_scan_stops_its_reader_thread(log_root):
    import threading

    it = streaming.open_source(log_root).batches(batch_rows=50)
    next(it)  # the reader thread is now blocked on a full prefetch queue
    it.close()
    assert not [t for t in threading.enumerate() if t.name == "ctloop-scan" and t.is_alive()]
