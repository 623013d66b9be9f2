"""``report.html`` of ``ctloop drift`` with a column name or a category value holding ``</script>``.

evidently 0.7.23 (``legacy/utils/dashboard.py`` ``file_html_template``) writes ``json.dumps`` of
the report into an inline ``<script>`` as it is: a CSV header or a logged category value
``</script><img src=x onerror=alert(1)>`` closed that script, and the rest of the page's data ran as
HTML (script injection into a page people open from the KFP UI). Now every ``<`` of that data block
is written ``\\u003c``: the same JSON, no tag."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from ctloop.cli import main

EVIL = "</script><img src=x onerror=alert(1)>"


def test_a_hostile_column_name_and_value_stay_inside_the_reports_data(tmp_path, capsys):
    rng = np.random.default_rng(0)
    n = 200
    values = ["a", "b", EVIL + "v"]
    pd.DataFrame({EVIL: rng.normal(0, 1, n), "c": rng.choice(values, n)}).to_parquet(tmp_path / "r.parquet")
    pd.DataFrame({EVIL: rng.normal(1, 1, n), "c": rng.choice(values, n)}).to_parquet(tmp_path / "c.parquet")
    out = tmp_path / "out dir"  # a path with a space
    code = main(["drift", "--reference", str(tmp_path / "r.parquet"), "--current", str(tmp_path / "c.parquet"),
                 "--engine", "memory", "--quiet", "--output", str(out)])
    assert code == 0, capsys.readouterr().err
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<img" not in page
    block = re.search(r"<script>\n    var (metric_\w+) = (.*);\n    var additional_graphs_\1 = (.*?);\n</script>",
                      page, re.DOTALL)
    assert block is not None
    report = json.loads(block[2])  # still the JSON evidently wrote
    assert EVIL in json.dumps(report, ensure_ascii=False) + json.dumps(json.loads(block[3]), ensure_ascii=False)
