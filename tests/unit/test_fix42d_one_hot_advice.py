"""A one-hot matrix beyond memory is refused naming the column. Was: the refusal advised to "group
its values" — but each text feature is capped at ``ONE_HOT_MAX_CATEGORIES`` columns (round 42),
so grouping 2,000 customer ids into, say, 1,000 groups left the matrix as wide as before. Now it
says grouping helps only below the cap, and offers dropping the column or fewer rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.train import core
from ctloop.contract import ONE_HOT_MAX_CATEGORIES
from ctloop.errors import DataValidationError


def test_the_refusal_advises_what_narrows_the_matrix(monkeypatch):
    monkeypatch.setattr(core, "memory_bytes", lambda: 2**20)  # 10,000 x 256 x 8 bytes is 20 MiB
    ids = np.repeat(np.arange(2000), 5)
    frame = pd.DataFrame(
        {
            "amount": np.random.default_rng(0).normal(size=len(ids)),
            "customer": pd.Series(ids).map("c{:05d}".format),
        }
    )
    frame["fraud"] = (frame.amount > 1).astype(int)
    with pytest.raises(DataValidationError) as info:
        core.fit(frame, target="fraud", estimator="logistic_regression")
    message = str(info.value)
    assert "x 256 matrix" in message and "group its values (e.g." not in message, message
    assert (
        f"a text feature takes at most {ONE_HOT_MAX_CATEGORIES} columns, so grouping its values narrows the "
        f"matrix only when it leaves fewer than {ONE_HOT_MAX_CATEGORIES - 1} groups: drop the column (an ID?) or train on "
        "fewer rows (a shorter data.window)"
    ) in message, message
