"""``ctloop score --run-id``: the run id names the output files (part-<run id>-<chunk>.parquet); a
bad one is refused by argparse naming the flag and the value (exit 2), before any store is opened —
it was "error: run_id: '../x' must be ...", naming a field the user never typed."""

from __future__ import annotations

import pytest

from ctloop.cli import main


@pytest.mark.parametrize(
    "bad",
    ["../x", "a/b", ".hidden", "x" * 129, "run\nid", "-x"],
    ids=["parent", "slash", "dot-first", "too-long", "newline", "dash-first"],
)
def test_a_bad_run_id_is_refused_naming_the_flag(bad, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "score",
                "--model-name",
                "credit",
                "--data",
                str(tmp_path / "d.parquet"),
                "--output",
                str(out),
                "--tracking-uri",
                str(tmp_path / "mlruns"),
                f"--run-id={bad}",
            ]
        )
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "argument --run-id: must be 1-128 letters" in err and "got" in err, err
    assert not out.exists() and not (tmp_path / "mlruns").exists()
