"""Reading tables, round 55 (r55-data).

* A gzip file padded with zero bytes after its stream (tape or block padding: gzip(1) reads it with
  "decompression OK, trailing zero bytes ignored", Python's gzip reader silently) was read by read_table and
  refused by the stream engine's reader (Arrow: "zlib inflate failed: unknown compression method"). Both read
  it: Arrow is given the stored bytes before the padding.
* A NUL in a quoted value holding a line end, whose record opens a quote further on that never closes, was told
  as that quote's "EOF inside string" (pandas names the record's row for both): the NUL, first in the file, is.
* An empty ``_delta_log/`` beside markers only (``_SUCCESS``, ``.crc``) was told "if these are plain Parquet
  files ... remove the empty _delta_log/" (the format given taken for the markers'): removed, the directory
  is one without data files. It is told there is no data file beside the log either.
* ``ctloop drift`` compared columns ``a`` and ``A `` as two columns, where prepare_data refuses them: the
  columns compared are refused by the same rule (``ctloop.contract.refuse_alike_names``), by both engines.
  (r55-data-fix: only those alike but for spaces or Unicode form; ``id`` and ``ID`` are compared, with a warning.)
* The stream engine told Arrow's parse error of a row (its schema inference's first block) past a NUL, where
  read_table names the NUL (the first problem in the file): it names it now, in read_table's words.
"""

from __future__ import annotations

import gzip
import io

import pandas as pd
import pytest

from ctloop import scoring, storage
from ctloop.cli import main
from ctloop.drift import streaming
from ctloop.errors import ConfigError, DataSourceError

ROWS = pd.DataFrame({"x": [i / 4 for i in range(40)], "c": ["a", "b"] * 20, "target": [0, 1] * 20})


def _streamed(path: str) -> pd.DataFrame:
    """The file as the stream engine's dataset reader reads it (``streaming.read_frame`` of a single file is
    read_table's)."""
    return streaming.open_source(path).dataset.to_table().to_pandas()


def _drift(capsys, reference: str, current: str, engine: str) -> tuple[int, str]:
    code = main(["drift", "--reference", reference, "--current", current, "--quiet", "--no-report",
                 "--engine", engine])  # fmt: skip
    return code, capsys.readouterr().err


# gsutil cp -z: a gzipped file named .csv
@pytest.mark.parametrize("name", ["cur.csv.gz", "cur.csv"])
@pytest.mark.parametrize("pad", [1, 4, 512 - 7])
def test_a_gzip_file_padded_with_zero_bytes_is_read_by_both_readers(tmp_path, capsys, name, pad):
    # 600 rows: over the 512 stored bytes the reader reads whole (its last 4 bytes then tell: storage.gzip_size_fits)
    text = b"x,c,target\n" + b"".join(
        b"%d.5,c%d,%d\n" % (i * 7919 % 10007, i % 7, i % 2) for i in range(600)
    )
    stored = gzip.compress(text)
    assert len(stored) > 512 and stored[-1:] == b"\0"  # its size's top byte: 0 unpadded too
    (tmp_path / name).write_bytes(stored + b"\0" * pad)
    path = str(tmp_path / name)
    expected = storage.read_table(path)
    assert len(expected) == 600
    # the stream engine's reader (drift, backtest, ctloop score): was "zlib inflate failed: unknown compression method"
    pd.testing.assert_frame_equal(_streamed(path), expected)
    assert scoring.open_input(path).count_rows() == 600
    (tmp_path / "ref.csv").write_bytes(text)
    assert _drift(capsys, str(tmp_path / "ref.csv"), path, "stream") == (0, "")


def test_a_small_gzip_file_padded_with_zero_bytes_is_read_by_both_readers(tmp_path):
    # up to 512 stored bytes: read whole, inflated to find its padding
    (tmp_path / "cur.csv.gz").write_bytes(
        gzip.compress(ROWS.to_csv(index=False).encode()) + b"\0" * 3
    )
    path = str(tmp_path / "cur.csv.gz")
    pd.testing.assert_frame_equal(_streamed(path), storage.read_table(path))


def test_gzip_padding_is_found_after_the_last_member_only():
    one, two = gzip.compress(b"a\n1\n"), gzip.compress(b"2\n")
    assert storage.gzip_padding(io.BytesIO(one + two + b"\0" * 9).read) == len(one + two)
    for unpadded in (
        one + two,
        one + b"\0\0\x01",
        one[:-3],
    ):  # none, other bytes after it, a cut stream
        assert storage.gzip_padding(io.BytesIO(unpadded).read) is None
    # an unpadded file's last 4 bytes can be its text's size (ISIZE); after 2 or more zero bytes of padding not
    # (a file of up to 512 bytes is read whole and inflated: streaming._codec_names)
    big = gzip.compress(b"".join(b"%d,%d\n" % (i * 7919 % 10007, i) for i in range(400)))
    assert len(big) > 512 and big[-1:] == b"\0" and storage.gzip_size_fits(len(big), big[-4:])
    for pad in (2, 3, 4, 100):
        assert not storage.gzip_size_fits(len(big) + pad, (big + b"\0" * pad)[-4:]), pad


