"""An id column of decimals (a warehouse's NUMERIC(12,2) / NUMBER(38,0) export read as a Parquet
DECIMAL column, pyarrow ``decimal128``) was written as the rows' ``request_id`` with its scale,
``"1000.00"``, where the label store keys ``1000`` and ``1000.0`` as ``"1000"`` (docs/batch-scoring.md,
"Ids"; ``ctloop.labels.store.normalise_keys``): labels never joined the scored rows, without a word.
Now a decimal id is keyed as its value: whole → its digits (exactly, beyond 2**53 too), else
without trailing zeros (``1000.50`` → ``"1000.5"``, as the float 1000.5)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.linear_model import LogisticRegression

from ctloop import scoring
from ctloop.labels.store import normalise_keys


def test_decimal_ids_are_keyed_as_the_label_store_keys_numbers(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    scorer = scoring.Scorer(LogisticRegression().fit(df, (df.a > 0).astype(int)), "m", "1", "champion",
                            ["a", "b"], ["a", "b"])
    ids = [Decimal(f"{1000 + i}.00") for i in range(39)] + [Decimal("12345678901234567890.50")]
    table = pa.table({"cid": pa.array(ids, pa.decimal128(38, 2)), "a": df.a, "b": df.b})
    pq.write_table(table, tmp_path / "in.parquet")
    scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r", id_column="cid")
    out = pd.read_parquet(tmp_path / "out")
    assert out.request_id.tolist()[:2] == ["1000", "1001"] == normalise_keys(pd.Series([1000, 1001.0])).tolist()
    assert out.request_id.tolist()[-1] == "12345678901234567890.5"
    assert out.cid.tolist()[0] == Decimal("1000.00")  # the id column itself as written
