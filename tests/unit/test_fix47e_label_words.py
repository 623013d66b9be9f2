"""The note on labels a CSV reads as missing ("column 'price': 97 row(s) hold 'NA' (97), words a CSV
reads as missing ... if they are classes ...") was given for a regression target whose gaps R's
``write.csv`` writes as ``NA`` (SQL exports: ``NULL``; spreadsheets: ``#N/A``, ``N/A``): missing
numbers, no class. And it read (downloaded) the whole file a second time to say so. It is given
now only for a classification whose other labels are text, and only then is the file read again."""

import numpy as np
import pandas as pd
import pytest

from ctloop.cli.local import label_words_note
from ctloop.storage import read_table


def _prices(n: int = 200, seed: int = 47) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.random(n)) * 10, unit="D"),
                          "x": rng.normal(0, 1, n)})
    frame["price"] = (frame["x"] * 3 + rng.normal(0, 1, n)).round(3)
    frame.loc[rng.random(n) < 0.1, "price"] = np.nan
    return frame


@pytest.mark.parametrize("gap", ["NA", "NULL", "#N/A", "N/A"])
def test_missing_numbers_are_not_named_as_classes_nor_read_twice(tmp_path, monkeypatch, gap):
    path = str(tmp_path / "prices.csv")
    _prices().to_csv(path, index=False, na_rep=gap)
    frame = read_table(path)
    assert frame["price"].isna().any()
    reads = []
    import ctloop.storage

    real = ctloop.storage.read_bytes
    monkeypatch.setattr(ctloop.storage, "read_bytes", lambda uri, *a, **k: reads.append(uri) or real(uri, *a, **k))
    assert label_words_note(path, None, frame, "price") == ""  # numbers: the words are gaps
    assert label_words_note(path, None, frame, "price", "regression") == ""
    assert reads == []


def test_a_regression_never_names_words_and_a_classification_of_words_still_does(tmp_path):
    frame = pd.DataFrame({"label": ["cat", "NA", "dog", "None"] * 10, "x": range(40)})
    path = str(tmp_path / "animals.csv")
    frame.to_csv(path, index=False)
    read = read_table(path)
    assert label_words_note(path, None, read, "label", "regression") == ""
    assert label_words_note(path, None, read, "label").startswith("column 'label': 20 row(s) hold ")
