"""A pandas ``category`` column with gaps, written to Parquet (a dictionary column: pyarrow
25.0.1 ``pandas_compat``) and read back by ``ctloop.storage.read_table`` as ``category``, broke
the data contract's ``dtype: category`` / ``dtype: string`` rule with a traceback: the coercion
put the text of every cell, 'nan' for a gap, back into the categorical column ("TypeError:
Cannot setitem on a Categorical with a new category", pandas 2.3.3). Now the column is coerced
as the same column read from CSV (text, gaps kept)."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.contract import DataContract, validate
from ctloop.errors import DataValidationError
from ctloop.storage import read_table


@pytest.mark.parametrize("dtype", ["category", "string"])
def test_a_category_column_with_gaps_passes_as_from_csv(tmp_path, dtype):
    frame = pd.DataFrame({"region": pd.Categorical(["north", "south", None, "north"]), "x": [1.0, 2.0, 3.0, 4.0]})
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_csv(tmp_path / "t.csv", index=False)
    contract = DataContract.from_dict({"columns": {"region": {"dtype": dtype, "allowed": ["north", "south"]}}})
    from_parquet = validate(read_table(str(tmp_path / "t.parquet")), contract)
    from_csv = validate(read_table(str(tmp_path / "t.csv")), contract)
    assert from_parquet["region"].tolist()[:2] == from_csv["region"].tolist()[:2] == ["north", "south"]
    assert from_parquet["region"].isna().tolist() == from_csv["region"].isna().tolist() == [False, False, True, False]


def test_an_unseen_category_is_still_named(tmp_path):
    pd.DataFrame({"region": pd.Categorical(["north", "east", None])}).to_parquet(tmp_path / "t.parquet")
    contract = DataContract.from_dict({"columns": {"region": {"dtype": "category", "allowed": ["north"]}}})
    with pytest.raises(DataValidationError, match="east"):
        validate(read_table(str(tmp_path / "t.parquet")), contract)
