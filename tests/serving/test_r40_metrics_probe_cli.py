"""``python -m ctloop.serving.metric_sources probe`` on bad arguments: one line naming the
argument, exit 2, before any query.

Before: ``--lookback 5x`` (or ``0s``, or ``1h offset 1d`` — PromQL spliced into every query)
reached Prometheus, which answered HTTP 400 ("bad duration syntax", prometheus v2.42
``promql/parser``): exit 1 with the whole generated query quoted instead of the argument; and
``--namespace ''`` probed every namespace of the cluster, reporting series of other
InferenceServices as this one's (the canary analysis refuses a blank namespace:
``MetricSource.stats``)."""

from __future__ import annotations

import pytest

from ctloop.serving import metric_sources

# nothing listens here: a query would be a connection error (exit 1), not the refusal tested
URL = "http://127.0.0.1:9"


@pytest.mark.parametrize(("args", "named"), [
    (["--lookback", "5x"], "--lookback '5x'"),
    (["--lookback", "0s"], "--lookback '0s'"),
    (["--lookback", "1h offset 1d"], "--lookback '1h offset 1d'"),
    (["--lookback", ""], "--lookback ''"),
    (["--namespace", ""], "--namespace"),
    (["--namespace", "  "], "--namespace"),
])
def test_a_bad_argument_is_one_line_naming_it_exit_2(capsys, args, named):
    code = metric_sources.main(["probe", "--prometheus-url", URL, "--namespace", "ml", *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert named in err and err.count("\n") == 1 and "rejected" not in err, err


@pytest.mark.parametrize("lookback", ["30s", "10m", "1h", "2d", "1w"])
def test_a_good_lookback_reaches_prometheus(capsys, lookback):
    code = metric_sources.main(["probe", "--prometheus-url", URL, "--namespace", "ml", "--lookback", lookback])
    err = capsys.readouterr().err
    assert code == 1 and "Prometheus query failed" in err, err
