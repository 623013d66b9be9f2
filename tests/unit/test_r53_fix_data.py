"""Reading tables, round 53 review (r53-fix-data) of the data-reading hardening merged in r53-data.

* A CSV whose header starts ``x^`` (``x^2,target``: 0x785E is 0 mod 31, no preset dictionary) was refused as
  a zlib stream ("deflate-compressed"): a few of its bytes inflate as a fixed-Huffman block. A zlib stream is
  now sniffed only in bytes that are not UTF-8, and all of them must inflate.
* A glob matching one partition of no data (the inference log sink's in-flight ``.part-1.parquet.tmp``, only a
  ``_quarantine/``, zero-byte files, an empty directory) refused the whole glob ("is a directory without data
  files"), where naming the parent reads the others: such a directory is left out, with one warning.
"""

from __future__ import annotations

import gzip
import random
import string
import warnings
import zlib

import pandas as pd
import pytest

from ctloop import scoring, storage
from ctloop.cli import main
from ctloop.errors import ConfigError, DataSourceError

TEXT = pd.DataFrame({"x": [0.5, 1.5, 2.5], "target": [1, 0, 1]}).to_csv(index=False).encode()


def _write(root, files: dict[str, bytes]) -> str:
    for name, data in files.items():
        storage.write_bytes(f"{root}/{name}", data)
    return str(root)


def test_a_csv_header_starting_x_caret_is_read_not_refused_as_deflate(tmp_path):
    squared = b"x^2,target\n0.5,1\n1.5,0\n"
    for name, data in (("part-0.csv", squared), ("part-0.csv.gz", gzip.compress(squared))):
        root = _write(tmp_path / name, {name: data})
        assert storage.read_table(root)["x^2"].tolist() == [0.5, 1.5]
    rnd = random.Random(53)  # 93 of 2,000 such headers were refused before
    letters = string.ascii_letters + string.digits + "_,.^ "
    for _ in range(300):
        head = (
            b"x^"
            + "".join(rnd.choice(letters) for _ in range(rnd.randint(1, 20))).encode()
            + b",target\n0.5,1\n"
        )
        storage.refuse_other_encoding("f.csv", head)
    for level in (1, 2, 6, 9):  # a real zlib stream (78 01, 78 5e, 78 9c, 78 da) is still refused
        with pytest.raises(DataSourceError, match="deflate-compressed"):
            storage.refuse_other_encoding(
                "f.csv", zlib.compress(TEXT * 40, level)[: storage.CSV_HEAD_BYTES]
            )


def test_a_glob_matching_a_partition_of_no_data_leaves_it_out_with_one_warning(tmp_path, capsys):
    # docs/drift.md's --current 'gs://bucket/log/model=credit-default/date=2026-12-0*', on local disk: the
    # sink writes .<name>.tmp and renames it (inference_log/sink.py write_durably)
    part = pd.DataFrame({"x": [i / 4 for i in range(40)]}).to_parquet()
    log = tmp_path / "log" / "model=credit-default"
    _write(
        log,
        {
            "date=2026-12-01/part-0.parquet": part,
            "date=2026-12-02/.part-1.parquet.tmp": part,
            "date=2026-12-03/_quarantine/part-2.jsonl": b"{}\n",
            "date=2026-12-04/part-3.parquet": b"",
        },
    )
    (log / "date=2026-12-05").mkdir()
    ref = _write(tmp_path / "ref", {"part-0.parquet": part})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        glob = f"{log}/date=2026-12-0*"
        assert (
            main(["drift", "--reference", ref, "--current", glob, "--quiet", "--no-report"]) == 0
        ), capsys.readouterr()
        for side in (
            glob,
            f"{glob}/",
            str(log),
        ):  # ctloop score's reader: the same, and as the parent is read
            assert scoring.open_input(side).count_rows() == 40
    said = [str(w.message) for w in caught if "matched directory" in str(w.message)]
    assert len(said) == 3 and all(
        "left out 4 matched directory(ies) without data files" in s for s in said
    ), said
    with pytest.raises(
        DataSourceError, match="matches a directory: .*date=2026-12-02 is a directory without data"
    ):
        scoring.open_input(
            f"{log}/date=2026-12-0[2-5]"
        )  # only such directories: refused, as before
    # a Spark job still writing a partition (its _temporary/ only, no _SUCCESS): refused, as by the parent
    _write(log, {"date=2026-12-06/_temporary/0/part-1.parquet": part})
    with pytest.raises(
        DataSourceError, match="is in _temporary/ and there is no _SUCCESS"
    ) as refused:
        scoring.open_input(
            f"{log}/date=2026-12-0*"
        )  # the parent's words: wait for the job, not "point at it"
    assert "date=2026-12-06" in str(refused.value) and "to read them, point at" not in str(
        refused.value
    )


