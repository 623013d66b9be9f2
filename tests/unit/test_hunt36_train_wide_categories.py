"""Hunt 36 (training surface): a high-cardinality text feature whose every value is seen often
enough for the one-hot encoder to keep it — a customer id in a table of transactions, five per
customer — makes the training Pipeline's dense one-hot matrix rows x categories. Past the
machine's memory the fit died with numpy's ``MemoryError: Unable to allocate ... GiB`` traceback
(or the kernel's OOM kill); now it is refused before the fit, naming the column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.train import core
from ctloop.errors import DataValidationError


def test_a_one_hot_matrix_beyond_memory_is_refused_naming_the_column(monkeypatch):
    # each text feature one-hot encodes at most ONE_HOT_MAX_CATEGORIES columns (round 42): 1,000,000
    # rows x 259 columns x 8 bytes is 1.9 GiB, beyond a machine of 1 GiB
    monkeypatch.setattr(core, "memory_bytes", lambda: 2**30)
    customers = 200_000
    rng = np.random.default_rng(0)
    ids = np.repeat(np.arange(customers), 5)
    frame = pd.DataFrame({"amount": rng.normal(size=len(ids)),
                          "customer": pd.Series(ids).map("c{:06d}".format),
                          "channel": rng.choice(["web", "shop"], size=len(ids))})
    frame["fraud"] = (frame.amount > 1).astype(int)
    with pytest.raises(DataValidationError, match=r"column 'customer' breaks rule 'categories' in 1000000 row\(s\): "
                                                  r"200,000 categories seen 5\+ times: one-hot encoded \(with the "
                                                  r"other text features\) they make a 1,000,000 x 259 matrix"):
        core.fit(frame, target="fraud", estimator="logistic_regression")


def test_a_one_hot_matrix_that_fits_is_trained():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"amount": rng.normal(size=3000), "shop": [f"s{i % 300}" for i in range(3000)]})
    frame["fraud"] = (frame.amount > 1).astype(int)
    result = core.fit(frame, target="fraud", estimator="logistic_regression")
    assert result.meta["categorical"] == ["shop"]
