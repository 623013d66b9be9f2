"""``rollout.rules.window`` and ``metric_sources probe --lookback`` take what Prometheus takes as
a range (review revA, fix40 item 3).

Prometheus parses a range with ``model.ParseDuration`` (prometheus/common ``model/time.go``: ``^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?
(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$``: ASCII digits, units in descending order, compounds
such as ``1h30m``) and refuses a range of 0 (v2.42 ``promql/parser/parse.go`` ``parseDuration``:
"duration must be greater than 0"). Before: the check was ``\\d+[smhdwy]`` — ``\\d`` is any
Unicode digit, so ``1\\u0660m`` (ARABIC-INDIC ZERO) passed and every canary check was an HTTP 400,
a rollback; ``1h30m`` and ``500ms`` were refused although Prometheus takes them; ``293y`` passed
(a Go duration holds 292 years: "duration out of range"). Every form below
is put to the real Prometheus 2.42 (tests/fixtures/prometheus.py) as well.
"""

from __future__ import annotations

import urllib.error

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import ConfigError
from ctloop.serving import metric_sources
from tests.fixtures.prometheus import prometheus_with, query

GOOD = ["30s", "5m", "1h", "100d", "1w", "1y", "05m", "1h30m", "1d12h", "2w3d", "1m30s", "500ms",
        "1s500ms", "1y2w3d4h5m6s7ms"]
BAD = ["1\u0660m", "\u0661h", "1\uff10m", "0m", "0s", "00h", "0h0m", "0ms", "30m1h", "1h1h", "1.5h",
       "1hm", "1", "0", "", "-5m", "5M", "1h offset 1d", "5x", "293y", "9999999999999999999y",
       "1" * 5000 + "m"]
# PromQL skips the blanks around a range; ctloop keeps the value as written, so refuses them
BLANKS = [" 5m", "5m ", "5m\n"]


def _config(window: str) -> RolloutConfig:
    return RolloutConfig.from_dict({"inference_service": "credit", "namespace": "ml",
                                    "rules": {"window": window}})


@pytest.mark.parametrize("window", GOOD)
def test_a_range_prometheus_takes_is_a_window(window):
    assert _config(window).rules.window == window


@pytest.mark.parametrize("window", BAD + BLANKS)
def test_a_range_prometheus_refuses_is_refused_with_the_configuration(window):
    with pytest.raises(ConfigError, match=r"rollout\.rules\.window: "):
        _config(window)


def test_the_longest_range_prometheus_takes_is_a_window():
    """A range is a Go time.Duration: at most 2**63-1 ns, 292 years (v2.42 answers 293y with
    "duration out of range")."""
    assert _config("292y").rules.window == "292y"
    assert _config("0" * 5000 + "5m").rules.window.endswith("05m")


URL = "http://127.0.0.1:9"  # nothing listens: a query is a connection error (exit 1)


@pytest.mark.parametrize("lookback", GOOD)
def test_the_probe_takes_the_same_lookbacks(capsys, lookback):
    code = metric_sources.main(["probe", "--prometheus-url", URL, "--namespace", "ml", "--lookback", lookback])
    err = capsys.readouterr().err
    assert code == 1 and "Prometheus query failed" in err, err


@pytest.mark.parametrize("lookback", BAD + BLANKS)
def test_the_probe_refuses_the_same_lookbacks(capsys, lookback):
    code = metric_sources.main(["probe", "--prometheus-url", URL, "--namespace", "ml", f"--lookback={lookback}"])
    err = capsys.readouterr().err
    assert code == 2 and f"--lookback {lookback!r}" in err and err.count("\n") == 1, err


@pytest.mark.slow
def test_prometheus_takes_every_good_range_and_refuses_every_bad_one(tmp_path):
    text = 'up{job="x"} 1 1700000000\nup{job="x"} 1 1700000030\n# EOF\n'
    with prometheus_with(text, tmp_path) as url:
        for good in [*GOOD, "292y", "0" * 5000 + "5m"]:
            query(url, f"count_over_time(up[{good}])", at=1_700_000_030)
        for bad in BAD:
            with pytest.raises(urllib.error.HTTPError) as refused:
                query(url, f"count_over_time(up[{bad}])", at=1_700_000_030)
            assert refused.value.code == 400, bad
