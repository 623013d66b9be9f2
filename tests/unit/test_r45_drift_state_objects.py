"""A drift state of a categorical column of ``pd.Interval`` values (a ``pd.cut`` band, the usual
way to bucket an age or an amount) or of ``uuid.UUID`` objects could be compared but not saved:
``DriftState.to_dict`` (what KFP tasks and the monitoring window pass between pods) raised a bare
``TypeError: cannot keep category value Interval(-9.0, -0.5, closed='right') of type
Interval``. Both are now kept as themselves, so a saved and re-read state scores as the one in
memory, also past ``max_categories`` (hash buckets). A value a state cannot carry back as itself
(a tuple, a frozenset) is refused in one line naming the column (``DriftError``)."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming
from ctloop.errors import DriftError


def _saved(state: streaming.DriftState) -> streaming.DriftState:
    return streaming.DriftState.from_dict(json.loads(json.dumps(state.to_dict())))


def _bands(rows: int, shift: float, edges) -> pd.DataFrame:
    rng = np.random.default_rng(int(shift * 10) + rows)
    return pd.DataFrame({"band": pd.cut(rng.normal(shift, 1, rows), edges)})


def _ids(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"id": [uuid.UUID(int=int(i)) for i in rng.integers(0, 6, rows)]})


@pytest.mark.parametrize(
    ("ref", "cur", "limit"),
    [
        (_bands(400, 0, [-9, -0.5, 0.5, 9]), _bands(400, 0.4, [-9, -0.5, 0.5, 9]), 16384),
        (_bands(400, 0, np.linspace(-4, 4, 121)), _bands(400, 0.4, np.linspace(-4, 4, 121)), 64),
        (_ids(300, 1), _ids(300, 2), 16384),
    ],
    ids=["pd-cut-bands", "pd-cut-bands-hashed", "uuids"],
)
def test_a_saved_state_of_intervals_or_uuids_scores_as_the_one_in_memory(ref, cur, limit):
    a = streaming.DriftState(max_categories=limit).update(ref)
    b = streaming.DriftState(max_categories=limit).update(cur)
    live = streaming.compare(a, b).columns[0]
    saved = streaming.compare(_saved(a), _saved(b)).columns[0]
    assert (saved.method, saved.score, saved.drifted) == (live.method, live.score, live.drifted)
    assert saved.approximate == (limit == 64)  # past max_categories: hash buckets
    if limit == 16384:  # exact counts: the in-memory engine's score
        memory = engine.detect(ref, cur).columns[0]
        assert (saved.method, saved.drifted) == (memory.method, memory.drifted)
        assert saved.score == pytest.approx(memory.score, rel=1e-9, abs=1e-12)


def test_a_state_of_values_it_cannot_carry_back_is_refused_naming_the_column():
    state = streaming.DriftState().update(
        pd.DataFrame({"pair": pd.Series([(1, 2), (3, 4)] * 20, dtype=object)})
    )
    with pytest.raises(
        DriftError, match=r"column 'pair': a drift state cannot save its values .*tuple"
    ):
        state.to_dict()