@pytest.mark.parametrize(
    "marker, kind",
    [
        ("_delta_log/00000000000000000000.json", "Delta Lake"),
        (".hoodie_partition_metadata", "Apache Hudi"),
    ],
    ids=["delta-log-alone", "hudi-marker-alone"],
)
def test_a_glob_matching_a_table_with_no_data_file_yet_is_refused_as_a_table(
    tmp_path, marker, kind
):
    """Round 53's review of the no-data leave-out: a table directory holding only its log (a Delta table
    before its first commit's files, a Hudi partition's marker) was left out of the glob as scratch, and
    the same glob refused once the table's first files landed."""
    part = pd.DataFrame({"x": [0.5, 1.5]}).to_parquet()
    _write(tmp_path / "d", {"a/part-0.parquet": part, f"b/{marker}": b"{}"})
    with pytest.raises(ConfigError, match=f"{kind} table"):
        scoring.open_input(f"{tmp_path}/d/*/")


def test_a_time_column_contract_format_other_than_data_time_format_is_refused_by_the_config_check():
    # refused only when prepare_data ran (components/prepare/core.py), after apply --dry-run and compile had
    # called the spec valid
    from ctloop.config import DataConfig

    data = {
        "uri": "gs://b/t.parquet",
        "target": "y",
        "time_column": "time",
        "contract": {"columns": {"time": {"dtype": "datetime", "format": "%d/%m/%Y"}}},
    }
    with pytest.raises(
        ConfigError, match=r"contract\.columns\.time\.format '%d/%m/%Y'.*data\.time_format"
    ):
        DataConfig.from_dict(data)
    with pytest.raises(
        ConfigError, match=r"contract\.columns\.time\.format '%d/%m/%Y'.*'%Y-%m-%d'"
    ):
        DataConfig.from_dict({**data, "time_format": "%Y-%m-%d"})
    assert DataConfig.from_dict({**data, "time_format": "%d/%m/%Y"}).time_format == "%d/%m/%Y"


