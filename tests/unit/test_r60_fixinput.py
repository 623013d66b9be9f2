"""Review of round 60's input merge: integers past 64 bits in real id columns, a refused first ingest into a new
label store, names padded with spaces.

H1. a CSV column of ids some of which are past 2**64 (ICCIDs: 19 and 20 digits) is an id column, read as text as
    before round 60, not refused; a column the data contract declares text is not refused by ``ctloop backtest
    --config`` either (as prepare_data reads the contract).
M1. a first ingest into a new label store refused while its labels are written leaves no manifest (local, moto
    S3), unless another first ingest's part landed under it meanwhile.
L2. a JSON field alike a field read names which one has the spaces; a name padded with a megabyte of spaces is
    shown by its ends.
L3. a directory's header-only CSV part is counted in the note on its left-out index column; the part rows leave
    the frame's attrs with the column.
(M2, review 60: benchmarks/bench_r59_finite_check.py's CSV cases.)
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main

DAY = "2026-01-01"


def _daily(path, values: list[str], rows_y=None) -> str:
    ts = [f"{pd.Timestamp(DAY) + pd.Timedelta(days=i):%Y-%m-%d}" for i in range(len(values))]
    pd.DataFrame({"ts": ts, "x": values, "y": [i % 2 for i in range(len(values))]}).to_csv(path, index=False)
    return str(path)


# H1. id columns ---------------------------------------------------------------------------------------------


def _iccids(n: int) -> list[str]:
    """SIM card ids: 19 digits (below 2**64) and 20 digits (past it), half each."""
    return [f"{89_01_260_0000_0000_0000 + i}" if i % 2 else f"{8_901_260_000_000_000_000 * 10 + i}"
            for i in range(n)]


def test_an_iccid_column_half_past_64_bits_is_read_as_text_not_refused(tmp_path):
    from ctloop.contract import check_finite
    from ctloop.storage import read_table

    ids = _iccids(200)
    assert sum(int(v) >= 2**64 for v in ids) == 100 and {len(v) for v in ids} == {19, 20}
    frame = read_table(_daily(tmp_path / "d.csv", ids))
    assert frame["x"].dtype == object
    check_finite(frame)


def test_long_ids_beside_one_short_value_are_an_id_column(tmp_path):
    """The round-60 exemption ("every value past 64 bits") missed 99 long ids and one '0'."""
    from ctloop.contract import check_finite
    from ctloop.storage import read_table

    check_finite(read_table(_daily(tmp_path / "d.csv", ["0", *(str(10**25 + i) for i in range(99))])))


def test_a_lone_integer_past_64_bits_among_amounts_is_still_refused(tmp_path):
    from ctloop.contract import check_finite
    from ctloop.errors import DataValidationError
    from ctloop.storage import read_table

    frame = read_table(_daily(tmp_path / "d.csv", [*map(str, range(1000)), *(["1" + "0" * 25] * 3)]))
    with pytest.raises(DataValidationError, match=r"column 'x' breaks rule 'int64' in 3 row\(s\)"):
        check_finite(frame)


@pytest.mark.parametrize("values", [
    # full-precision decimals as pandas' to_csv writes them (19 characters and more), one 10**25 among them
    ["1" + "0" * 25, *(repr(-float(v)) for v in np.random.default_rng(3).random(999))],
    # nanosecond counts: 5 % of them 19 digits (int64 holds them), one 10**25
    ["1" + "0" * 25, *(str(10**18 + i) for i in range(50)), *map(str, range(949))],
    # four overflows among 96 amounts
    [*(["1" + "0" * 25] * 4), *map(str, range(96))],
], ids=["decimals", "nanoseconds", "four-in-100"])
def test_an_overflow_among_long_numbers_that_are_no_ids_is_refused(tmp_path, values):
    """Review 60 (fix set) H3: the share of texts of 19 characters or more decided "id column", so an overflow
    passed among full-precision decimals, 19-digit counts or when 4 of 100 values overflowed (refused at
    09cc77d6): only a column of digits alone, half or more of them long, is an id column."""
    from ctloop.contract import check_finite
    from ctloop.errors import DataValidationError
    from ctloop.storage import read_table

    frame = read_table(_daily(tmp_path / "d.csv", values))
    assert frame["x"].dtype == object
    with pytest.raises(DataValidationError, match=r"column 'x' breaks rule 'int64'"):
        check_finite(frame)


def _iccid_ids(n: int = 40) -> list[str]:
    return [str(2**64 + 10**18 + i) for i in range(n)]  # 20 digits, past 2**64


@pytest.mark.parametrize("values", [
    [*_iccid_ids(), "-1"],  # a sentinel
    [f"+{v}" for v in _iccid_ids()],
    [*(str(10**9 + i) for i in range(60)), *_iccid_ids()],  # ten- and twenty-digit account ids
    [*_iccid_ids(20), *(["00012"] * 21)],
], ids=["sentinel", "plus", "ten-and-twenty-digits", "padded-short"])
def test_id_columns_of_integers_whose_long_values_are_ids_stay_text(tmp_path, values):
    """Review of stop 60's own commits: "digits alone, half of them long" refused id columns accepted before (a
    '-1' sentinel, a '+', ten-digit ids beside twenty-digit ones): integers whose long values are all ids of 19 or
    20 digits, more than a few of them, are an id column."""
    from ctloop.contract import check_finite
    from ctloop.storage import read_table

    frame = read_table(_daily(tmp_path / "d.csv", values))
    assert frame["x"].dtype == object
    check_finite(frame)


def test_a_longer_integer_among_nineteen_digit_counts_is_refused(tmp_path):
    from ctloop.contract import check_finite
    from ctloop.errors import DataValidationError
    from ctloop.storage import read_table

    frame = read_table(_daily(tmp_path / "d.csv", [*(str(10**18 + i) for i in range(99)), "1" + "0" * 25]))
    with pytest.raises(DataValidationError, match=r"column 'x' breaks rule 'int64'"):
        check_finite(frame)


SPEC = """\
apiVersion: ctloop.dev/v1alpha2
kind: ContinuousTraining
models:
  - name: m
    data:
      uri: {uri}
      target: y
      time_column: ts
      contract: {{columns: {{acct: {{dtype: string}}}}}}
    training: {{estimator: logistic_regression}}
    gate: {{thresholds: {{roc_auc: 0.5}}, bootstrap_rounds: 20}}
    monitoring: {{log_root: /nonexistent/logs, window: 1D}}
