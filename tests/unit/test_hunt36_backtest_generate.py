"""``ctloop generate-data --output data/credit.csv/``: the trailing slash names a directory, and
the table was written in Parquet to a *file* ``data/credit.csv`` (the format told from the name
with the slash, which has no suffix), which the backtest then read as a CSV."""

import pytest

from ctloop.cli import main


@pytest.mark.parametrize("name", ["credit.csv/", "out/"])
def test_an_output_ending_with_a_slash_is_refused_not_a_parquet_file_named_like_a_csv(tmp_path, capsys, name):
    output = f"{tmp_path}/{name}"
    assert main(["generate-data", "--rows", "50", "--output", output]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (f"error: --output {output} ends with a slash (a directory): name the file, e.g. "
                           f"{output}credit.parquet")
    assert list(tmp_path.iterdir()) == []


def test_a_file_name_is_written_in_its_format(tmp_path):
    assert main(["generate-data", "--rows", "50", "--output", str(tmp_path / "credit.csv")]) == 0
    assert (tmp_path / "credit.csv").read_text().startswith("application_date,")
