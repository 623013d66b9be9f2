"""Reading tables, round 54 (r54-data).

* A directory holding only an empty ``_delta_log/`` (a Delta table being created, before its first commit's
  JSON, or a broken one) was "an empty directory": a listing of files cannot show an empty directory. It is
  refused as a Delta table with no commits, as a table whose log holds files and no data file is; and data
  files beside an empty ``_delta_log/`` (a first commit's files written, its JSON not yet) are refused too.
* ``read_table`` of a directory listed it twice (the files' sizes for the memory estimate from a second
  listing); an object-store prefix named without its '/' three times. Once now.
* ``data.contract.columns.<time>.format`` other than ``data.time_format`` was refused with "set it there",
  naming ``data.time_format (--time-format)``: ``ctloop backtest --config ctloop.yaml --time-format F`` was
  refused the same, as the file is refused before the flag is read. The refusal says what to write in the
  file.
"""

from __future__ import annotations

import collections
import gzip

import pandas as pd
import pytest

from ctloop import scoring, storage
from ctloop.cli import main
from ctloop.errors import ConfigError, DataSourceError, NoDataFiles

PART = pd.DataFrame({"x": [0.5, 1.5], "target": [1, 0]})


def _write(root, files: dict[str, bytes]) -> str:
    for name, data in files.items():
        storage.write_bytes(f"{root}/{name}", data)
    return str(root)


@pytest.mark.parametrize("log, kind", [("_delta_log", "Delta Lake"), (".hoodie", "Apache Hudi")])
def test_a_directory_of_an_empty_table_log_is_refused_as_a_table_with_no_commits(
    tmp_path, log, kind
):
    table = tmp_path / "t"
    (table / log).mkdir(parents=True)
    with pytest.raises(
        ConfigError,
        match=rf"is an? {kind} table \(its {log}/ holds no file: a table with no "
        r"commits",
    ) as refused:
        storage.read_table(str(table))
    assert "empty directory" not in str(refused.value)
    with pytest.raises(
        ConfigError, match=f"{kind} table"
    ):  # drift's and scoring's reader: the same listing
        scoring.open_input(str(table))
    # a first commit's data files written, its JSON not yet: not read as plain Parquet
    _write(table, {"part-00000.snappy.parquet": PART.to_parquet()})
    with pytest.raises(ConfigError, match=f"its {log}/ holds no file"):
        storage.read_table(str(table))
    # a plain empty directory is still one
    (tmp_path / "e").mkdir()
    with pytest.raises(NoDataFiles, match="is an empty directory"):
        storage.read_table(str(tmp_path / "e"))


def _count_listings(monkeypatch, backend: type) -> collections.Counter:
    listed: collections.Counter = collections.Counter()
    objects = backend.objects

    def counted(self, loc):
        listed[loc.key] += 1
        return objects(self, loc)

    monkeypatch.setattr(backend, "objects", counted)
    return listed


def test_a_directory_is_listed_once_locally(tmp_path, monkeypatch):
    root = _write(tmp_path / "d", {f"part-{i}.parquet": PART.to_parquet() for i in range(3)})
    listed = _count_listings(monkeypatch, storage._Local)
    assert len(storage.read_table(root)) == 6
    assert sum(listed.values()) == 1, listed


def test_a_prefix_is_listed_once_on_gcs(gcs_bucket, monkeypatch):
    prefix = f"gs://{gcs_bucket}/exports/credit.parquet"  # as Spark names its output directory
    _write(prefix, {f"part-{i}.parquet": PART.to_parquet() for i in range(3)})
    listed = _count_listings(monkeypatch, type(storage._BACKENDS["gs"]()))
    for uri in (
        f"{prefix}/",
        prefix,
    ):  # the prefix, and named without its '/' (no object of that name)
        listed.clear()
        assert len(storage.read_table(uri)) == 6
        assert sum(listed.values()) == 1, (uri, listed)


SPEC = """\
apiVersion: ctloop.dev/v1alpha2
kind: ContinuousTraining
models:
  - name: m
    data: {{uri: {uri}, target: y, time_column: ts,
            contract: {{columns: {{ts: {{dtype: datetime, format: '%d/%m/%Y'}}}}}}}}
    training: {{estimator: logistic_regression}}
    gate: {{thresholds: {{roc_auc: 0.5}}, bootstrap_rounds: 20}}
"""