"""


def _accounts(path, rows: int = 400) -> str:
    """A table whose 'acct' column is account numbers, one of them 26 digits: read as text by pandas."""
    rng = np.random.default_rng(0)
    ts = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.random(rows)) * 4, unit="D")
    a = rng.normal(size=rows)
    acct = [str(1000 + i) for i in range(rows - 1)] + ["1" + "0" * 25]
    pd.DataFrame({"ts": ts, "a": a, "acct": acct, "y": (a + rng.normal(0, 0.7, rows) > 0).astype(int)}).to_csv(
        path, index=False)
    return str(path)


def test_backtest_with_config_leaves_a_column_the_contract_declares_text(tmp_path, capsys):
    """At b7c7e390 this exited 0; round 60's check refused it (rule 'int64'): the backtest skipped only the time
    column, never the contract's string columns prepare_data skips (components/prepare/core.py)."""
    data = _accounts(tmp_path / "events.csv")
    (tmp_path / "ctloop.yaml").write_text(SPEC.format(uri=data))
    code = main(["backtest", "--config", str(tmp_path / "ctloop.yaml"), "--model", "m", "--policy", "never",
                 "--train-window", "1D", "--quiet", "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err


def test_backtest_without_the_contract_refuses_it_and_says_how_to_declare_it(tmp_path, capsys):
    data = _accounts(tmp_path / "events.csv")
    code = main(["backtest", "--data", data, "--target", "y", "--time-column", "ts", "--window", "1D",
                 "--policy", "never", "--train-window", "1D", "--quiet", "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "column 'acct' breaks rule 'int64' in 1 row(s)" in err
    assert "decimals" not in err and "data.contract" in err and "--config" in err
    assert not (tmp_path / "out" / "backtest.json").exists()


# M1. a refused first ingest into a new label store ----------------------------------------------------------


def _labels(path, rows: int = 20, start: int = 0, names: bool = False) -> str:
    path.write_text("request_id,label\n" + "".join(f"r{i},{('yes', 'no')[i % 2] if names else i % 2}\n"
                                                   for i in range(start, start + rows)))
    return str(path)


@pytest.mark.parametrize("failure", [MemoryError, "disk full"])
def test_a_refused_first_ingest_keeps_its_manifest_and_the_next_refusal_says_how_to_start_over(
        tmp_path, capsys, monkeypatch, failure):
    """Review 60 M1: labels/_ctloop_labels.json stays after a first ingest refused while its labels are written
    (deleting it raced other first ingests that had read it: review of the fix set, H1/H2), so an ingest of
    another kind into the empty store is refused as one_kind; the refusal now says the store holds no label file
    and how to start over."""
    import errno
    import shutil

    store = tmp_path / "store"
    real_copy = shutil.copyfile

    def fails(src, dst, **kw):  # the copy starts, then memory or disk runs out
        real_copy(src, dst, **kw)
        if failure is MemoryError:
            raise MemoryError
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    with monkeypatch.context() as m:
        m.setattr(shutil, "copyfile", fails)
        assert main(["labels", "ingest", "--labels", _labels(tmp_path / "n.csv"), "--store", str(store)]) == 2
    manifest = store / "labels" / "_ctloop_labels.json"
    assert manifest.is_file() and not list((store / "labels").glob("part-*"))
    capsys.readouterr()
    code = main(["labels", "ingest", "--labels", _labels(tmp_path / "y.csv", names=True), "--store", str(store)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "holds no label file" in err and f"delete {manifest}" in err, err
    code = main(["labels", "ingest", "--labels", _labels(tmp_path / "n.csv"), "--store", str(store), "--key",
                 "meta_order"])  # another key: the key's refusal says it too (review of stop 60's own commits M2)
    err = capsys.readouterr().err
    assert code == 2 and "keyed by 'request_id'" in err and f"delete {manifest}" in err, err
    manifest.unlink()
    assert main(["labels", "ingest", "--labels", _labels(tmp_path / "y.csv", names=True), "--store", str(store)]) == 0

# L2. names with surrounding spaces: the right name blamed, a padded name shortened ---------------------------


def test_a_json_field_alike_the_key_read_names_which_one_has_the_spaces(tmp_path, capsys):
    """Before: "field 'id' is ' id' with surrounding spaces" (the key read, --key ' id', has them, not 'id')."""
    (tmp_path / "l.jsonl").write_text('{"id": "r1", "label": 1}\n')
    code = main(["labels", "ingest", "--labels", str(tmp_path / "l.jsonl"), "--store", str(tmp_path / "s"),
                 "--key", " id"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "line 1: field 'id' differs from the field read, ' id', only in surrounding spaces" in err, err


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_name_padded_with_a_megabyte_of_spaces_is_shown_by_its_ends(tmp_path, capsys, fmt):
    padded = "label" + " " * (1 << 20)
    path = tmp_path / f"l.{fmt}"
    if fmt == "csv":
        path.write_text(f"request_id,label,{padded}\nr1,1,0\n")
    else:
        path.write_text(json.dumps({"request_id": "r1", "label": 1, padded: 0}) + "\n")
    code = main(["labels", "ingest", "--labels", str(path), "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err[:300]
    assert len(err) < 600 and "'label       …            ' (1048581 characters)" in err, err[:600]


# L3. a directory of CSV parts each with its own to_csv index --------------------------------------------------


def _indexed_parts(directory, header_only: bool = True) -> str:
    directory.mkdir()
    for n, k in enumerate((4, 0, 3) if header_only else (4, 3)):
        ts = [f"2026-01-{d + 1:02d}" for d in range(k)]
        pd.DataFrame({"ts": ts, "y": [i % 2 for i in range(k)], "x": range(k)}).to_csv(directory / f"part-{n}.csv")
    return str(directory)


def test_a_header_only_part_is_counted_among_the_files_whose_index_is_left_out(tmp_path):
    """Before: "each of its 2 files" of a directory of 3 (one header-only: no rows, no positions)."""
    from ctloop.contract import drop_unnamed_columns
    from ctloop.storage import read_table

    source = _indexed_parts(tmp_path / "d")
    with pytest.warns(UserWarning, match="holds each of its 3 files' row positions"):
        drop_unnamed_columns(read_table(source))


def test_the_part_rows_leave_the_frames_attrs_with_the_index_column(tmp_path):
    """pandas writes a frame's attrs into the Parquet file it writes (its pandas metadata): the part rows, a note
    for the index column only, went with the table once the column was left out."""
    from ctloop.contract import drop_unnamed_columns
    from ctloop.storage import CSV_PART_ROWS, read_table

    frame = read_table(_indexed_parts(tmp_path / "d", header_only=False))
    assert CSV_PART_ROWS in frame.attrs
    with pytest.warns(UserWarning):
        out = drop_unnamed_columns(frame)
    assert CSV_PART_ROWS not in out.attrs
