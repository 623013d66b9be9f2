"""A category (Parquet dictionary) column of integer keys with a gap (review E of round 48): round 48
cast it to its categories' int64, which has no gap, and ``normalise_keys`` (the label store, the
monitor's join, batch scoring's ``id_keys``) raised "ValueError: Cannot convert float NaN to
integer". Before round 48 it gave ['7', <NA>, '8']; it does again, every digit of a uint64 kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ctloop.labels.store import normalise_keys
from ctloop.scoring import id_keys

_BIG = pd.Index(np.array([2**64 - 1, 3], dtype="uint64"))


@pytest.mark.parametrize(
    ("values", "keys"),
    [
        (pd.Categorical([7, None, 8]), ["7", None, "8"]),
        (
            pd.Categorical.from_codes([0, -1, 1], categories=_BIG),
            ["18446744073709551615", None, "3"],
        ),
        (pd.Categorical([7, 8]), ["7", "8"]),
        (pd.Categorical([" a", None]), ["a", None]),
        (pd.Categorical([1.5, None]), ["1.5", None]),
    ],
    ids=["int64-gap", "uint64-gap", "int64", "text-gap", "float-gap"],
)
def test_category_keys_keep_the_gap(values: pd.Categorical, keys: list[str | None]) -> None:
    out = normalise_keys(pd.Series(values))
    assert [None if k is pd.NA else k for k in out.tolist()] == keys


def test_scoring_ids_from_a_dictionary_column_with_a_gap() -> None:
    out = id_keys(pa.array([7, None, 8]).dictionary_encode())
    assert out.tolist()[0] == "7" and out.isna().tolist() == [False, True, False]
