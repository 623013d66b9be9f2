"""The normalised Wasserstein distance (evidently's choice above 1,000 reference rows) divides by
the reference's standard deviation; on a very heavy tail (a Pareto of index below 1 has no mean,
let alone a variance) both the distance and the deviation follow the few largest values, and two
samples of one distribution drift: 3,000 rows a side of one Pareto(0.5) drifted in about a third
of draws (evidently 0.7 says the same), with nothing said. The verdict stays evidently's; a drifted
column whose reference variance is mostly one value's and that the rank-based KS test does not find
drifted now carries a warning (both engines, ``drift.json``, ``detect_drift``'s reason), naming the
remedy: judge it by ``ks`` (``drift.column_methods``). Ordinary columns and a real change of a
heavy-tailed one (KS finds it) are not warned of."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, stats, streaming


def _both(ref: np.ndarray, cur: np.ndarray):
    a, b = pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur})
    memory = engine.detect(a, b).columns[0]
    streamed = streaming.compare(
        streaming.DriftState().update(a), streaming.DriftState().update(b)
    ).columns[0]
    return memory, streamed


def test_a_heavy_tail_that_drifts_by_wasserstein_alone_is_warned_of_by_both_engines():
    rng = np.random.default_rng(0)
    drifted = 0
    for _ in range(12):
        ref, cur = rng.pareto(0.5, 3000) + 1, rng.pareto(0.5, 3000) + 1
        ks_drifts = stats.ks_pvalue(ref, cur) < 0.05
        for col in _both(ref, cur):
            assert col.method == "wasserstein"
            if col.drifted and not ks_drifts:
                assert "holds" in col.warning and "heavy tail" in col.warning, col
                assert "judge it by ks (drift.column_methods: {x: ks})" in col.warning
            else:
                assert col.warning == ""
        drifted += col.drifted
    assert drifted >= 2  # the false alarms this is about do happen on this seed


@pytest.mark.parametrize(
    ("ref", "cur"),
    [
        (lambda r: r.normal(size=3000), lambda r: r.normal(0.15, 1, 3000)),
        (lambda r: r.lognormal(0, 1, 3000), lambda r: r.lognormal(0.2, 1, 3000)),
        (lambda r: r.pareto(0.5, 3000) + 1, lambda r: 20 * (r.pareto(0.5, 3000) + 1)),
    ],
    ids=["normal-shift", "lognormal-shift", "pareto-scaled"],
)
def test_real_drift_is_not_warned_of(ref, cur):
    rng = np.random.default_rng(1)
    for col in _both(ref(rng), cur(rng)):
        assert col.drifted and col.warning == "", col


def test_detect_drift_names_the_column_in_its_reason():
    from ctloop.components.drift.core import judge
    from ctloop.config import DriftConfig

    rng = np.random.default_rng(0)
    for _ in range(12):  # the first draw of this seed's stream that false-alarms (test above)
        ref, cur = rng.pareto(0.5, 3000) + 1, rng.pareto(0.5, 3000) + 1
        if engine.detect(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur})).columns[0].drifted:
            break
    decision = judge(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}), DriftConfig(),
                     target="y", time_column="t")  # fmt: skip
    assert decision.metadata["warnings"] == decision.result.warnings != []
    assert "1 drifted column(s) of a heavy tail by Wasserstein, not by KS" in decision.reason
