"""`make demo`'s backtest compares the production rule set (`default`, the issue-14 policy that
`ctloop backtest` uses by default) with never/always/drift on the same replay, in one table and
one plot — the demo used to replay never/always/drift only."""

from __future__ import annotations

import csv

from ctloop.demo import DEMO_POLICIES, backtest_history, comparison_lines
from ctloop.synthetic import make_credit_data


def test_demo_backtest_compares_the_default_policy_in_one_table_and_plot(tmp_path, capsys):
    # the demo's 12 months at 375 rows a month (half the demo's): the shock's retrains are scored
    # on the windows after it (8 months put it in the last window, where drift's and default's
    # rows could not differ)
    frame = make_credit_data(n_rows=4500, periods=12, seed=7)
    reports, paths = backtest_history(frame, tmp_path / "backtest", seed=7, jobs=1)
    # the data keeps the rows apart: a default row filled from another policy's report would show
    assert len({reports[p].mean_metric for p in ("never", "drift", "default")}) == 3

    assert list(reports) == list(DEMO_POLICIES) and "default" in reports
    for policy, report in reports.items():
        assert report.mean_metric is not None, policy
        assert paths[f"{policy}.json"].is_file() and paths[f"{policy}.png"].is_file()
    assert reports["always"].retrains >= reports["default"].retrains
    with paths["compare.csv"].open() as fh:
        rows = {row["policy"]: row for row in csv.DictReader(fh)}
    assert set(rows) == set(DEMO_POLICIES)
    assert paths["compare.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # progress: the default policy's windows, one line each, and nothing from the others
    out = capsys.readouterr().out
    assert "[default]" in out and "[always]" not in out

    lines = comparison_lines(reports)
    assert lines[0].split() == ["policy", "mean", "roc_auc", "vs", "always", "retrains", "promotions"]
    body = {line.split()[0]: line.split() for line in lines[1:]}
    assert body["always"][2] == "-"
    delta = round(100 * (reports["default"].mean_metric - reports["always"].mean_metric), 2)
    assert body["default"][2:4] == [f"{delta:+.2f}", "pts"]
    assert int(body["default"][-2]) == reports["default"].retrains
