"""The pooled re-test's docstring and docs/drift.md said a renamed code set "still falls into
groups of its own", and its warning called a pooled p that does not drift "no drift": false when
the new codes' text sorts beside the old ones (``SKU-001-A`` replaced by ``SKU-001-B``), which
share groups with them (pooled p = 0.998 for a complete replacement). The warning now says the
pooled test cannot tell, and why."""

from __future__ import annotations

import pandas as pd

from ctloop.drift import engine, stats


def test_a_replacement_sorting_beside_the_old_codes_is_warned_of_as_cannot_tell():
    old = [f"SKU-{i:03d}-A" for i in range(80)]
    new = [f"SKU-{i:03d}-B" for i in range(80)]
    ref = pd.DataFrame({"sku": [c for c in old for _ in range(2)]})
    cur = pd.DataFrame({"sku": [c for c in new for _ in range(2)]})
    assert stats.pooled_pvalue(*engine.categorical_counts(ref["sku"], cur["sku"])) > 0.9
    col = engine.detect(ref, cur).columns[0]
    assert (col.method, col.score, col.drifted) == ("chisquare", 0.0, True)
    assert "p = 0.998, which cannot tell either" in col.warning
    assert "no drift" not in col.warning