def test_a_glob_of_partitions_asks_each_parent_for_a_table_log_once_and_warns_once(
    gcs_bucket, monkeypatch
):
    # log/model=m/date=D/ for three days: each matched directory asked log/model=m/ and log/ for _delta_log,
    # .hoodie and metadata (6 requests each, 18), and on credentials scoped to the days warned 3 times
    root = f"gs://{gcs_bucket}/looks/log"
    part = pd.DataFrame({"x": [0.5, 1.5]}).to_parquet()
    _write(root, {f"model=m/date=2025-01-0{d}/part-0.parquet": part for d in (1, 2, 3)})
    backend = type(storage._BACKENDS["gs"]())
    asked: list[str] = []
    first_below = backend.first_below

    def counted(self, loc, prefix, scoped=False):
        asked.append(prefix)
        if scoped and prefix.rstrip("/").endswith(
            ("_delta_log", ".hoodie", "metadata")
        ):  # the looks above
            raise DataSourceError(
                f"gs://{gcs_bucket}/{prefix}: access denied (listing outside the granted prefix)"
            )
        return first_below(self, loc, prefix)

    monkeypatch.setattr(backend, "first_below", counted)
    monkeypatch.setattr(
        backend, "names", lambda self, loc, prefix, uri: counted(self, loc, prefix) or iter(())
    )
    glob = f"{root}/model=m/date=2025-01-0*/"
    assert scoring.open_input(glob).count_rows() == 6
    logs = ("_delta_log", ".hoodie", "metadata")
    looks = sorted(
        prefix for prefix in asked if prefix.rstrip("/").endswith(logs)
    )  # not the glob's own listing
    assert looks == sorted(
        [f"looks/log/model=m/{log}/" for log in logs] + [f"looks/log/{log}/" for log in logs]
    )
    asked.clear()
    monkeypatch.setattr(
        backend, "first_below", lambda self, loc, prefix: counted(self, loc, prefix, scoped=True)
    )
    monkeypatch.setattr(
        backend,
        "names",
        lambda self, loc, prefix, uri: counted(self, loc, prefix, True) or iter(()),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert scoring.open_input(glob).count_rows() == 6
    said = [str(w.message) for w in caught if "could not check" in str(w.message)]
    assert len(said) == 1 and f"gs://{gcs_bucket}/looks/log/model=m/ above it" in said[0], said
    assert len([prefix for prefix in asked if prefix.rstrip("/").endswith(logs)]) == 6, asked


def test_the_headerless_csv_hint_is_given_for_a_frame_of_unknown_format(tmp_path):
    # a notebook's pd.read_csv frame carries no storage.TABLE_FORMAT: the hint was given for read_table's CSV only
    import io

    from ctloop.components.prepare.core import prepare
    from ctloop.contract import missing_column
    from ctloop.errors import DataValidationError

    headerless = pd.read_csv(
        io.StringIO("0.5,1,2024-01-01\n1.5,0,2024-01-02\n")
    )  # Spark's part-*.csv, no header
    assert storage.TABLE_FORMAT not in headerless.attrs
    with pytest.raises(DataValidationError, match="without a header row"):
        prepare(headerless, target="y", time_column="time")
    assert "header" not in missing_column(
        "y", headerless.columns, "parquet"
    )  # a known other format: none


def test_utf16_be_text_without_a_mark_is_named_as_such_not_as_a_hadoop_block(tmp_path):
    # 'abcdЖ' in UTF-16BE starts 00 61 00 62 00 63 00 64 04 16: a NUL first and a ninth byte that is not, read as
    # Hadoop's block lengths (6,357,090 bytes, 6,488,164 packed): "LZ4- or Snappy-compressed"
    data = "abcdЖ,n\n1,2\n".encode("utf-16-be")
    root = _write(tmp_path / "d", {"part-0.csv": data})
    with pytest.raises(DataSourceError, match=r"NUL byte \(at offset 0\).*UTF-16BE") as refused:
        storage.read_table(root)
    assert "LZ4" not in str(refused.value)


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_drift_names_a_long_blank_csv_part_as_training_does(tmp_path, capsys, engine):
    # 600 blank lines: past the first 512 bytes drift's reader judges blank by, so pyarrow's words ("Could not open
    # CSV input source ...: Empty CSV file or block: cannot infer number of columns"); read_table: "is empty"
    rows = pd.DataFrame(
        {"x": [i / 4 for i in range(40)], "target": [i % 2 for i in range(40)]}
    ).to_csv(index=False)
    ref = _write(tmp_path / "ref", {"part-0.csv": rows.encode()})
    blank_after = (b"\n" * 600) + rows.encode()  # blank lines, then a table: read, not refused
    root = _write(
        tmp_path / "d",
        {"part-0.csv": rows.encode(), "part-1.csv": b"\n" * 600, "part-2.csv": blank_after},
    )
    with pytest.raises(DataSourceError) as refused:
        storage.read_table(root)
    said = str(refused.value)
    assert said.endswith("part-1.csv is empty (no text: 0 bytes, or blank lines only)"), said
    assert (
        main(
            [
                "drift",
                "--reference",
                ref,
                "--current",
                root,
                "--quiet",
                "--engine",
                engine,
                "--no-report",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err == f"error: --current: {said}\n", err
    storage.write_bytes(
        f"{root}/part-1.csv", b""
    )  # left out (zero bytes): the part after blank lines is read
    assert scoring.open_input(root).count_rows() == len(storage.read_table(root)) == 80
