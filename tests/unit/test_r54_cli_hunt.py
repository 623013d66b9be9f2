"""Round 54, the CLI's bad input: each refused in one line of ours, naming the flag (or field) and the
value, exit code 2, nothing written."""

from __future__ import annotations

import pytest

from ctloop.cli import main


def _refused(capsys, argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, (code, err)
    return err.strip()


# --------------------------------------------------------------------------- --time-format in pandas' words
@pytest.mark.parametrize(
    "fmt, said",
    [
        (
            "%s",
            "%s (Unix seconds) is not a directive pandas reads in a time format: leave the format empty and convert",
        ),
        (
            "%Y-%m-%d %Q",
            "%Q is not a directive pandas reads in a time format (Python's strptime directives: %Y %m",
        ),
        ("%d/%d/%Y", "%d is given twice: give each directive once"),
        ("%Y-%m-%d%", "has a % that starts no directive (a literal % is written %%)"),
    ],
)
def test_a_time_format_pandas_cannot_read_is_said_in_our_words(tmp_path, capsys, fmt, said):
    """pandas 2.3.3 ``_libs/tslibs/strptime.pyx`` said "'s' is a bad directive in format '%s'", and
    Python's ``re`` "redefinition of group name 'd' as group 2; was group 1 at position 46"."""
    out = tmp_path / "out"
    err = _refused(
        capsys,
        [
            "backtest",
            "--data",
            str(tmp_path / "t.csv"),
            "--target",
            "y",
            "--time-column",
            "ts",
            "--window",
            "7D",
            "--time-format",
            fmt,
            "--output",
            str(out),
        ],
    )
    assert err.startswith(f"error: --time-format {fmt!r}: {said}"), err
    assert "bad directive" not in err and "group" not in err and not out.exists()