def test_a_nul_in_a_quoted_value_before_its_records_unclosed_quote_is_told_first(tmp_path):
    head = b"a,b,c\n" + b"1,2,3\n" * 200  # past the first bytes refuse_other_encoding looks at
    told = {  # the NUL's quoted value closes, the record's next quote never does: the NUL is first
        b'1,"x\ny\0z","open\n5,6,7\n': "holds a NUL byte at offset 1212",
        b'1,"x\ny\0z""q""","open\n5,6,7\n': "holds a NUL byte at offset 1212",  # "" inside: no end
        # the NUL inside the quote that never closes: the quote opened first
        b'1,"x\ny\0z,2\n5,6,7\n': "EOF inside string starting at row 201",
        b'1,"x\ny\0z"",2\n5,6,7\n': "EOF inside string starting at row 201",
    }
    for rows, words in told.items():
        (tmp_path / "cur.csv").write_bytes(head + rows)
        with pytest.raises(DataSourceError, match=words):
            storage.read_table(str(tmp_path / "cur.csv"))


def test_an_empty_delta_log_beside_markers_only_is_not_told_to_be_removed(tmp_path):
    table = tmp_path / "t"
    (table / "_delta_log").mkdir(parents=True)
    (table / "_SUCCESS").write_bytes(b"")
    (table / ".part-0.parquet.crc").write_bytes(b"crc")
    for fmt in (None, "parquet", "csv"):
        with pytest.raises(ConfigError) as refused:
            storage.read_table(str(table), fmt)
        said = str(refused.value)
        assert said.endswith(
            "no commit yet, so no rows, and no data file beside its log either (e.g. .part-0.parquet.crc: a "
            "marker, scratch or empty): wait for the first commit"
        ), said
        assert "remove" not in said and "plain" not in said, said
    for name in ("_SUCCESS", ".part-0.parquet.crc"):
        (table / name).unlink()
    with pytest.raises(ConfigError) as refused:  # the log alone: nothing named beside it
        storage.read_table(str(table))
    assert str(refused.value).endswith(
        "no data file beside its log either: wait for the first commit"
    )


def test_drift_refuses_columns_alike_but_for_spaces_as_prepare_does(tmp_path, capsys):
    # alike but for case too ('X '): compared, with a warning (r55-data-fix: test_r55_data_fix.py)
    frame = ROWS.assign(**{"x ": ROWS["x"] * 2})
    for side in ("ref", "cur"):
        frame.to_csv(tmp_path / f"{side}.csv", index=False)
    line = (
        "error: columns 'x', 'x ' differ only in surrounding spaces or Unicode form (one column to a "
        "reader, a spreadsheet export's header): drift would compare them as two columns; --exclude one of them\n"
    )
    for engine in ("memory", "stream"):
        assert _drift(capsys, str(tmp_path / "ref.csv"), str(tmp_path / "cur.csv"), engine) == (
            2,
            line,
        ), engine
    from ctloop.contract import check_column_names

    with pytest.raises(
        DataSourceError, match="columns 'x', 'x ' differ only in case.*separate features"
    ):
        check_column_names(frame)  # prepare_data's and ctloop backtest's rule: the same one


@pytest.mark.parametrize("name", ["cur.csv", "cur.csv.gz"])
def test_the_stream_engine_names_a_nul_before_the_row_arrow_fails_on_as_read_table_does(
    tmp_path, capsys, name
):
    # Arrow's schema inference failed on a later row ("Row #3003: Expected 3 columns, got 2") and was told in
    # place of the NUL before it; a bad row before the NUL is still Arrow's. 3,000 rows of varied numbers: the
    # NUL past the text of the first 512 stored bytes (storage.refuse_other_encoding's, gzipped too)
    head = b"a,b,c\n" + b"".join(b"%d,%d,%d\n" % (i * 7919 % 10007, i, i % 7) for i in range(3000))
    (tmp_path / "ref.csv").write_bytes(head)
    for rows, told in ((b'1,x\0y,2\n3,"open,4\n5,6,7\n', f"holds a NUL byte at offset {len(head) + 3}"),
                       (b'1,2,3,4\n1,x\0y,2\n5,6,7\n', "Expected 3 columns, got 4")):  # fmt: skip
        data = head + rows
        (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        code, err = _drift(capsys, str(tmp_path / "ref.csv"), str(tmp_path / name), "stream")
        assert code == 2 and err.count("\n") == 1 and told in err, err
        if "NUL" in told:  # read_table's sentence, word for word
            with pytest.raises(DataSourceError) as refused:
                storage.read_table(str(tmp_path / name))
            assert err == f"error: --current: {refused.value}\n"
