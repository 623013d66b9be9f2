"""Float ids below 1e-4 join the same id written as decimal text (round 40, item 5).

A float key column (a Parquet ``double`` id) was keyed by Python's ``str``: ``1e-05`` for
``0.00001``, while the same id as text, a Parquet DECIMAL (``decimal_key``) or a ``meta_*`` header
is ``0.00001``: the labels of those rows never joined, without a word. Now a float key is its
shortest round-trip digits written positionally (``0.00001``). Label files written
before hold the old text (``1e-05``): in them that exact form of a float's repr reads as the same key.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ctloop.labels.join import latest_labels
from ctloop.labels.store import (
    decimal_key,
    ingest_labels,
    normalise_keys,
    old_float_keys,
    read_labels,
)


def test_a_small_float_key_is_its_decimal_text():
    floats = pd.Series([0.00001, 1.5e-10, -2.5e-07, 0.0001, 123.25, 1001.0])
    assert normalise_keys(floats).tolist() == ["0.00001", "0.00000000015", "-0.00000025", "0.0001", "123.25", "1001"]
    decimals = [Decimal("0.00001"), Decimal("1.5E-10"), Decimal("-2.5E-7")]
    assert normalise_keys(floats[:3]).tolist() == [decimal_key(d) for d in decimals]
    assert normalise_keys(pd.Series([0.00001, "x"], dtype=object)).tolist() == ["0.00001", "x"]  # mixed column
    float32 = pd.Series(np.array([0.00001, 0.1, 2.5e-07], dtype=np.float32))  # a Parquet FLOAT column
    assert normalise_keys(float32).tolist() == ["0.00001", "0.1", "0.00000025"]


def test_keys_written_before_as_a_float_repr_still_join():
    """A label file written before this holds ``1e-05`` as text: it reads as the key ``0.00001``
    (only such files: a text key is never rewritten, review revC #3, test_fix40c_text_float_like_keys)."""
    assert old_float_keys(pd.Series(["1e-05", "-2.5e-07", "0.00001"])).tolist() == ["0.00001", "-0.00000025", "0.00001"]
    # text that is no float's repr stays as written ("1e-5", "1E-05", "00123")
    assert old_float_keys(pd.Series(["1e-5", "1E-05", "00123", "abc1e-05"])).tolist() == ["1e-5", "1E-05", "00123",
                                                                                          "abc1e-05"]


def test_a_float_label_file_joins_text_ids(tmp_path):
    pq.write_table(pa.table({"request_id": [0.00001, 0.5], "label": [1.0, 0.0]}), tmp_path / "labels.parquet")
    store = str(tmp_path / "store")
    assert ingest_labels(str(tmp_path / "labels.parquet"), store) == 2
    _, latest, _ = latest_labels(read_labels(store))
    assert sorted(latest["_key"]) == ["0.00001", "0.5"]
