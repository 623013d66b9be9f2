"""The monitoring window names the feature columns drift could not compare (was: only the drift
CLI, ``drift.json``, the report and ``detect_drift`` listed them; a monitored champion with a
list-valued feature lost it from every window's drift share without a word)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.components.monitor import core
from ctloop.drift import engine
from ctloop.monitoring.rules import Verdict
from ctloop.monitoring.window import FeatureAlignment


def test_a_window_records_and_warns_about_the_feature_columns_drift_skipped():
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"income": rng.normal(size=300), "tags": [["a", "b"]] * 300})
    current = pd.DataFrame({"income": rng.normal(size=200), "tags": [["c"]] * 200})
    result = engine.detect(reference, current, columns=["income", "tags"])
    assert [s.column for s in result.skipped] == ["tags"]
    out = core.WindowJudgement(window_end=pd.Timestamp("2026-01-01", tz="UTC"), metric="roc_auc",
                               record={}, verdict=Verdict(False, "none", ""))
    core._drift(out, FeatureAlignment(columns=["income", "tags"], mapping="named"), result)
    assert out.tags["drift_skipped"] == "tags"
    assert any(w.startswith("drift skipped 1 column(s): tags (") and "unsupported" in w for w in out.warnings), \
        out.warnings
    assert set(out.drift_scores) == {"income"}
    # nothing skipped: no tag, no warning
    clean = engine.detect(reference[["income"]], current[["income"]], columns=["income"])
    quiet = core.WindowJudgement(window_end=pd.Timestamp("2026-01-01", tz="UTC"), metric="roc_auc",
                                 record={}, verdict=Verdict(False, "none", ""))
    core._drift(quiet, FeatureAlignment(columns=["income"], mapping="named"), clean)
    assert "drift_skipped" not in quiet.tags and not quiet.warnings
