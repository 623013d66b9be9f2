"""A labels_root where no label store was ever written (a typo, the wrong bucket prefix) gives
"no labels" in every monitoring window, as a store waiting for its first labels does. The index
of such a root now warns, naming it; a store that exists but holds no label for these rows
stays quiet."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from ctloop.labels.join import index_store
from ctloop.labels.store import ingest_labels


def test_a_root_without_a_store_warns_naming_it(tmp_path):
    root = str(tmp_path / "lables")
    with pytest.warns(UserWarning, match=r"labels_root '.*lables' holds no label store .* typed right"):
        assert index_store(root) is None


def test_a_store_with_labels_does_not_warn(tmp_path):
    src = tmp_path / "labels.csv"
    pd.DataFrame({"request_id": ["a", "b"], "label": [0, 1]}).to_csv(src, index=False)
    store = str(tmp_path / "store")
    ingest_labels(str(src), store)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        index = index_store(store)
    assert index is not None and len(index) == 2
