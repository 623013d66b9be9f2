"""A label file whose key column is a 32- or 16-bit float (a Parquet ``float``/``halffloat`` column,
as ``df.astype("float32")`` writes ids) beyond 2**24 (2**11) holds rounded ids: 16777217 is stored
as 16777216, so its label would join another request. A float64 key beyond 2**53 was refused as
``exact_key``; a float32 one was stored rounded, silently. Now it is refused the same way, naming
the key and the width; whole float32 keys below 2**24 are stored as their digits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.labels.store import read_labels


def _ingest(tmp_path, ids, width):
    src, store = tmp_path / "labels.parquet", tmp_path / "store"
    pd.DataFrame({"meta_x_order_id": np.array(ids, dtype=width), "label": [1] * len(ids),
                  "label_time": "2026-01-06T10:00:00Z"}).to_parquet(src)
    return main(["labels", "ingest", "--labels", str(src), "--store", str(store), "--key", "meta_x_order_id"]), store


@pytest.mark.parametrize(("width", "ids", "said"), [("float32", [1001, 16777217], "2**24 up"),
                                                    ("float16", [7, 4097], "2**11 up")])
def test_a_narrow_float_key_beyond_its_exact_integers_is_refused(tmp_path, capsys, width, ids, said):
    code, store = _ingest(tmp_path, ids, width)
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'meta_x_order_id'" in err and said in err and "exact_key" in err, err
    assert f"of {width[5:]} bits" in err
    assert not (store / "labels").exists() or not any((store / "labels").iterdir())


def test_narrow_float_keys_within_their_exact_integers_are_stored(tmp_path):
    code, store = _ingest(tmp_path, [1001, 16777215], "float32")
    assert code == 0
    assert sorted(read_labels(str(store))["meta_x_order_id"]) == ["1001", "16777215"]


def test_a_float64_key_of_two_to_the_53_is_refused(tmp_path, capsys):
    # 2**53 + 1 is stored as 2**53: the float cannot say which id it was
    code, _ = _ingest(tmp_path, [1001, 2**53 + 1], "float64")
    assert code == 2 and "2**53 up" in capsys.readouterr().err
