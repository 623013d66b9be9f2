"""Reading tables, round 56 (r56-data).

* An inference log's CSV file written before ``_error`` became an identity column (a number ``_error``: the
  feature ``input__error``, ``Source.with_former_features``) was read by ``Source._former_batches``, which had
  none of the checks every other stream-engine file gets (round 55): a quote opened in its last row's last
  value and never closed took the rest of the file into that value (301 rows of 601 lines, "no drift", exit
  0), a NUL byte in a value was read, and a number column whole in its first block and fractional further on
  failed as Arrow's conversion error where it is widened in any other file. Such a file is read by the one loop every CSV file is read by
  (``Source._file_batches``), under its own names, and handed on renamed.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.drift import streaming

_LOG = "request_id,has_request,has_response,_error,x,s\n"  # _error a number: the feature of a former layout
_BODY = "".join(f"r{i},true,true,{i % 2},{i % 3},y\n" for i in range(300))


def _drift(capsys, tmp_path, engine: str) -> tuple[int, str]:
    (tmp_path / "ref.csv").write_text(
        "_error,x,s\n" + "".join(f"{i % 2},{i % 3},y\n" for i in range(300))
    )
    code = main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "log"),
                 "--quiet", "--no-report", "--engine", engine, "--output", str(tmp_path / "out")])  # fmt: skip
    return code, capsys.readouterr().err


@pytest.mark.parametrize("engine", ["stream", "memory"])
@pytest.mark.parametrize(
    "b, said",
    [
        # s opens a quote in b.csv's first row, never closed: was 301 rows, exit 0
        (
            _LOG + 'q,true,true,0,1,"q\n' + _BODY,
            " is not a readable csv file: Error tokenizing data. C error: EOF "
            "inside string starting at row 1",
        ),
        (
            _LOG + _BODY + "z,true,true,0,1,n\0ul\n",
            ": column 's' holds a NUL byte on row 300 ('n\\x00ul')",
        ),
    ],
    ids=["open-quote", "nul"],
)
def test_a_former_layouts_csv_file_gets_every_files_checks(tmp_path, capsys, engine, b, said):
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "a.csv").write_text(_LOG + _BODY)
    (tmp_path / "log" / "b.csv").write_text(b)
    code, err = _drift(capsys, tmp_path, engine)
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"error: --current: {tmp_path / 'log' / 'b.csv'}{said}"), err
    assert not (tmp_path / "out").exists()


def test_a_former_layouts_csv_file_with_a_closed_quoted_line_end_is_read(tmp_path):
    (tmp_path / "a.csv").write_text(_LOG + _BODY)
    (tmp_path / "b.csv").write_text(_LOG + _BODY + 'q,true,true,1,1,"q\nz"\n')
    source = streaming.open_source(str(tmp_path)).with_former_features()
    batches = [batch for batch, _, _ in source.batches(["input__error", "s"])]
    assert sum(batch.num_rows for batch in batches) == 601
    assert batches[-1].to_pylist()[-1] == {"input__error": 1, "s": "q\nz"}


def test_a_former_layouts_csv_file_is_widened_past_its_first_block(tmp_path):
    body = "".join(
        f"r{i},true,true,{i % 2},{i % 3},y\n" for i in range(60000)
    )  # past Arrow's 1 MiB block
    (tmp_path / "a.csv").write_text(_LOG + body)
    (tmp_path / "b.csv").write_text(_LOG + body + "z,true,true,0.5,1,y\n")
    source = streaming.open_source(str(tmp_path)).with_former_features()
    assert list(source.former.values()) == [{"_error": "input__error"}] * 2
    # was "cannot read b.csv: In CSV column #3: Row #60002: CSV conversion error to int64: invalid value '0.5'"
    batches = [batch for batch, _, _ in source.batches(["input__error", "x"])]
    assert sum(batch.num_rows for batch in batches) == 120001
    assert batches[-1].column("input__error")[-1].as_py() == 0.5
