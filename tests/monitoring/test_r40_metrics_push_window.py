"""push_window / window_samples on hostile windows: a ConfigError naming the field, never a
TypeError/UnicodeEncodeError/OverflowError traceback (the docstring: "Bad input raises
ConfigError"; a failed push is a warning, never a failed run)."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.monitoring.prometheus import exposition, push_window, window_samples
from tests.monitoring.test_monitoring_metrics import window

# nothing listens here: a push that got that far would be a warning (connection refused)
GATEWAY = "http://127.0.0.1:9"


@pytest.mark.parametrize(("change", "named"), [
    # a frame with unnamed columns next to named ones: sorting 0 and 'age' was a TypeError
    ({"drift_scores": {0: 0.1, "age": 0.2}, "drifted": {0: True, "age": False}}, None),
    # two keys written as one label value: the Pushgateway refused the whole push (HTTP 400)
    ({"drift_scores": {1: 0.1, "1": 0.2}}, "window['drift_scores']"),
    ({"drifted": {1: True, "1": False}}, "window['drifted']"),
    # a lone surrogate (a file name read with surrogateescape) cannot be sent as UTF-8
    ({"drift_scores": {"inc\udcffome": 0.1}}, "window['drift_scores']"),
    ({"champion_version": "3\udcff"}, "window['champion_version']"),
    ({"rows": 10**400}, "window['rows']"),
])
def test_a_hostile_window_is_a_config_error_or_pushed(change, named):
    bad = window(0, **change)
    if named is None:
        text = exposition(window_samples(bad, now=0.0))
        assert 'column="0"' in text and 'column="age"' in text, text
        assert push_window(GATEWAY, model="m", window=bad) is not None  # a warning: nothing listens
        return
    with pytest.raises(ConfigError) as err:
        push_window(GATEWAY, model="m", window=bad)
    assert named in str(err.value) and "\n" not in str(err.value), err.value