def test_backtest_config_with_the_contracts_own_time_format_is_told_what_to_write_in_the_file(
    tmp_path, capsys
):
    spec = tmp_path / "ctloop.yaml"
    spec.write_text(SPEC.format(uri=tmp_path / "events.csv"))
    for flags in (
        [],
        ["--time-format", "%d/%m/%Y"],
    ):  # the flag cannot mend the file: it is refused before
        assert main(["backtest", "--config", str(spec), "--model", "m", "--quiet", *flags]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--time-format" not in err, err
        assert (
            f"{spec}: models[0].data.contract.columns.ts.format '%d/%m/%Y' is not data.time_format (empty), "
            "which the time column is read with: set data.time_format to '%d/%m/%Y'"
        ) in err, err
    # done as told: read
    spec.write_text(
        SPEC.format(uri=tmp_path / "events.csv").replace(
            "time_column: ts,", "time_column: ts, time_format: '%d/%m/%Y',"
        )
    )
    from ctloop.ops.spec import load_spec

    assert load_spec(str(spec)).models[0].section("data").time_format == "%d/%m/%Y"


def _with_nul(cell: bytes) -> bytes:
    """A CSV of 600 rows with one row ``cell`` past the first 4 KiB, which read_table's sniff of a file's head
    (storage.CSV_HEAD_BYTES, and 4x that of a gzip stream's text) does not reach."""
    rows = pd.DataFrame(
        {"x": [i / 4 for i in range(600)], "c": ["a", "b"] * 300, "target": [0, 1] * 300}
    )
    text = rows.to_csv(index=False).encode()
    cut = text.index(b"\n", 4096) + 1
    return text[:cut] + cell + b"\n" + text[cut:]


@pytest.mark.parametrize(
    "cell, name",
    [(b"7\x003,a,1", "x"), (b"1.5,\x00,1", "c"), (b"1.5,a\x00b,1", "c")],
    ids=["number-cut", "gap", "text-cut"],
)
def test_a_nul_byte_past_the_sniffed_head_of_a_csv_is_refused_naming_its_offset_and_line(
    tmp_path, capsys, cell, name
):
    # pandas read '7<NUL>3' as 7 and '<NUL>' as a gap, silently (pandas 2.3.3's C parser: fields are C strings)
    data = _with_nul(cell)
    offset = data.index(b"\x00")
    line = data[:offset].count(b"\n") + 1
    for file, stored in (("cur.csv", data), ("cur.csv.gz", gzip.compress(data))):
        path = _write(tmp_path / "d", {file: stored}) + f"/{file}"
        gz = " of its decompressed text" if file.endswith(".gz") else ""
        with pytest.raises(
            DataSourceError, match=rf"holds a NUL byte at offset {offset}{gz} \(line {line}\)"
        ):
            storage.read_table(path)
    ref = _write(tmp_path / "ref", {"ref.csv": _with_nul(b"1.5,a,1")}) + "/ref.csv"
    for engine in (
        "memory",
        "stream",
    ):  # drift's engines alike: Arrow's reader kept the NUL in the text
        code = main(
            [
                "drift",
                "--reference",
                ref,
                "--current",
                f"{tmp_path}/d/cur.csv",
                "--quiet",
                "--no-report",
                "--engine",
                engine,
            ]
        )
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and "NUL byte" in err, (engine, err)
        if engine == "stream":
            assert f"column {name!r} holds a NUL byte on row {line - 1}" in err, err


def test_a_quoted_line_end_across_arrows_csv_block_is_read_by_the_streamed_readers_as_by_pandas(
    tmp_path, capsys
):
    # Arrow's CSV reader cuts 1 MiB blocks (ReadOptions.block_size, pyarrow 25.0.1) at a line end, inside a
    # quoted value too unless ParseOptions.newlines_in_values: "CSV parse error: Expected 3 columns, got 2"
    rows = b"x,c,target\n" + b"".join(b"%d.5,a,%d\n" % (i, i % 2) for i in range(100_000))
    # a row whose value opens a quote before 1 MiB and holds a line end past it
    start = rows.rfind(b"\n", 0, (1 << 20) - 8) + 1
    end = rows.index(b"\n", start)
    text = b"t" * ((1 << 20) - (start + 4))
    data = rows[:start] + b'7.5,"' + text + b'\nlines",1' + rows[end:]
    assert data.index(b'"t') < 1 << 20 < data.index(b"\nlines")
    current = _write(tmp_path / "cur", {"part-0.csv": data}) + "/part-0.csv"
    reference = _write(tmp_path / "ref", {"part-0.csv": rows}) + "/part-0.csv"
    assert len(storage.read_table(current)) == 100_000
    assert scoring.open_input(current).count_rows() == 100_000  # ctloop score's reader
    # the stream engine's reader (the memory engine reads with pandas: read_table above)
    code = main(
        [
            "drift",
            "--reference",
            reference,
            "--current",
            current,
            "--quiet",
            "--no-report",
            "--engine",
            "stream",
        ]
    )
    assert code == 0, capsys.readouterr().err


@pytest.mark.parametrize("name", ["events.jsonl", "events"])
def test_a_file_of_another_format_is_named_alike_by_both_drift_engines(tmp_path, capsys, name):
    # the streamed engine said "holds no .parquet or .csv files (e.g. …/events.jsonl); pass the format explicitly
    # if the files have no extension": ctloop drift has no format flag, and the file has an extension
    ref = _write(tmp_path / "ref", {"ref.csv": PART.to_csv(index=False).encode()}) + "/ref.csv"
    current = (
        _write(tmp_path / "cur", {name: b'{"x": 0.5, "target": 1}\n{"x": 1.5, "tar'}) + f"/{name}"
    )
    said = []
    for engine in ("memory", "stream"):
        code = main(
            [
                "drift",
                "--reference",
                ref,
                "--current",
                current,
                "--quiet",
                "--no-report",
                "--engine",
                engine,
            ]
        )
        said.append(capsys.readouterr().err)
        assert code == 2, said
    assert (
        said[0]
        == said[1]
        == (
            f"error: --current: cannot tell the format of {current!r} from its name: ctloop reads comma-separated CSV "
            "(.csv, .csv.gz) and Parquet (.parquet, .pq)\n"
        )
    ), said


def test_a_parquet_column_named_empty_is_compared_by_both_drift_engines(tmp_path, capsys):
    # without --time-column (its default ''), the memory engine left a column named '' out as the time column,
    # without a word; the streamed engine compared it
    frame = pd.DataFrame(
        {"x": [i / 8 for i in range(80)], "": [i % 5 for i in range(80)], "target": [0, 1] * 40}
    )
    side = _write(tmp_path / "s", {"part-0.parquet": frame.to_parquet()}) + "/part-0.parquet"
    for engine in ("memory", "stream"):
        assert (
            main(
                ["drift", "--reference", side, "--current", side, "--no-report", "--engine", engine]
            )
            == 0
        )
        rows = [
            line.split()[0]
            for line in capsys.readouterr().out.splitlines()
            if line[:1] in ("x", "'", "t")
        ]
        assert rows == ["x", "''", "target"], (engine, rows)
