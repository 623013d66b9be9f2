"""Round 46, drift: evidently's HTML report for columns whose names are not text (a pandas
MultiIndex column, a number). evidently 0.7.23's ``DataDefinition`` takes text names only, and the
report failed after the verdict (``ValidationError: ... numerical_columns -> 0 str type
expected``; ``ctloop drift`` exit code 1, ``detect_drift`` a placeholder page)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.drift import engine, report


def test_labels_are_text_and_distinct():
    labels = report.evidently_labels([("a", "x"), 0, "0", "b", 1.5])
    assert labels == {("a", "x"): "('a', 'x')", 0: "0 [int]", "0": "0", "b": "b", 1.5: "1.5"}
    assert len(set(labels.values())) == len(labels)


def test_a_report_renders_for_multiindex_and_number_named_columns(tmp_path):
    rng = np.random.default_rng(46)
    names = [("income", "net"), 0, "0"]
    ref = pd.DataFrame({"k": rng.normal(size=40), "j": rng.normal(size=40), "s": list("ab") * 20})
    cur = pd.DataFrame(
        {"k": rng.normal(1, size=40), "j": rng.normal(size=40), "s": list("abb") * 13 + ["a"]}
    )
    ref.columns = cur.columns = pd.Index(names, tupleize_cols=False)
    result = engine.detect(ref, cur)
    path = tmp_path / "report.html"
    meta = report.render_html(ref, cur, path=path, **report.options_from_result(result))
    assert meta["report_columns"] == names  # the names themselves, as drift.json keeps them
    page = path.read_text(encoding="utf-8")
    for label in ("(&#x27;income&#x27;, &#x27;net&#x27;)", "0 [int]"):
        assert label in page or label.replace("&#x27;", "'") in page
