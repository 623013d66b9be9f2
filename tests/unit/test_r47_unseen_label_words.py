"""Classes a CSV reads as missing: an image-segment label set with the class ``None`` (no object
in the region) and ``NA`` (a region code). ``pandas.read_csv`` reads both words as missing
(its ``na_values`` default), so ``ctloop backtest`` left those rows out as "row(s) without a
'target' value" — a whole class dropped, and a message that contradicts the file, which holds a
value in every row. The replay now names the words and how to keep them; a Parquet string column
keeps them as classes."""

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main

CLASSES = np.array(["foliage", "cement", "None", "NA"], dtype=object)


def _regions(n: int = 360, seed: int = 47) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, len(CLASSES), n)
    return pd.DataFrame({
        "ts": pd.Timestamp("2024-05-01") + pd.to_timedelta(np.sort(rng.random(n)) * 3, unit="D"),
        "intensity-mean": kind * 3.0 + rng.normal(0, 1.0, n),
        "hue-mean": rng.normal(-2.0, 0.5, n),
        "target": CLASSES[kind],
    })


def _replay(path, tmp_path):
    return main(["backtest", "--data", str(path), "--target", "target", "--time-column", "ts", "--window", "1D",
                 "--policy", "never", "--train-window", "1D", "--quiet", "--output", str(tmp_path / "out")])


def test_classes_a_csv_reads_as_missing_are_named(tmp_path, capsys):
    frame = _regions()
    frame.to_csv(tmp_path / "regions.csv", index=False)
    with pytest.warns(UserWarning, match="words a CSV reads as missing") as caught:
        assert _replay(tmp_path / "regions.csv", tmp_path) == 0
    note = next(str(w.message) for w in caught if "reads as missing" in str(w.message))
    assert note.startswith(f"column 'target': {int(frame['target'].isin(['None', 'NA']).sum())} row(s) hold ")
    assert "store the table as Parquet" in note
    assert "row(s) without a 'target' value" in capsys.readouterr().out  # the count, as before


def test_empty_labels_gaps_and_a_parquet_file_say_nothing_of_words(tmp_path):
    from ctloop.cli.local import label_words_note
    from ctloop.storage import read_table

    frame = _regions()
    frame.to_parquet(tmp_path / "regions.parquet", index=False)  # strings: 'None' and 'NA' stay classes
    named = frame["target"].isin(["None", "NA"])
    frame.assign(target=frame["target"].where(~named, "")).to_csv(tmp_path / "blank.csv", index=False)
    # what astype(str) writes for a float column's gap: a missing label, no class to warn about
    frame.assign(target=frame["target"].where(~named, "nan")).to_csv(tmp_path / "nan.csv", index=False)
    frame.assign(target=frame["target"].where(~named, "<NA>")).to_csv(tmp_path / "na.csv", index=False)
    frame.to_csv(tmp_path / "regions.csv", index=False)
    for name in ("regions.parquet", "blank.csv", "nan.csv", "na.csv"):
        path = str(tmp_path / name)
        assert label_words_note(path, None, read_table(path), "target") == "", name
    note = label_words_note(str(tmp_path / "regions.csv"), None, read_table(str(tmp_path / "regions.csv")), "target")
    assert note.startswith(f"column 'target': {int(named.sum())} row(s) hold ")
    assert f"'None' ({(frame['target'] == 'None').sum()})" in note and f"'NA' ({(frame['target'] == 'NA').sum()})" in note
