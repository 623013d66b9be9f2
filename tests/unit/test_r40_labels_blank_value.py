"""``ctloop labels ingest``: a blank label (``''`` or spaces: an outcome not known yet, as a
spreadsheet or a Parquet string column writes it) is a label without a value, refused like a null
one (one line, exit 2, the store untouched), as ``prepare_data``, the fit, the gate and the
backtest read it as missing (round 40). It was stored as the class ``''`` beside 'yes'/'no', or
refused as "labels mix numbers and text (e.g. '')"."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.cli import main


@pytest.mark.parametrize("labels", [["yes", "no", ""], ["yes", "no", "  "], ["1", "0", ""], ["1", "0", "\t"]])
@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_a_blank_label_is_a_label_without_a_value(tmp_path, capsys, labels, suffix):
    frame = pd.DataFrame({"request_id": ["a", "b", "c"], "label": labels})
    path = tmp_path / f"labels.{suffix}"
    frame.to_parquet(path) if suffix == "parquet" else frame.to_csv(path, index=False)
    code = main(["labels", "ingest", "--labels", str(path), "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and "column 'label' breaks rule 'non_null' in 1 row(s): labels without a value" in err, err
    assert err.count("\n") == 1
    assert not (tmp_path / "s").exists()


def test_labels_without_blanks_are_stored_as_before(tmp_path, capsys):
    pd.DataFrame({"request_id": ["a", "b"], "label": ["yes", "no"]}).to_parquet(tmp_path / "labels.parquet")
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.parquet"), "--store", str(tmp_path / "s")]) == 0
