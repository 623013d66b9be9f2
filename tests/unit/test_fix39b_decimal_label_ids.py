"""Decimal ids join between batch scoring and the label store (review B, F3).

Batch scoring keyed a decimal id column (a warehouse's NUMERIC/NUMBER export, a Parquet DECIMAL)
exactly (``ctloop.scoring.id_keys``: ``0.000001``), but the label store turned a decimal key
column into floats first (``_decimals_as_floats``) and keyed the float: ``1e-06``,
``123456789012.12346``, ``9007199254740992`` for ``9007199254740993``. The labels of those rows
never joined, without a word. Now both key a decimal with one function
(``ctloop.labels.store.decimal_key``); the label store keeps a decimal key column exact.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.linear_model import LogisticRegression

from ctloop import scoring, storage
from ctloop.labels.join import latest_labels
from ctloop.labels.store import ingest_labels, normalise_keys, read_labels

IDS = [Decimal("0.000001"), Decimal("123456789012.123456"), Decimal("9007199254740993"), Decimal("-5.50"),
       Decimal("1001.000000")]


def _scored(tmp_path) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=len(IDS)), "b": rng.normal(size=len(IDS))})
    fit = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    scorer = scoring.Scorer(LogisticRegression().fit(fit, (fit.a > 0).astype(int)), "m", "1", "champion",
                            ["a", "b"], ["a", "b"])
    pq.write_table(pa.table({"cid": pa.array(IDS, pa.decimal128(30, 6)), "a": df.a, "b": df.b}),
                   tmp_path / "in.parquet")
    scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r", id_column="cid")
    return pd.read_parquet(tmp_path / "out")


def test_a_decimal_label_file_joins_decimal_scoring_ids(tmp_path):
    out = _scored(tmp_path)
    assert out.request_id.tolist() == ["0.000001", "123456789012.123456", "9007199254740993", "-5.5", "1001"]
    pq.write_table(pa.table({"request_id": pa.array(IDS, pa.decimal128(30, 6)), "label": [1, 0, 1, 0, 1]}),
                   tmp_path / "labels.parquet")
    store = str(tmp_path / "store")
    assert ingest_labels(str(tmp_path / "labels.parquet"), store) == len(IDS)
    _, latest, _ = latest_labels(read_labels(store))
    assert sorted(latest["_key"]) == sorted(out.request_id)  # every scored row has its label


def test_the_whole_file_read_keeps_a_decimal_key_exact(tmp_path):
    """``read_table(..., text_columns=(key,))``: the label store's whole-file read (its fallback)."""
    pq.write_table(pa.table({"request_id": pa.array(IDS, pa.decimal128(30, 6)), "x": pa.array(IDS, pa.decimal128(30, 6))}),
                   tmp_path / "l.parquet")
    frame = storage.read_table(str(tmp_path / "l.parquet"), text_columns=("request_id",))
    assert normalise_keys(frame["request_id"]).tolist() == scoring.id_keys(pa.array(IDS, pa.decimal128(30, 6))).tolist()
    assert frame["x"].dtype == float  # other decimal columns are numbers, as before
