"""Round 46: join keys were compared as their code points, while class labels are compared in
Unicode's composed form (NFC: realized.as_classes, the fit's text_key): an order id 'Zoë-1001'
that a macOS export or a label tool wrote decomposed ('Zoe' + U+0308, NFD) never joined the
inference log's composed 'Zoë-1001', and a label given in both forms counted as two keys. Keys
are now read in NFC on both sides of the join (store.normalise_keys), as labels are: one rule."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from ctloop.labels.join import join_store
from ctloop.labels.store import ingest_labels, normalise_keys

NFC = unicodedata.normalize("NFC", "Zoë-1001")
NFD = unicodedata.normalize("NFD", "Zoë-1001")


def _logs(key):
    return pd.DataFrame({"request_id": ["r1"], "meta_x_order_id": [key], "instance": [0], "prediction_1": [0.7],
                         "has_response": [True], "_time": [pd.Timestamp.now("UTC")], "model_version": ["1"]})


@pytest.mark.parametrize(("stored", "logged"), [(NFD, NFC), (NFC, NFD)], ids=["nfd-label", "nfd-log"])
def test_a_key_in_either_unicode_form_joins(tmp_path, stored, logged):
    (tmp_path / "labels.csv").write_text(f"meta_x_order_id,label\n{stored},1\n", encoding="utf-8")
    ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"), key="meta_x_order_id")
    joined = join_store(_logs(logged), str(tmp_path / "store"))
    assert joined.frame["label"].tolist() == [1.0]


def test_keys_are_composed_and_ascii_keys_untouched():
    keys = normalise_keys(pd.Series([NFD, "plain-1", None, " " + NFC + " "], dtype=object))
    assert keys.tolist()[:2] == [NFC, "plain-1"] and keys.isna().tolist() == [False, False, True, False]
    assert keys.iloc[3] == NFC
