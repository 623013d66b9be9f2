"""Settings URLs and the unnamed column after round 42's metrics merge.

- ``configured_url`` stripped with ``str.strip()``, which also takes ``\\x1f``, ``\\x85`` and
  ``\\u2028`` off: URLs ending or starting with them, refused before as holding a control
  character, were accepted. A blank given setting (``rollout.prometheus_url: " "``) was taken
  as given and stripped to "": the canary check lost the ``PROMETHEUS_URL`` of ConfigMap
  ``ctloop-settings``, and a blank ``--pushgateway-url`` turned the push off.
- A column written "" was skipped before its value was checked: ``drift_scores={"": "x"}`` was
  accepted, where every other column's value that is no number is refused.
"""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.monitoring import publish
from ctloop.monitoring.prometheus import window_samples
from ctloop.serving.metric_sources import Prometheus, configured_url

SETTING = "http://prometheus-operated.monitoring.svc:9090"


@pytest.mark.parametrize(
    "url",
    [
        "http://prom:9090\x1f",
        "http://prom:9090\x85",
        "\u2028http://prom:9090",
        "\x1chttp://prom:9090",
    ],
    ids=["unit-separator", "next-line", "line-separator", "file-separator"],
)
def test_a_control_character_around_the_url_is_refused(monkeypatch, url):
    monkeypatch.setenv("PROMETHEUS_URL", SETTING)
    with pytest.raises(ConfigError, match="Prometheus URL"):
        Prometheus(configured_url(url, "PROMETHEUS_URL"))
    with pytest.raises(ConfigError, match="Prometheus URL"):
        Prometheus(url)


def test_spaces_tabs_and_line_ends_are_still_stripped(monkeypatch):
    monkeypatch.setenv("PROMETHEUS_URL", f" {SETTING}\r\n")
    assert Prometheus(configured_url("", "PROMETHEUS_URL")).url == SETTING
    assert configured_url(f"\t{SETTING}\n", "PROMETHEUS_URL") == SETTING


@pytest.mark.parametrize("blank", [" ", "\n", " \t "], ids=["space", "newline", "tab"])
def test_a_blank_given_url_falls_back_to_the_setting(monkeypatch, blank):
    monkeypatch.setenv("PROMETHEUS_URL", SETTING)
    monkeypatch.setenv("PUSHGATEWAY_URL", "http://pushgateway.monitoring.svc:9091")
    assert configured_url(blank, "PROMETHEUS_URL") == SETTING
    assert publish.gateway(blank) == "http://pushgateway.monitoring.svc:9091"


WINDOW = {
    "window_end": "2026-12-02T10:00:00+00:00",
    "champion_version": "3",
    "rows": 10,
    "drift_share": 0.5,
    "drift_scores": {"age": 0.2},
    "drifted": {"age": False},
    "realized": None,
    "realized_metric": "roc_auc",
    "realized_rows": 0,
    "gate_value": None,
    "retrain": False,
    "rule": None,
}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("drift_scores", "not-a-number", r"window\['drift_scores\.'\] must be a number or None"),
        ("drifted", "maybe", r"drifted\."),
    ],
    ids=["score", "flag"],
)
def test_an_unnamed_columns_value_is_still_checked(field, value, message):
    window = {**WINDOW, field: {**WINDOW[field], "": value}}
    with pytest.raises(ConfigError, match=message):
        window_samples(window, now=0)


def test_an_unnamed_columns_good_value_is_left_out_of_the_samples():
    window = {**WINDOW, "drift_scores": {"": 0.1, "age": 0.2}, "drifted": {"": True, "age": False}}
    columns = [
        labels.get("column")
        for name, labels, _ in window_samples(window, now=0)
        if name.endswith(("drift_score", "column_drifted"))
    ]
    assert columns == ["age", "age"]
