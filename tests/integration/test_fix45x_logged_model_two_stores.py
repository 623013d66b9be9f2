"""MlflowRegistry.load_logged_model reads ``models:/NAME/VERSION`` from its own store, not from
the process's registry URI (mlflow 3.17 ``store/artifact/models_artifact_repo.py``:
``registry_uri or mlflow.get_registry_uri()``): with two registries in one process (a notebook
comparing two stores, a test, a task that reads one store and writes another), the first one's
logged model was downloaded from the second store and refused by its digest check, or, with
matching digests, was the other store's model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.integration.registry_support import _register_fitted


def _frame(seed: int) -> pd.DataFrame:
    x = np.random.default_rng(seed).normal(size=(80, 2))
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": (x[:, 0] + x[:, 1] > 0).astype(int)})


def test_each_registry_loads_the_logged_model_of_its_own_store(tmp_path):
    one, other = _frame(1), _frame(2)
    first = _register_fitted(f"sqlite:///{tmp_path / 'one' / 'mlflow.db'}", "m", one, (1,))
    # the second registration leaves MLflow's process-wide registry URI on the second store
    second = _register_fitted(f"sqlite:///{tmp_path / 'other' / 'mlflow.db'}", "m", other, (3,))
    rows = one[["a", "b"]]
    mine = first.load_logged_model("m", "1")
    assert np.allclose(mine.predict_proba(rows), first.load_model("m", "1").predict_proba(rows))
    theirs = second.load_logged_model("m", "1")
    assert np.allclose(theirs.predict_proba(rows), second.load_model("m", "1").predict_proba(rows))
    assert not np.allclose(mine.predict_proba(rows), theirs.predict_proba(rows))
